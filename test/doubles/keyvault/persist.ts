import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { PersistedState } from "./store";

/** File of the vault's state inside the persistence directory (next to the TLS files). */
export const STATE_FILE = "keyvault-double.json";

export function loadState(dir: string): PersistedState | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, STATE_FILE), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  // A corrupt file stops the start instead of being replaced: it may hold a demo's only copy.
  const parsed = JSON.parse(text) as Partial<PersistedState>;
  if (parsed.format !== "keyvault-double/1" || !Array.isArray(parsed.secrets)) {
    throw new Error(`${join(dir, STATE_FILE)} is not a keyvault-double state file`);
  }
  return parsed as PersistedState;
}

/**
 * Debounced, atomic saves: the state is written to a temp file, fsynced and renamed over the old
 * one, so a reader or a crash sees either the previous or the next state, never half of one.
 */
export class Persister {
  private timer?: NodeJS.Timeout;
  private dirty = false;
  private seq = 0;

  constructor(
    private readonly dir: string,
    private readonly snapshot: () => PersistedState,
    private readonly debounceMs: number,
  ) {}

  markDirty(): void {
    this.dirty = true;
    if (this.debounceMs <= 0) {
      this.flush();
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.debounceMs);
  }

  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (!this.dirty) return;
    this.dirty = false;
    const file = join(this.dir, STATE_FILE);
    const tmp = `${file}.${process.pid}.${this.seq++}.tmp`;
    try {
      // 0600: the file holds secret values.
      const fd = openSync(tmp, "w", 0o600);
      try {
        writeSync(fd, JSON.stringify(this.snapshot()));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, file);
    } catch (e) {
      rmSync(tmp, { force: true });
      this.dirty = true;
      throw e;
    }
  }
}
