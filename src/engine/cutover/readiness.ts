// Cutover readiness of one migration, from its source's audit log: who still reads each migrated
// path, which paths are quiet, and whether the log covers the whole quiet window. Pure: the lines
// come from a reader (src/migration/cutover/auditLog.ts), the paths from the plan.
import { normalizeNamespace, parseAuditLine, type AuditIdentity, type AuditRead } from "./auditEntry";

/** A migrated source secret: `mount/path` as in the plan, with its KV version. */
export interface MigratedPath {
  readonly sourcePath: string;
  readonly mount: string;
  readonly kvVersion: 1 | 2;
}

/** An identity whose reads are the migration's own (its reader): every given field must match. */
export interface ReaderMatch {
  readonly roleName?: string;
  readonly displayName?: string;
  readonly accessor?: string;
  readonly entityId?: string;
}

export interface CutoverOptions {
  /** Source namespace (`team-a`), empty or undefined for the root. */
  readonly namespace?: string;
  readonly paths: readonly MigratedPath[];
  /** The migration's own readers, left out of the consumers. */
  readonly readers: readonly ReaderMatch[];
  readonly quietWindowMs: number;
  /** The longest silence between consecutive entries (and from the last one to now) still taken as covered. */
  readonly maxGapMs: number;
  readonly nowMs: number;
}

export interface Consumer {
  readonly displayName?: string;
  readonly entityId?: string;
  readonly policies?: readonly string[];
  readonly accessor?: string;
  readonly roleName?: string;
  readonly remoteAddresses: readonly string[];
  readonly firstRead: string;
  readonly lastRead: string;
  readonly reads: number;
}

export interface PathReadiness {
  readonly sourcePath: string;
  /** No consumer read it within the quiet window. */
  readonly quiet: boolean;
  readonly consumers: readonly Consumer[];
  /** Reads by the migration's own reader (not consumers). */
  readonly ownReads: number;
}

export interface LogGap {
  readonly from: string;
  readonly to: string;
  readonly ms: number;
}

export interface Coverage {
  /** The window is wholly covered: the log starts at or before its start, with no gap over `maxGapMs`. */
  readonly whole: boolean;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly firstEntry?: string;
  readonly lastEntry?: string;
  /** The log starts after the window does (or is empty). */
  readonly lateStart: boolean;
  /** Gaps over `maxGapMs` inside the window (at most 20 listed), the one after the last entry included. */
  readonly gaps: readonly LogGap[];
  readonly gapCount: number;
  /** Why it is not whole, one line each, naming times; empty when whole. */
  readonly problems: readonly string[];
}

export interface CutoverReadiness {
  readonly quietWindowMs: number;
  readonly maxGapMs: number;
  readonly coverage: Coverage;
  readonly entries: number;
  readonly malformedLines: number;
  readonly files: readonly string[];
  readonly paths: readonly PathReadiness[];
}

const MAX_GAPS_LISTED = 20;
/** `{"time":"…","type":"…"`: how Vault and OpenBao start every entry. */
const HEAD = /^\s*\{\s*"time"\s*:\s*"[^"]*"\s*,\s*"type"\s*:\s*"([a-z]+)"/;
const PATH_FIELD = /"path"\s*:\s*"((?:[^"\\]|\\.)*)"/g;
const MAX_ADDRESSES = 10;
// The byte forms `lineBytes` looks for (Vault's compact JSON).
const TIME_KEY = Buffer.from('{"time":"', "latin1");
const TYPE_KEY = Buffer.from(',"type":"', "latin1");
const REQUEST_TYPE = Buffer.from('request"', "latin1");
const PATH_KEY = Buffer.from('"path"', "latin1");
const QUOTE = 0x22;
const isAsciiSpace = (b: number): boolean => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0x0b || b === 0x0c;
const startsWith = (buf: Buffer, at: number, end: number, what: Buffer): boolean => at + what.length <= end && buf.compare(what, 0, what.length, at, at + what.length) === 0;

const iso = (ms: number): string => new Date(ms).toISOString();

/** `1h`, `30m`, `7d`, `90s`, `1d12h` → milliseconds; undefined when not a duration. */
export function parseWindow(text: string): number | undefined {
  const m = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
  if (!m || !text.trim() || m.slice(1).every((x) => x === undefined)) return undefined;
  const [d, h, min, s] = m.slice(1).map((x) => Number(x ?? 0));
  return (((d * 24 + h) * 60 + min) * 60 + s) * 1000;
}

/** `2d 3h 4m` for messages. */
export function formatWindow(ms: number): string {
  const s = Math.round(ms / 1000);
  const parts = [[Math.floor(s / 86400), "d"], [Math.floor(s / 3600) % 24, "h"], [Math.floor(s / 60) % 60, "m"], [s % 60, "s"]] as const;
  const shown = parts.filter(([n]) => n > 0).map(([n, u]) => `${n}${u}`);
  return shown.length ? shown.join(" ") : "0s";
}

/** The request paths a source secret is read under: KV v2 `data/` and `metadata/`, KV v1 the path itself. */
export function requestForms(p: MigratedPath, namespace?: string): string[] {
  const ns = normalizeNamespace(namespace);
  const mount = p.mount.replace(/^\/+|\/+$/g, "");
  const rel = p.sourcePath.startsWith(`${mount}/`) ? p.sourcePath.slice(mount.length + 1) : p.sourcePath;
  return p.kvVersion === 2 ? [`${ns}${mount}/data/${rel}`, `${ns}${mount}/metadata/${rel}`] : [`${ns}${mount}/${rel}`];
}

function matchesReader(id: AuditIdentity, r: ReaderMatch): boolean {
  const given = (["roleName", "displayName", "accessor", "entityId"] as const).filter((k) => r[k] !== undefined);
  return given.length > 0 && given.every((k) => id[k] === r[k]);
}

/** One consumer's identity key: the entity when Vault has one, else the token's accessor, else what is shown. */
function consumerKey(id: AuditIdentity): string {
  if (id.entityId) return `e:${id.entityId}`;
  if (id.accessor) return `a:${id.accessor}`;
  return `n:${id.displayName ?? ""}\t${(id.policies ?? []).join(",")}\t${id.roleName ?? ""}`;
}

interface ConsumerTally {
  identity: AuditIdentity;
  addresses: Set<string>;
  first: number;
  last: number;
  reads: number;
}

/**
 * Takes audit log lines in time order (file by file) and builds the readiness. Memory holds one
 * tally per (path, consumer), never a line.
 */
export class CutoverAnalyzer {
  private readonly byForm = new Map<string, string>();
  /** The request paths of the forms, without the namespace (the prefilter's set). */
  private readonly requestPaths = new Set<string>();
  private readonly tallies = new Map<string, Map<string, ConsumerTally>>();
  private readonly own = new Map<string, number>();
  private entries = 0;
  private malformed = 0;
  private first: number | undefined;
  private last: number | undefined;
  private readonly gaps: LogGap[] = [];
  private gapCount = 0;
  private readonly files: string[] = [];
  private readonly windowStart: number;

  constructor(private readonly o: CutoverOptions) {
    for (const p of o.paths) for (const f of requestForms(p, o.namespace)) this.byForm.set(f, p.sourcePath);
    for (const p of o.paths) for (const f of requestForms(p)) this.requestPaths.add(f);
    this.windowStart = o.nowMs - o.quietWindowMs;
  }

  /** Names a file (or capture) read, in order, for the report. */
  file(name: string): void {
    this.files.push(name);
  }

  /** One raw line. Malformed lines are counted and skipped. */
  line(raw: string): void {
    const parsed = parseAuditLine(raw, (l) => this.mayMatch(l));
    if (parsed.kind === "malformed") {
      if (raw.trim()) this.malformed++;
      return;
    }
    const t = parsed.kind === "read" ? parsed.read.timeMs : parsed.timeMs;
    this.time(t);
    if (parsed.kind === "read") this.read(parsed.read);
  }

  /**
   * One raw line as bytes, `buf[start, end)` without its line break: the same outcome as `line()`
   * on its UTF-8 text, without making that text for the lines that cannot match. A long read of a
   * busy log allocates almost nothing per line, so V8's young generation (which grows with the
   * bytes that survive its collections) stays small and the reader's memory flat. Only the common
   * form is decided here (Vault's compact `{"time":"…","type":"…"` start, `"path":"…"` without
   * escapes); anything else goes to `line()`.
   */
  lineBytes(buf: Buffer, start: number, end: number): void {
    const verdict = this.skipBytes(buf, start, end);
    if (verdict === undefined) this.line(buf.toString("utf8", start, end));
    else if (verdict >= 0) this.time(verdict);
  }

  /** The entry's time when the line plainly is no read of a migrated path, -1 for a blank line, undefined when `line()` must decide. */
  private skipBytes(buf: Buffer, start: number, end: number): number | undefined {
    let s = start;
    while (s < end && isAsciiSpace(buf[s])) s++;
    if (s === end) return -1;
    if (!startsWith(buf, s, end, TIME_KEY)) return undefined;
    const t0 = s + TIME_KEY.length;
    const t1 = buf.indexOf(QUOTE, t0);
    if (t1 < 0 || t1 >= end || t1 - t0 < 10 || t1 - t0 > 40) return undefined;
    const timeMs = Date.parse(buf.toString("latin1", t0, t1));
    if (!Number.isFinite(timeMs) || !startsWith(buf, t1 + 1, end, TYPE_KEY)) return undefined;
    const y0 = t1 + 1 + TYPE_KEY.length;
    if (!startsWith(buf, y0, end, REQUEST_TYPE)) {
      // Another type (`response`): HEAD says so when it is a word in quotes.
      let y = y0;
      while (y < end && buf[y] >= 0x61 && buf[y] <= 0x7a) y++;
      return y > y0 && y < end && buf[y] === 0x22 ? timeMs : undefined;
    }
    // A request: every `"path"` field whose value has no escape must name no migrated form.
    const line = buf.subarray(y0, end);
    for (let i = line.indexOf(PATH_KEY); i >= 0; i = line.indexOf(PATH_KEY, i + 1)) {
      let j = i + PATH_KEY.length;
      while (j < line.length && isAsciiSpace(line[j])) j++;
      // A non-ASCII byte may be a space to the regex of `line()`: let it decide.
      if (line[j] >= 0x80) return undefined;
      if (line[j] !== 0x3a) continue;
      j++;
      while (j < line.length && isAsciiSpace(line[j])) j++;
      if (line[j] >= 0x80) return undefined;
      if (line[j] !== 0x22) continue;
      const v0 = ++j;
      while (j < line.length && line[j] !== 0x22 && line[j] !== 0x5c && line[j] < 0x80) j++;
      if (j >= line.length) continue;
      if (line[j] !== 0x22) return undefined;
      let p = v0;
      while (p < j && line[p] === 0x2f) p++;
      if (this.requestPaths.has(line.toString("latin1", p, j))) return undefined;
      i = j;
    }
    return timeMs;
  }

  /**
   * Whether a raw line can be a request for a migrated path: a cheap look at its text before any
   * JSON parse (most lines of a busy log are responses or other paths). Sound: a line is parsed
   * whenever its type is not plainly another one, or one of its `"path"` strings is a migrated
   * form, or holds an escape (then only the parser can say).
   */
  private mayMatch(line: string): boolean {
    const head = HEAD.exec(line);
    if (head && head[1] !== "request") return false;
    PATH_FIELD.lastIndex = 0;
    for (let m = PATH_FIELD.exec(line); m; m = PATH_FIELD.exec(line)) {
      if (m[1].includes("\\") || this.requestPaths.has(m[1].replace(/^\/+/, ""))) return true;
    }
    return false;
  }

  private time(t: number): void {
    this.entries++;
    if (this.first === undefined || t < this.first) this.first = t;
    if (this.last !== undefined && t - this.last > this.o.maxGapMs) this.gap(this.last, t);
    if (this.last === undefined || t > this.last) this.last = t;
  }

  private gap(from: number, to: number): void {
    // Only silence inside the window matters.
    if (to <= this.windowStart) return;
    this.gapCount++;
    if (this.gaps.length < MAX_GAPS_LISTED) this.gaps.push({ from: iso(Math.max(from, this.windowStart)), to: iso(to), ms: to - Math.max(from, this.windowStart) });
  }

  private read(r: AuditRead): void {
    const sourcePath = this.byForm.get(r.path);
    if (sourcePath === undefined) return;
    if (this.o.readers.some((m) => matchesReader(r.identity, m))) {
      this.own.set(sourcePath, (this.own.get(sourcePath) ?? 0) + 1);
      return;
    }
    let perPath = this.tallies.get(sourcePath);
    if (!perPath) this.tallies.set(sourcePath, (perPath = new Map()));
    const key = consumerKey(r.identity);
    const c = perPath.get(key);
    if (!c) {
      perPath.set(key, { identity: r.identity, addresses: new Set(r.remoteAddress ? [r.remoteAddress] : []), first: r.timeMs, last: r.timeMs, reads: 1 });
      return;
    }
    c.reads++;
    c.first = Math.min(c.first, r.timeMs);
    c.last = Math.max(c.last, r.timeMs);
    if (r.remoteAddress && c.addresses.size < MAX_ADDRESSES) c.addresses.add(r.remoteAddress);
  }

  result(): CutoverReadiness {
    const o = this.o;
    const gaps = [...this.gaps];
    let gapCount = this.gapCount;
    // The silence from the last entry to now is a gap too: a log that stopped sees no reads.
    if (this.last !== undefined && o.nowMs - this.last > o.maxGapMs) {
      gapCount++;
      if (gaps.length < MAX_GAPS_LISTED) gaps.push({ from: iso(Math.max(this.last, this.windowStart)), to: iso(o.nowMs), ms: o.nowMs - Math.max(this.last, this.windowStart) });
    }
    const lateStart = this.first === undefined || this.first > this.windowStart;
    const problems: string[] = [];
    if (this.first === undefined) problems.push(`the audit log has no entry; the quiet window starts ${iso(this.windowStart)}`);
    else if (lateStart) problems.push(`the audit log starts ${iso(this.first)}, after the quiet window's start ${iso(this.windowStart)}`);
    for (const g of gaps) problems.push(`the audit log has a gap from ${g.from} to ${g.to} (${formatWindow(g.ms)}, more than maxGap ${formatWindow(o.maxGapMs)})`);
    if (gapCount > gaps.length) problems.push(`… and ${gapCount - gaps.length} more gap(s)`);
    const coverage: Coverage = {
      whole: problems.length === 0,
      windowStart: iso(this.windowStart),
      windowEnd: iso(o.nowMs),
      ...(this.first !== undefined ? { firstEntry: iso(this.first) } : {}),
      ...(this.last !== undefined ? { lastEntry: iso(this.last) } : {}),
      lateStart,
      gaps,
      gapCount,
      problems,
    };
    const paths = [...new Set(o.paths.map((p) => p.sourcePath))].sort().map((sourcePath): PathReadiness => {
      const consumers = [...(this.tallies.get(sourcePath)?.values() ?? [])]
        .sort((a, b) => b.last - a.last)
        .map((c): Consumer => ({ ...c.identity, remoteAddresses: [...c.addresses].sort(), firstRead: iso(c.first), lastRead: iso(c.last), reads: c.reads }));
      const quiet = !consumers.some((c) => Date.parse(c.lastRead) >= this.windowStart);
      return { sourcePath, quiet, consumers, ownReads: this.own.get(sourcePath) ?? 0 };
    });
    return { quietWindowMs: o.quietWindowMs, maxGapMs: o.maxGapMs, coverage, entries: this.entries, malformedLines: this.malformed, files: [...this.files], paths };
  }
}

/** A consumer in one line: `approle billing (entity 1a2b…, policies default,p1, from 10.0.0.5) last read …, 12 read(s)`. */
export function describeConsumer(c: Consumer): string {
  const who = [c.displayName ?? "unknown", ...(c.roleName ? [`role ${c.roleName}`] : [])].join(" ");
  const bits = [...(c.entityId ? [`entity ${c.entityId}`] : []), ...(c.policies?.length ? [`policies ${c.policies.join(",")}`] : []), ...(c.remoteAddresses.length ? [`from ${c.remoteAddresses.join(",")}`] : [])];
  return `${who}${bits.length ? ` (${bits.join(", ")})` : ""} last read ${c.lastRead}, ${c.reads} read(s)`;
}
