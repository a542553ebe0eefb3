import { JsonPersister, loadJsonState } from "../persist";
import type { PersistedState } from "./store";

/** File of the vault's state inside the persistence directory (next to the TLS files). */
export const STATE_FILE = "keyvault-double.json";

export function loadState(dir: string): PersistedState | undefined {
  const state = loadJsonState<PersistedState>(dir, STATE_FILE, "keyvault-double/1");
  if (state && !Array.isArray(state.secrets)) throw new Error(`${dir}/${STATE_FILE} is not a keyvault-double state file`);
  return state;
}

/** The Key Vault double's debounced, atomic saves (see ../persist.ts). */
export class Persister extends JsonPersister {
  constructor(dir: string, snapshot: () => PersistedState, debounceMs: number) {
    super(dir, STATE_FILE, snapshot, debounceMs);
  }
}
