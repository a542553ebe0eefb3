// Reads Vault/OpenBao audit logs line by line, never whole: a `file` device's log, a directory of
// rotated files (gzip-compressed ones too), or a syslog/socket capture saved as JSON lines. Files
// are read in the order of their entries' times (a rotated `audit.log.1` is older than
// `audit.log`, and names do not say so reliably), each read in 64 KB chunks into one buffer, line by line.
import type { CutoverAnalyzer } from "../../engine";

/** Loaded inside the functions: this module runs in the program and may be serialized with a provider. */
const fs = (): typeof import("node:fs") => require("node:fs") as typeof import("node:fs");
const pathMod = (): typeof import("node:path") => require("node:path") as typeof import("node:path");

/** Read size; a line longer than the buffer grows it. */
const CHUNK = 1 << 16;

/**
 * Calls `onLine(buf, start, end)` for every line of a file (gzip-decompressed when it ends in
 * `.gz`), its `\n` and a `\r` before it left out, until `onLine` returns false. One buffer serves
 * the whole file, refilled in place: no string or buffer is made per line or per read (plain files),
 * which keeps a long read's memory flat. A line's bytes are valid only during its call.
 */
async function eachLine(file: string, onLine: (buf: Buffer, start: number, end: number) => boolean | void): Promise<void> {
  let buf = Buffer.allocUnsafe(CHUNK);
  let filled = 0;
  /** Hands out the whole lines of buf[0, filled) and keeps the partial one at the start; false when stopped. */
  const drain = (): boolean => {
    let s = 0;
    for (let nl = buf.indexOf(10, s); nl >= 0 && nl < filled; nl = buf.indexOf(10, s)) {
      if (onLine(buf, s, nl > s && buf[nl - 1] === 13 ? nl - 1 : nl) === false) return false;
      s = nl + 1;
    }
    buf.copyWithin(0, s, filled);
    filled -= s;
    if (filled === buf.length) {
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger, 0, 0, filled);
      buf = bigger;
    }
    return true;
  };
  const last = (): void => {
    if (filled > 0) onLine(buf, 0, buf[filled - 1] === 13 ? filled - 1 : filled);
  };
  if (file.endsWith(".gz")) {
    const zlib = require("node:zlib") as typeof import("node:zlib");
    const raw = fs().createReadStream(file, { highWaterMark: CHUNK });
    const input = raw.pipe(zlib.createGunzip());
    raw.on("error", (e) => input.destroy(e));
    try {
      for await (const chunk of input as AsyncIterable<Buffer>) {
        for (let at = 0; at < chunk.length; ) {
          const n = chunk.copy(buf, filled, at);
          filled += n;
          at += n;
          if (!drain()) return;
        }
      }
      last();
    } finally {
      // Both: a stop after the first lines (ordering by time) must not leave the file open.
      input.destroy();
      raw.destroy();
    }
    return;
  }
  const h = await fs().promises.open(file, "r");
  try {
    for (;;) {
      const { bytesRead } = await h.read(buf, filled, buf.length - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
      if (!drain()) return;
    }
    last();
  } finally {
    await h.close();
  }
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
  let found: number | undefined;
  await eachLine(file, (buf, start, end) => {
    const m = /"time"\s*:\s*"([^"]{10,40})"/.exec(buf.toString("utf8", start, end));
    const t = m ? Date.parse(m[1]) : NaN;
    if (Number.isFinite(t)) found = t;
    return found === undefined && ++seen <= 1000;
  });
  return found;
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
      await eachLine(f, (buf, start, end) => analyzer.lineBytes(buf, start, end));
    } catch (e) {
      // The message of a stream error names the file and the cause (ENOENT, a bad gzip header), never a line.
      throw new Error(`audit log ${f}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
}
