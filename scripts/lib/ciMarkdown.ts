// Pure pieces of `scripts/ci.ts`: reading the migration's plan entries (through the plan-line codec
// of src/engine/planlines.ts, the only parser of them) and error messages, and the
// Markdown a pipeline posts as a pull-request comment or job summary. No I/O, no engine: unit
// tested in test/unit/ciMarkdown.test.ts. Nothing here ever sees a secret value: the plan lines,
// pending map and drift map hold paths, destination names and reasons only.

import { decodePlanKey, decodePlanLine, decodePlanValue, encodePlanReason, encodePlanText, isPlanLineError } from "../../src/engine/planlines";
import type { PlanReason } from "../../src/engine/types";

export type CiMode = "preview" | "up" | "drift";

/** Exit codes a pipeline can branch on. */
export const EXIT = { clean: 0, error: 1, changes: 2 } as const;

export type SecretAction = "refuse" | "create" | "update" | "delete" | "drift" | "skip" | "orphan";

/** One secret in the plan (or refused, or drifted): where from, where to, why. */
export interface SecretRow {
  /** Migration (component / resource) name; empty when unknown. */
  migration: string;
  action: SecretAction;
  sourcePath: string;
  destinationName: string;
  reason: string;
  detail?: string;
  /** KV v2 version the plan pinned. */
  sourceVersion?: number;
  /** The entry did not decode: `sourcePath` is its raw key, `reason` its raw text. */
  unreadable?: boolean;
}

/** A resource step other than a migration's secrets (reader, policies, the migration resource itself…). */
export interface ResourceStep {
  op: string;
  type: string;
  name: string;
}

export interface MigrationSummaryOut {
  created: number;
  updated: number;
  deleted: number;
  failed: number;
  inSync: number;
  skipped?: number;
  orphaned?: number;
  excluded?: number;
  /** When a run last wrote something. */
  lastWriteAt?: string;
}

export interface CiReport {
  mode: CiMode;
  stack: string;
  /** True when the engine operation itself failed (refusal, bad config, unreachable server…). */
  failed: boolean;
  /** Error lines to show (refusal lists, messages), already trimmed of stack traces. */
  errors: string[];
  /** Refused secrets, parsed out of the error messages. */
  refusals: SecretRow[];
  /** Pending secrets (create/update/delete), drifted copies, skipped and orphaned ones. */
  secrets: SecretRow[];
  /** Resource steps that change something (not `same`, not `refresh`). */
  steps: ResourceStep[];
  /** The engine's summary counts (`{ create: 1, same: 4 }`), when it got that far. */
  resourceChanges?: Record<string, number>;
  /** `up`: the stack output `migrationSummaries`. */
  summaries?: Record<string, MigrationSummaryOut>;
  /** `up`: report files the stack configured (`<path>.md`). */
  reports?: string[];
  /** Per migration, the `plan:` line the component logged (counts incl. in sync). */
  planLines?: Record<string, string>;
}

/** The row of one plan entry (`pending`, `notices` or `drift` map), decoded by the plan-line codec. */
export function parsePendingEntry(migration: string, key: string, value: string, as?: SecretAction): SecretRow | undefined {
  try {
    const { sourcePath, destinationName } = decodePlanKey(key);
    const v = decodePlanValue(value);
    return { migration, action: as ?? v.action, sourcePath, destinationName, reason: v.reason, ...(v.detail !== undefined ? { detail: v.detail } : {}), ...(v.sourceVersion !== undefined ? { sourceVersion: v.sourceVersion } : {}) };
  } catch (e) {
    if (isPlanLineError(e)) return undefined;
    throw e;
  }
}

/**
 * Rows from a `pending`, `notices` or `drift` map. An entry the codec cannot read (a plan from
 * another version of this project) becomes a row with its raw key and text, so nothing is hidden.
 */
export function rowsFromPending(migration: string, pending: unknown, as?: SecretAction): SecretRow[] {
  if (!pending || typeof pending !== "object" || Array.isArray(pending)) return [];
  const out: SecretRow[] = [];
  for (const [k, v] of Object.entries(pending as Record<string, unknown>)) {
    const row = parsePendingEntry(migration, k, String(v), as);
    out.push(row ?? { migration, action: as ?? "update", sourcePath: k, destinationName: "", reason: String(v), unreadable: true });
  }
  return out;
}

/** A refusal line of a migration component's error (`  - <plan line>` with action `refuse`). */
export function refusalLine(migration: string, line: string): SecretRow | undefined {
  const m = /^\s*- (.*)$/.exec(line);
  if (!m) return undefined;
  try {
    const i = decodePlanLine(m[1]);
    if (i.action !== "refuse") return undefined;
    return { migration, action: "refuse", sourcePath: i.sourcePath, destinationName: i.destinationName, reason: i.reason, ...(i.detail !== undefined ? { detail: i.detail } : {}) };
  } catch (e) {
    if (isPlanLineError(e)) return undefined;
    throw e;
  }
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*[A-Za-z]|<\{%[a-z]*%\}>/g;

/**
 * The useful lines of an engine error message: ANSI colours and stack frames dropped, blank and
 * duplicate lines removed. Refusal lists (`  - <plan line>`) are kept as they are.
 */
export function errorLines(message: string): string[] {
  const out: string[] = [];
  for (const raw of message.replace(ANSI, "").split(/\r?\n/)) {
    const line = raw.replace(/\s+$/, "");
    if (!line.trim()) continue;
    if (/^\s+at\s/.test(line) || /^\s*at\s.+\(.+:\d+:\d+\)$/.test(line)) continue; // stack frames
    if (/^\s*(\{|\}|code:|promise:|- \[pulumi\])/.test(line)) continue;
    if (out.includes(line)) continue;
    out.push(line);
  }
  return out;
}

/**
 * Refused secrets in an error message of a migration component:
 * `KeyVaultMigration <name>: nothing was written; N problem(s):` then `  - <plan line>` per refused
 * secret (`<path> → <dest>: refuse: <reason> (<detail>)`); the other problem lines are no rows.
 */
export function refusalsFromError(message: string): SecretRow[] {
  const out: SecretRow[] = [];
  let migration = "";
  for (const raw of message.replace(ANSI, "").split(/\r?\n/)) {
    const head = /(?:^|\s)(?:\w*Migration) ([^\s:]+): nothing was written/.exec(raw);
    if (head) {
      migration = head[1];
      continue;
    }
    const row = migration ? refusalLine(migration, raw) : undefined;
    if (row) out.push(row);
  }
  return dedupe(out);
}

function dedupe(rows: SecretRow[]): SecretRow[] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    const k = `${r.migration}\t${r.action}\t${r.sourcePath}\t${r.destinationName}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Text safe in a Markdown table cell: pipes escaped, newlines folded, backticks neutralised. */
export function escapeCell(s: string | undefined): string {
  return String(s ?? "")
    .replace(/\\/g, "\\\\")
    .replace(/\|/g, "\\|")
    .replace(/\r?\n/g, " ")
    .replace(/`/g, "'")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
}

const PENDING: ReadonlySet<SecretAction> = new Set(["create", "update", "delete", "drift"]);
/** Steps that are no change. */
const QUIET_OPS = new Set(["same", "refresh", "read", "discard"]);

/** The exit code for a report: 1 failed/refused, 2 something to do (preview/drift), else 0. */
export function exitCode(r: CiReport): number {
  if (r.failed || r.refusals.length > 0) return EXIT.error;
  if (r.mode === "up") return EXIT.clean;
  const changes = r.secrets.some((s) => PENDING.has(s.action)) || r.steps.some((s) => !QUIET_OPS.has(s.op));
  return changes ? EXIT.changes : EXIT.clean;
}

/** Counts per secret action plus resource steps by op. */
export function counts(r: CiReport): { secrets: Record<SecretAction, number>; steps: Record<string, number> } {
  const secrets = { refuse: r.refusals.length, create: 0, update: 0, delete: 0, drift: 0, skip: 0, orphan: 0 } as Record<SecretAction, number>;
  for (const s of r.secrets) if (s.action !== "refuse") secrets[s.action]++;
  const steps: Record<string, number> = {};
  for (const s of r.steps) if (!QUIET_OPS.has(s.op)) steps[s.op] = (steps[s.op] ?? 0) + 1;
  return { secrets, steps };
}

/** How many copies of migration `m` the refresh found changed by hand. */
const drifted = (r: CiReport, m: string): number => dedupe(r.secrets).filter((x) => x.migration === m && x.action === "drift").length;

/**
 * A migration's plan line counts "in sync" by markers, before the refresh re-verified the values:
 * a copy edited by hand with its markers kept is in that count. Moved to its own count here.
 */
function withDrift(line: string, n: number): string {
  if (!n) return line;
  return line.replace(/(\d+) in sync/, (_, k: string) => `${Math.max(0, Number(k) - n)} in sync, ${n} drifted`);
}

const ORDER: SecretAction[] = ["refuse", "drift", "create", "update", "delete", "skip", "orphan"];
const TITLE: Record<CiMode, string> = { preview: "Migration preview", up: "Migration run", drift: "Migration drift check" };

function statusLine(r: CiReport, code: number): string {
  if (code === EXIT.error) return r.refusals.length ? "**Refused**: nothing was written." : r.mode === "up" ? "**Failed**: see the errors below." : "**Error**: the preview failed.";
  if (r.mode === "up") return "**Succeeded.**";
  if (code === EXIT.changes) return r.mode === "drift" ? "**Drift or pending changes found.**" : "**Changes pending.**";
  return r.mode === "drift" ? "**No drift**: every copy matches its source." : "**No changes**: everything is in sync.";
}

/**
 * A code-span cell holding `text` exactly: pipes escaped (GitHub reads `\\|` as `|` even in code),
 * a fence longer than any run of backticks inside, padded when the text starts or ends with a
 * backtick or a space. {@link readCodeCell} is its inverse.
 */
export function codeCell(text: string): string {
  const t = text.replace(/\|/g, "\\|");
  const fence = "`".repeat(Math.max(0, ...(t.match(/`+/g) ?? []).map((r) => r.length)) + 1);
  // CommonMark strips one space from each end of a code span that starts and ends with one (unless
  // it is all spaces): padding both ends keeps the text's own.
  const pad = t.trim() !== "" && /^[` ]|[` ]$/.test(t) ? " " : "";
  return `${fence}${pad}${t}${pad}${fence}`;
}

/** The text of a {@link codeCell} (as a Markdown renderer reads it). */
export function readCodeCell(cell: string): string {
  const m = /^(`+)([\s\S]*?)\1$/.exec(cell);
  if (!m) throw new Error(`not a code cell: ${JSON.stringify(cell)}`);
  const inner = /^ [\s\S]* $/.test(m[2]) && m[2].trim() ? m[2].slice(1, -1) : m[2];
  return inner.replace(/\\\|/g, "|");
}

// Markdown punctuation that could format text or break the table; backslash-escaped, so reversible.
const MARKDOWN_SPECIAL = /[\\`*_[\]<>|&~$]/g;

/** Plain text in a cell, rendered exactly: Markdown punctuation backslash-escaped. Newline-free input. */
export function textCell(text: string): string {
  return text.replace(MARKDOWN_SPECIAL, "\\$&");
}

/** The text of a {@link textCell}. */
export function readTextCell(cell: string): string {
  return cell.replace(/\\([\\`*_[\]<>|&~$])/g, "$1");
}

/** The reason column: the plan-line codec's `reason (detail)`, or the raw text of an unreadable entry. */
function reasonText(s: SecretRow): string {
  if (s.unreadable) return s.reason.replace(/\r?\n/g, " ");
  return encodePlanReason(s.reason as PlanReason, s.detail);
}

function row(s: SecretRow): string {
  const version = s.sourceVersion !== undefined ? ` v${s.sourceVersion}` : "";
  // Paths and names as the codec writes them (a newline or an arrow in a path shown escaped).
  const [src, dest] = s.unreadable ? [s.sourcePath.replace(/\r?\n/g, " "), s.destinationName] : [encodePlanText(s.sourcePath, "path"), encodePlanText(s.destinationName, "name")];
  return `| ${s.action}${version} | ${escapeCell(s.migration)} | ${codeCell(src)} | ${codeCell(dest)} | ${textCell(reasonText(s))} |`;
}

/**
 * What to do about an error that has a known way out. A deploy that was killed (a cancelled CI job)
 * leaves the stack locked and its interrupted operation pending; the migration re-plans against the
 * destination's markers, so after clearing both the next run converges.
 */
export function recoveryHint(r: CiReport): string | undefined {
  if (!r.errors.some((l) => /stack is currently locked/.test(l))) return undefined;
  const s = r.stack.replace(/[^A-Za-z0-9._/-]/g, "");
  return [
    "**The stack is locked by an earlier run.** If no other deploy of this stack is running (it was cancelled or killed), clear the lock and the interrupted operation, then run again:",
    "",
    "```sh",
    `pulumi cancel --yes --stack ${s}`,
    `pulumi refresh --clear-pending-creates --yes --stack ${s}`,
    "```",
  ].join("\n");
}

/** The Markdown: title, status, refusals and errors first, counts, then the secrets table and other resource changes. */
export function buildMarkdown(r: CiReport): string {
  const code = exitCode(r);
  const c = counts(r);
  const out: string[] = [];
  out.push(`## ${TITLE[r.mode]}: stack \`${escapeCell(r.stack)}\``, "");
  out.push(`${statusLine(r, code)} Exit code ${code}.`, "");

  if (r.refusals.length) {
    out.push(`### Refused (${r.refusals.length})`, "", "| action | migration | source path | destination | reason |", "|---|---|---|---|---|");
    for (const s of r.refusals) out.push(row(s));
    out.push("");
  }
  if (r.errors.length) {
    out.push("### Errors", "", "```text");
    // A fence inside the block would end it early.
    for (const l of r.errors) out.push(l.replace(/```/g, "'''"));
    out.push("```", "");
    const hint = recoveryHint(r);
    if (hint) out.push(hint, "");
  }

  const s = c.secrets;
  const parts = [
    `${s.create} to create`,
    `${s.update} to update`,
    `${s.delete} to delete`,
    ...(r.mode === "drift" || s.drift ? [`${s.drift} drifted`] : []),
    `${s.skip} skipped`,
    `${s.orphan} orphaned`,
    ...(s.refuse ? [`${s.refuse} refused`] : []),
  ];
  if (r.mode !== "up") out.push(`**Secrets:** ${parts.join(", ")}`, "");
  const stepParts = Object.entries(c.steps).sort(([a], [b]) => a.localeCompare(b)).map(([op, n]) => `${n} ${op}`);
  const same = r.resourceChanges?.same;
  out.push(`**Resources:** ${stepParts.length ? stepParts.join(", ") : "no changes"}${same !== undefined ? ` (${same} unchanged)` : ""}`, "");

  if (r.planLines && Object.keys(r.planLines).length) {
    for (const [m, l] of Object.entries(r.planLines).sort(([a], [b]) => a.localeCompare(b))) out.push(`- \`${escapeCell(m)}\`: ${escapeCell(withDrift(l, drifted(r, m)))}`);
    out.push("");
  }

  if (r.summaries && Object.keys(r.summaries).length) {
    // Each migration's run in this update (one with nothing to write shows zeros and what is in sync).
    out.push("### Migrations", "", "| migration | created | updated | deleted | failed | in sync | skipped | excluded | last write |", "|---|---:|---:|---:|---:|---:|---:|---:|---|");
    for (const [m, v] of Object.entries(r.summaries).sort(([a], [b]) => a.localeCompare(b))) {
      out.push(`| ${escapeCell(m)} | ${num(v?.created)} | ${num(v?.updated)} | ${num(v?.deleted)} | ${num(v?.failed)} | ${num(v?.inSync)} | ${num(v?.skipped)} | ${num(v?.excluded)} | ${escapeCell(v?.lastWriteAt ?? "")} |`);
    }
    out.push("");
  }

  const secrets = dedupe(r.secrets).sort((a, b) => ORDER.indexOf(a.action) - ORDER.indexOf(b.action) || a.migration.localeCompare(b.migration) || a.sourcePath.localeCompare(b.sourcePath));
  if (secrets.length) {
    out.push("### Secrets", "", "| action | migration | source path | destination | reason |", "|---|---|---|---|---|");
    for (const x of secrets) out.push(row(x));
    out.push("");
  }

  const steps = r.steps.filter((x) => !QUIET_OPS.has(x.op));
  if (steps.length) {
    out.push("### Resource changes", "", "| op | type | name |", "|---|---|---|");
    for (const x of steps) out.push(`| ${escapeCell(x.op)} | \`${escapeCell(x.type)}\` | ${escapeCell(x.name)} |`);
    out.push("");
  }

  if (r.reports?.length) {
    out.push("### Reports", "");
    for (const p of r.reports) out.push(`- \`${escapeCell(p)}\``);
    out.push("");
  }
  out.push("<sub>No secret value is ever part of this report: paths, names and reasons only.</sub>", "");
  return out.join("\n");
}

function num(n: unknown): string {
  return typeof n === "number" ? String(n) : "–";
}
