// Which migrated sources may be retired (deleted in Vault) and which are held back, and why; and
// the readiness report as JSON and Markdown. Pure: paths, identities and times only, no value.
import { describeConsumer, formatWindow, type Consumer, type CutoverReadiness, type MigratedPath } from "./readiness";

export interface RetireOptions {
  /** `retireSource`: off unless true. */
  readonly enabled: boolean;
  /** KV v1 deletes are final: only with `permanent: true`. */
  readonly permanent: boolean;
}

export interface RetireDecision {
  readonly sourcePath: string;
  readonly kvVersion: 1 | 2;
  readonly action: "retire" | "hold";
  /** One line, paths/identities/times only (the log and the report). */
  readonly reason: string;
  /** The same, short enough for a diff line (the engine's display cuts long values). */
  readonly brief: string;
  readonly consumers: readonly Consumer[];
}

/** Decides per migrated path. Nothing is retired unless enabled and the log covers the whole window. */
export function decideRetirement(r: CutoverReadiness, paths: readonly MigratedPath[], o: RetireOptions): RetireDecision[] {
  if (!o.enabled) return [];
  const version = new Map(paths.map((p) => [p.sourcePath, p.kvVersion]));
  return r.paths.map((p): RetireDecision => {
    const kvVersion = version.get(p.sourcePath) ?? 2;
    const hold = (reason: string, brief: string): RetireDecision => ({ sourcePath: p.sourcePath, kvVersion, action: "hold", reason, brief, consumers: p.consumers });
    if (!r.coverage.whole) return hold(`audit log does not cover the quiet window: ${r.coverage.problems[0]}`, r.coverage.problems[0]);
    if (!p.quiet) {
      const recent = p.consumers.filter((c) => Date.parse(c.lastRead) >= Date.parse(r.coverage.windowStart));
      const names = recent.slice(0, 3).map(shortConsumer).join(", ") + (recent.length > 3 ? ` +${recent.length - 3} more` : "");
      return hold(`read within the quiet window (${formatWindow(r.quietWindowMs)}) by ${recent.map(describeConsumer).join("; ")}`, `read in the last ${formatWindow(r.quietWindowMs)} by ${names}`);
    }
    if (kvVersion === 1 && !o.permanent) return hold("KV v1 has no soft delete: retiring deletes it for good, set permanent: true to allow it", "KV v1 delete is final: needs permanent: true");
    const how = kvVersion === 2 ? "KV v2 soft delete of the current version, undelete restores it" : "KV v1 delete, permanent";
    const reason = `no read since ${r.coverage.windowStart} (${how})`;
    return { sourcePath: p.sourcePath, kvVersion, action: "retire", reason, brief: reason, consumers: [] };
  });
}

/** A consumer in a few words: its role (or display name) and the start of its entity id. */
export function shortConsumer(c: Consumer): string {
  return `${c.roleName ?? c.displayName ?? "unknown"}${c.entityId ? ` [entity ${c.entityId.slice(0, 8)}]` : ""}`;
}

/** The log lines of a plan: `retire <path>: …` and `hold <path>: …`. */
export function retireLines(decisions: readonly RetireDecision[]): string[] {
  return decisions.map((d) => `${d.action} ${d.sourcePath}: ${d.reason}`);
}

/** Counts for the stack output. */
export interface CutoverSummary {
  paths: number;
  quiet: number;
  read: number;
  consumers: number;
  coverageWhole: boolean;
  coverageProblems: number;
  malformedLines: number;
  toRetire: number;
  held: number;
}

export function cutoverSummary(r: CutoverReadiness, decisions: readonly RetireDecision[]): CutoverSummary {
  const consumers = new Set(r.paths.flatMap((p) => p.consumers.map((c) => c.entityId ?? c.accessor ?? `${c.displayName}\t${c.roleName ?? ""}`)));
  return {
    paths: r.paths.length,
    quiet: r.paths.filter((p) => p.quiet).length,
    read: r.paths.filter((p) => !p.quiet).length,
    consumers: consumers.size,
    coverageWhole: r.coverage.whole,
    coverageProblems: r.coverage.problems.length,
    malformedLines: r.malformedLines,
    toRetire: decisions.filter((d) => d.action === "retire").length,
    held: decisions.filter((d) => d.action === "hold").length,
  };
}

/** The JSON report: each decision, a path held back with the consumers that hold it. */
export function cutoverJson(migrationId: string, r: CutoverReadiness, decisions: readonly RetireDecision[], generatedAt: string): string {
  return `${JSON.stringify({ migrationId, generatedAt, summary: cutoverSummary(r, decisions), ...r, retirement: decisions.map(({ consumers, ...d }) => (d.action === "hold" ? { ...d, consumers } : d)) }, null, 2)}\n`;
}

/** What the retirement run did to one path (after the copy, re-verified). */
export interface RetiredPath {
  readonly sourcePath: string;
  readonly destinationName: string;
  readonly result: string;
}

const RETIRED_HEADING = "## Retired by the run";

/**
 * The readiness report files after the retirement ran: the JSON gains `retired` (when, and each
 * path's result), the Markdown a section; a previous section of either is replaced.
 */
export function withRetiredJson(json: string, retired: readonly RetiredPath[], at: string): string {
  return `${JSON.stringify({ ...(JSON.parse(json) as Record<string, unknown>), retired: { at, paths: retired } }, null, 2)}\n`;
}

export function withRetiredMarkdown(md: string, retired: readonly RetiredPath[], at: string): string {
  const i = md.indexOf(`\n${RETIRED_HEADING}`);
  const head = (i >= 0 ? md.slice(0, i) : md).replace(/\n+$/, "");
  const rows = retired.map((x) => `| ${cell(x.sourcePath)} | ${cell(x.destinationName)} | ${cell(x.result)} |`);
  return `${[head, "", `${RETIRED_HEADING} (${at})`, "", ...(rows.length ? ["| source path | copy | result |", "|---|---|---|", ...rows] : ["Nothing to retire."])].join("\n")}\n`;
}

const cell = (s: string): string => s.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/[\r\n]+/g, " ");

/** The Markdown report. */
export function cutoverMarkdown(migrationId: string, r: CutoverReadiness, decisions: readonly RetireDecision[], generatedAt: string): string {
  const s = cutoverSummary(r, decisions);
  const c = r.coverage;
  const out = [
    `# Cutover readiness: ${cell(migrationId)}`,
    "",
    `Generated ${generatedAt}. Quiet window ${formatWindow(r.quietWindowMs)} (from ${c.windowStart}), max gap ${formatWindow(r.maxGapMs)}.`,
    "",
    `- paths: ${s.paths} (${s.quiet} quiet, ${s.read} still read), consumers: ${s.consumers}`,
    `- audit log: ${r.entries} entries${r.malformedLines ? `, ${r.malformedLines} malformed line(s) skipped` : ""}, ${c.firstEntry ?? "none"} → ${c.lastEntry ?? "none"}, ${r.files.length} file(s)`,
    `- coverage: ${c.whole ? "whole" : "NOT whole"}`,
    ...c.problems.map((p) => `  - ${cell(p)}`),
    ...(decisions.length ? [`- retirement: ${s.toRetire} to retire, ${s.held} held back`] : []),
    "",
    "| source path | quiet | consumer | entity | policies | role / accessor | remote address | first read | last read | reads |",
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const p of r.paths) {
    if (!p.consumers.length) out.push(`| ${cell(p.sourcePath)} | ${p.quiet ? "yes" : "no"} | — | | | | | | | |`);
    for (const k of p.consumers) {
      out.push(`| ${cell(p.sourcePath)} | ${p.quiet ? "yes" : "no"} | ${cell(k.displayName ?? "")} | ${cell(k.entityId ?? "")} | ${cell((k.policies ?? []).join(", "))} | ${cell(k.roleName ?? k.accessor ?? "")} | ${cell(k.remoteAddresses.join(", "))} | ${k.firstRead} | ${k.lastRead} | ${k.reads} |`);
    }
  }
  if (decisions.length) {
    out.push("", "## Retirement", "", "| source path | action | reason | held by |", "|---|---|---|---|");
    for (const d of decisions) out.push(`| ${cell(d.sourcePath)} | ${d.action} | ${cell(d.reason)} | ${cell(d.consumers.filter((k) => Date.parse(k.lastRead) >= Date.parse(c.windowStart)).map(shortConsumer).join(", "))} |`);
  }
  return `${out.join("\n")}\n`;
}
