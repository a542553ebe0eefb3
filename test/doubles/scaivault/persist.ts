// The ScaiVault double's state on disk (secrets with their versions and soft deletes, federation
// backends), for a double that survives a restart (the demo's `.demo/scaivault`). Tokens are not
// kept: a caller that needs a stable one issues it again with the same value (`issueToken(…, token)`).
import { JsonPersister, loadJsonState } from "../persist";
import type { Backend, Store, StoredSecret } from "./store";

export const STATE_FILE = "scaivault-double.json";

interface PersistedState {
  format: "scaivault-double/1";
  secrets: StoredSecret[];
  backends: Backend[];
}

/** Fills `store` from `dir`'s state file, if there is one. */
export function loadInto(store: Store, dir: string): void {
  const state = loadJsonState<PersistedState>(dir, STATE_FILE, "scaivault-double/1");
  for (const s of state?.secrets ?? []) store.secrets.set(s.path, s);
  for (const b of state?.backends ?? []) store.backends.set(b.id, b);
}

export function persisterFor(store: Store, dir: string, debounceMs: number): JsonPersister {
  return new JsonPersister(dir, STATE_FILE, (): PersistedState => ({ format: "scaivault-double/1", secrets: [...store.secrets.values()], backends: [...store.backends.values()] }), debounceMs);
}
