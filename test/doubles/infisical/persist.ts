// The Infisical double's state on disk (projects, environments, folders, secrets, the machine
// identities' credentials, and the Vault app connections and syncs with their status), for a double that survives a restart (the demo's `.demo/infisical`).
// Access tokens are not kept: a client logs in again with its identity's credentials.
import { JsonPersister, loadJsonState } from "../persist";
import type { InfisicalStore, StoredSecret } from "./store";
import type { VaultSyncs, VaultSyncsState } from "./vaultSyncs";

export const STATE_FILE = "infisical-double.json";

interface PersistedState {
  format: "infisical-double/1";
  projects: { id: string; name: string; slug: string; environments: { id: string; name: string; slug: string; folders: string[]; secrets: [string, StoredSecret][] }[] }[];
  identities: [string, string][];
  /** Absent in a file saved before connections and syncs were kept. */
  vaultSyncs?: VaultSyncsState;
}

/** Fills `store` and `identities` from `dir`'s state file, if there is one. */
export function loadInto(store: InfisicalStore, identities: Map<string, string>, syncs: VaultSyncs, dir: string): void {
  const state = loadJsonState<PersistedState>(dir, STATE_FILE, "infisical-double/1");
  for (const p of state?.projects ?? []) store.projects.push({ ...p, environments: p.environments.map((e) => ({ ...e, folders: new Set(e.folders), secrets: new Map(e.secrets) })) });
  for (const [id, secret] of state?.identities ?? []) identities.set(id, secret);
  if (state?.vaultSyncs) syncs.restore(state.vaultSyncs);
}

export function persisterFor(store: InfisicalStore, identities: Map<string, string>, syncs: VaultSyncs, dir: string, debounceMs: number): JsonPersister {
  const snapshot = (): PersistedState => ({
    format: "infisical-double/1",
    projects: store.projects.map((p) => ({ ...p, environments: p.environments.map((e) => ({ ...e, folders: [...e.folders], secrets: [...e.secrets] })) })),
    identities: [...identities],
    vaultSyncs: syncs.snapshot(),
  });
  return new JsonPersister(dir, STATE_FILE, snapshot, debounceMs);
}
