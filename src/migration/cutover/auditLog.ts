// Reads Vault/OpenBao audit logs line by line, never whole: a `file` device's log, a directory of
// rotated files (gzip-compressed ones too), or a syslog/socket capture saved as JSON lines. Files
// are read in the order of their entries' times (a rotated `audit.log.1` is older than
// `audit.log`, and names do not say so reliably), each streamed through readline.
import type { CutoverAnalyzer } from "../../engine";

/** Loaded inside the functions: this module runs in the program and may be serialized with a provider. */
const fs = (): typeof import("node:fs") => require("node:fs") as typeof import("node:fs");
const pathMod = (): typeof import("node:path") => require("node:path") as typeof import("node:path");

function lineStream(file: string): AsyncIterable<string> {
  const readline = require("node:readline") as typeof import("node:readline");
  const zlib = require("node:zlib") as typeof import("node:zlib");
  const raw = fs().createReadStream(file, { highWaterMark: 1 << 16 });
  const input = file.endsWith(".gz") ? raw.pipe(zlib.createGunzip()) : raw;
  raw.on("error", (e) => input.destroy(e));
  return readline.createInterface({ input, crlfDelay: Infinity });
}

/** Every file a source names: the file itself, or a directory's regular files (not recursive). */
export function auditFiles(source: string): string[] {
  const st = fs().statSync(source);
  if (!st.isDirectory()) return [source];
  return fs()
    .readdirSync(source, { withFileTypes: true })
    .filter((d) => d.isFile() && !d.name.startsWith("."))
    .map((d) => pathMod().join(source, d.name))
    .sort();
}

/** The time of a file's first entry with a time (reads lines until one has it); undefined when none. */
async function firstTime(file: string): Promise<number | undefined> {
  let seen = 0;
  for await (const line of lineStream(file)) {
    const m = /"time"\s*:\s*"([^"]{10,40})"/.exec(line);
    const t = m ? Date.parse(m[1]) : NaN;
    if (Number.isFinite(t)) return t;
    if (++seen > 1000) return undefined;
  }
  return undefined;
}

/** Orders files by their first entry's time (files without one last, by name). */
export async function orderByTime(files: readonly string[]): Promise<string[]> {
  const timed = await Promise.all(files.map(async (f) => ({ f, t: await firstTime(f) })));
  return timed.sort((a, b) => (a.t ?? Infinity) - (b.t ?? Infinity) || (a.f < b.f ? -1 : a.f > b.f ? 1 : 0)).map((x) => x.f);
}

/**
 * Feeds every line of every source (files or directories) to the analyzer, files in time order.
 * A missing or unreadable source is an error naming it; malformed lines are the analyzer's to count.
 */
export async function readAuditLogs(sources: readonly string[], analyzer: CutoverAnalyzer): Promise<void> {
  const files: string[] = [];
  for (const s of sources) {
    try {
      files.push(...auditFiles(s));
    } catch (e) {
      throw new Error(`audit log ${s}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  for (const f of await orderByTime([...new Set(files)])) {
    analyzer.file(f);
    try {
      for await (const line of lineStream(f)) analyzer.line(line);
    } catch (e) {
      // The message of a stream error names the file and the cause (ENOENT, a bad gzip header), never a line.
      throw new Error(`audit log ${f}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
}
