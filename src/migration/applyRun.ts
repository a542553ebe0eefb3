// Applies the pending changes of a plan: read each source value, write it with its markers, read it
// back and compare fingerprints. Bounded concurrency; one secret failing never stops the others.
import {
  buildReport,
  formatProgress,
  mapConcurrent,
  Progress,
  reportItem,
  secretStrings,
  type ExclusionGroup,
  type FingerprintKey,
  type MigrationReport,
  type PlanItem,
  type ReportItem,
} from "../engine";
import type { MigrationDestination } from "./destination";
import { valueProblems } from "./planRun";
import type { MigrationSource } from "./source";
import { destinationWrite, readPlanned, type WriteContext } from "./writes";

export interface ApplyOptions {
  items: readonly PlanItem[];
  source: MigrationSource;
  destination: MigrationDestination;
  fingerprintKey: FingerprintKey;
  mappingHash: string;
  migrationId: string;
  concurrency: number;
  /** Called with a progress line (done/total, rate, ETA) at most every `progressEveryMs`. */
  onProgress?: (line: string) => void;
  progressEveryMs?: number;
  inSync?: number;
  /** Warnings known before the run; each write's warnings are added (and passed to `onWarning`). */
  warnings?: string[];
  onWarning?: (warnings: readonly string[]) => void;
  /** Skipped and orphaned secrets: reported with their reason, nothing done. */
  notices?: readonly PlanItem[];
  /** What the mapping excluded, by rule: reported, nothing done. */
  exclusions?: readonly ExclusionGroup[];
  /** Time budget from the start of the run: items not started by then are reported `pending`. */
  maxDurationMs?: number;
  /** The clock of the budget (tests). Default `Date.now`. */
  now?: () => number;
}

/** The error of a run refused by its value checks: the problems name paths and sizes, never a value. */
function refusedBeforeWrites(problems: readonly string[]): Error {
  return new Error(`nothing was written; ${problems.length} problem(s) found before the first write:\n  - ${problems.join("\n  - ")}`);
}

type Outcome = { result: ReportItem["result"]; warnings?: readonly string[] } | { error: unknown; secrets: string[] };

async function applyOne(item: PlanItem, o: ApplyOptions, ctx: WriteContext): Promise<Outcome> {
  if (item.action === "delete") {
    await o.destination.remove(item.destinationName);
    return { result: "deleted" };
  }
  const v = await readPlanned(o.source, item);
  if (!v) return { error: new Error(`source ${item.sourcePath}${item.sourceVersion ? ` v${item.sourceVersion}` : ""} is gone since planning; the next run re-plans it`), secrets: [] };
  const secrets = secretStrings(v.data);
  const write = { ...destinationWrite(item.destinationName, v, ctx, item.sourceSettings), ...(item.action === "create" ? { expectAbsent: true } : {}) };
  try {
    const problem = o.destination.validate(write);
    if (problem) return { error: new Error(problem), secrets };
    const { warnings, verified } = await o.destination.write(write);
    // Verification: what is stored now must be what we meant to store (read back unless the
    // write's answers proved it: one request per secret less).
    if (!verified && (await o.destination.storedFingerprint(item.destinationName)) !== o.destination.expectedFingerprint(write)) {
      return { error: new Error(`verification failed: ${item.destinationName} does not hold the value just written (changed concurrently?)`), secrets };
    }
    return { result: item.action === "create" ? "created" : "updated", warnings };
  } catch (e) {
    return { error: e, secrets };
  }
}

/**
 * Runs every create/update/delete item and returns the report (no values in it). First, before any
 * write, it runs the preview's value checks on every create/update (`valueProblems`): a run with
 * one value the destination would refuse or alter throws, naming each problem, with nothing
 * written, so `pulumi up --skip-preview` refuses exactly what a preview refuses.
 */
export async function applyRun(o: ApplyOptions): Promise<MigrationReport> {
  const now = o.now ?? Date.now;
  const startedAt = new Date(now());
  const deadline = o.maxDurationMs !== undefined ? startedAt.getTime() + o.maxDurationMs : undefined;
  const pending = o.items.filter((i) => i.action === "create" || i.action === "update" || i.action === "delete");
  const ctx: WriteContext = { fingerprintKey: o.fingerprintKey, mappingHash: o.mappingHash, migrationId: o.migrationId };
  const problems = await valueProblems(o.source, o.destination, pending, ctx, o.concurrency);
  if (problems.length) throw refusedBeforeWrites(problems);
  const progress = new Progress({ total: pending.length, now: () => Date.now() });
  const every = o.progressEveryMs ?? 5_000;
  let lastPrint = Date.now();
  const items: ReportItem[] = [];
  const warnings = [...(o.warnings ?? [])];
  // Past the budget nothing more starts: an item either ran whole or was not touched, so a stop
  // here loses nothing and the next run's plan still lists what is left.
  const run = (item: PlanItem): Promise<Outcome> => (deadline !== undefined && now() >= deadline ? Promise.resolve({ result: "pending" }) : applyOne(item, o, ctx));
  for await (const r of mapConcurrent(pending, o.concurrency, run)) {
    const outcome: Outcome = r.ok ? r.value : { error: r.error, secrets: [] };
    const failed = "error" in outcome;
    if (!failed && outcome.warnings?.length) {
      warnings.push(...outcome.warnings);
      o.onWarning?.(outcome.warnings);
    }
    items.push(failed ? reportItem(r.item, { error: outcome.error, secrets: outcome.secrets }) : reportItem(r.item, { result: outcome.result }));
    progress.advance(1, { failed });
    if (o.onProgress && Date.now() - lastPrint >= every) {
      lastPrint = Date.now();
      o.onProgress(formatProgress(progress.snapshot(), "copying"));
    }
  }
  for (const n of o.notices ?? []) items.push(reportItem(n));
  return buildReport({ startedAt, finishedAt: new Date(now()), items, inSync: o.inSync, warnings, exclusions: o.exclusions });
}
