// Cutover readiness of one planned migration: the audit logs read against the paths the plan
// copies or finds in sync, the migration's own reader left out, and what may be retired.
import { CutoverAnalyzer, cutoverJson, cutoverMarkdown, withRetiredJson, withRetiredMarkdown, type RetiredPath, cutoverSummary, decideRetirement, encodePlanKey, type CutoverReadiness, type CutoverSummary, type MigratedPath, type Plan, type ReaderMatch, type RetireDecision } from "../../engine";
import type { TokenIdentity } from "../../clients/vault/tokenIdentity";
import { readAuditLogs } from "./auditLog";
import type { CutoverSettings } from "./settings";

export interface CutoverResult {
  readiness: CutoverReadiness;
  decisions: RetireDecision[];
  summary: CutoverSummary;
  /** `sourcePath → destinationName` → reason, for each path to retire (the retirement resource's input). */
  retire: Record<string, string>;
  /** The same for each path held back: why, and which consumers hold it. */
  held: Record<string, string>;
}

/** How to recognise the plan connection's reads: by role and entity when it has them. */
export function readerMatchOf(id: TokenIdentity): ReaderMatch | undefined {
  if (id.roleName) return { roleName: id.roleName, ...(id.entityId ? { entityId: id.entityId } : {}) };
  if (id.entityId) return { entityId: id.entityId };
  return undefined;
}

/** What the plan migrates: copies in sync, and creates and updates this run makes. */
export function migratedPaths(plan: Plan, kvVersion: 1 | 2): { paths: MigratedPath[]; names: Map<string, string> } {
  const names = new Map<string, string>();
  const paths: MigratedPath[] = [];
  const add = (sourcePath: string, mount: string | undefined, name: string): void => {
    if (names.has(sourcePath)) return;
    names.set(sourcePath, name);
    paths.push({ sourcePath, mount: mount ?? sourcePath.split("/")[0], kvVersion });
  };
  for (const c of plan.inSyncCopies ?? []) add(c.sourcePath, c.mount, c.destinationName);
  for (const i of plan.items) if (i.action === "create" || i.action === "update") add(i.sourcePath, i.mount, i.destinationName);
  return { paths, names };
}

export async function cutoverRun(o: { settings: CutoverSettings; plan: Plan; kvVersion: 1 | 2; namespace?: string; readers: readonly ReaderMatch[]; nowMs: number }): Promise<CutoverResult> {
  const { paths, names } = migratedPaths(o.plan, o.kvVersion);
  const analyzer = new CutoverAnalyzer({ namespace: o.namespace, paths, readers: [...o.settings.readers, ...o.readers], quietWindowMs: o.settings.quietWindowMs, maxGapMs: o.settings.maxGapMs, nowMs: o.nowMs });
  await readAuditLogs(o.settings.auditLogs, analyzer);
  const readiness = analyzer.result();
  const decisions = decideRetirement(readiness, paths, { enabled: o.settings.retireSource, permanent: o.settings.permanent });
  const retire: Record<string, string> = {};
  const held: Record<string, string> = {};
  for (const d of decisions) {
    const k = encodePlanKey({ sourcePath: d.sourcePath, destinationName: names.get(d.sourcePath) ?? "" });
    if (d.action === "retire") retire[k] = `retire v${d.kvVersion}: ${d.brief}`;
    else held[k] = `hold: ${d.brief}`;
  }
  return { readiness, decisions, summary: cutoverSummary(readiness, decisions), retire, held };
}

/** Writes `<base>.json` and `<base>.md`. */
export function writeCutoverFiles(base: string | undefined, migrationId: string, r: CutoverResult, generatedAt: string): void {
  if (!base) return;
  const fs = require("node:fs") as typeof import("node:fs");
  const p = require("node:path") as typeof import("node:path");
  fs.mkdirSync(p.dirname(p.resolve(base)), { recursive: true });
  fs.writeFileSync(`${base}.json`, cutoverJson(migrationId, r.readiness, r.decisions, generatedAt));
  fs.writeFileSync(`${base}.md`, cutoverMarkdown(migrationId, r.readiness, r.decisions, generatedAt));
}

/**
 * Adds what the retirement run did to the readiness files the same `up` wrote (`<base>.json`,
 * `<base>.md`): the retirement runs in the provider, after the copy, once the files exist. A
 * missing file is left missing (no report was asked for, or it was removed).
 */
export function recordRetirement(base: string | undefined, retired: readonly RetiredPath[], at: string): void {
  if (!base) return;
  const fs = require("node:fs") as typeof import("node:fs");
  const update = (file: string, change: (text: string) => string): void => {
    if (fs.existsSync(file)) fs.writeFileSync(file, change(fs.readFileSync(file, "utf8")));
  };
  update(`${base}.json`, (t) => withRetiredJson(t, retired, at));
  update(`${base}.md`, (t) => withRetiredMarkdown(t, retired, at));
}
