// Persistence shared by the doubles (Key Vault, ScaiVault, Infisical): one JSON state file in a
// directory, loaded at start and saved atomically after changes, so a demo's double survives a restart.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";

/** The state in `dir/file`, or undefined when there is none; a file of another format stops the start. */
export function loadJsonState<T extends { format: string }>(dir: string, file: string, format: T["format"]): T | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, file), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  // A corrupt file stops the start instead of being replaced: it may hold a demo's only copy.
  const parsed = JSON.parse(text) as Partial<T>;
  if (parsed.format !== format) throw new Error(`${join(dir, file)} is not a ${format.split("/")[0]} state file`);
  return parsed as T;
}

/**
 * Debounced, atomic saves: the state is written to a temp file, fsynced and renamed over the old
 * one, so a reader or a crash sees either the previous or the next state, never half of one.
 */
export class JsonPersister {
  private timer?: NodeJS.Timeout;
  private dirty = false;
  private seq = 0;

  constructor(
    private readonly dir: string,
    private readonly file: string,
    private readonly snapshot: () => unknown,
    private readonly debounceMs: number,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

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
    const file = join(this.dir, this.file);
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
