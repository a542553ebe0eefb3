// Plans one migration run: source inventory + destination listing → pending changes with reasons.
// Runs in the Pulumi program during preview and up, so `pulumi preview --diff` shows each secret.
import {
  createMapper,
  ExclusionTally,
  tallyingMapper,
  mapConcurrent,
  planMigration,
  sourceMetadataHash,
  type FingerprintKey,
  type Mapper,
  type Plan,
  type PlanItem,
} from "../engine";
import type { MigrationDestination } from "./destination";
import { settingsMappingHash, type MigrationSettings } from "./settings";
import type { MigrationSource } from "./source";
import { destinationWrite, readPlanned, type WriteContext } from "./writes";

export interface RunPlan {
  plan: Plan;
  mappingHash: string;
  /** Problems that must stop the run before any write (oversize values, …), each naming the path. */
  problems: string[];
  /**
   * Every secret the run refuses, in plan order: the planner's refusals, and (with `checkValues`)
   * the creates and updates whose value the destination would refuse, as `refuse` items whose
   * detail is the destination's message. Empty when the run may proceed.
   */
  refusals: PlanItem[];
  /** The destination's notices about values it accepts (with `checkValues`), each naming the path; never a value. */
  valueNotices: string[];
}

export function mapperFor(destination: MigrationDestination, s: MigrationSettings): Mapper {
  return createMapper({ naming: destination.naming, rules: s.rules, include: s.include, exclude: s.exclude });
}

/**
 * Plans a run. With `checkValues`, each pending create/update value is read (in memory only) and
 * checked against the destination's limits, so an oversize value fails the preview, naming the path.
 */
export async function planRun(
  source: MigrationSource,
  destination: MigrationDestination,
  settings: MigrationSettings,
  fingerprintKey: FingerprintKey,
  opts: { checkValues?: boolean } = {},
): Promise<RunPlan> {
  const mapper = mapperFor(destination, settings);
  const mappingHash = settingsMappingHash(destination.kind, settings, destination.shaping);
  // Only destinations that set an expiry fold it into their metadata marker (Vault has none).
  const expiry = settings.expiryKey && (await destination.capabilities()).expiry ? { metadataKey: settings.expiryKey } : undefined;
  // The source inventory and the destination listing are both network-bound and independent: run
  // them at once. Both hold metadata only (no value), a few hundred bytes per secret.
  // What the inventory's filter excludes is never read, but it is counted, by rule, for the plan.
  const exclusions = new ExclusionTally();
  const [sources, entries] = await Promise.all([collect(source.inventory(tallyingMapper(mapper, exclusions), fingerprintKey)), collect(destination.entries())]);
  const plan = await planMigration({
    exclusions,
    source: sources,
    // The planner indexes the listing itself (properties only); unmarked entries a source maps to
    // are inspected lazily, to tell our copy edited by hand from a stranger's secret.
    destination: { get: () => undefined, values: () => entries },
    inspectUnmarked: (e) => destination.inspectUnmarked(e),
    mapper,
    options: {
      existing: settings.existing,
      deletionPolicy: settings.deletionPolicy,
      mappingHash,
      scope: [source.scope],
      migrationId: settings.migrationId,
      metadataHash: (s) => sourceMetadataHash(s, expiry),
    },
  });
  const checked = opts.checkValues ? await valueChecks(source, destination, plan.items, { fingerprintKey, mappingHash, migrationId: settings.migrationId }, settings.concurrency) : { refusals: [], notices: [] };
  const found = checked.refusals;
  const valueRefused = new Map(found.map((f) => [f.item, { ...f.item, action: "refuse" as const, reason: "value refused by the destination" as const, detail: f.problem }]));
  const refusals = plan.items.flatMap((i) => (i.action === "refuse" ? [i] : valueRefused.has(i) ? [valueRefused.get(i) as PlanItem] : []));
  return { plan, mappingHash, problems: found.map((f) => f.problem), refusals, valueNotices: checked.notices };
}

/**
 * The value checks of a plan, shared by preview (planning) and `up` (before the first write): reads
 * each create/update value (its pinned version) and asks the destination's `validate` (size, shape,
 * name), or, where the destination has `validateWithoutValue`, asks that and reads nothing. Streaming: at most `concurrency` values are in memory at once, and none is kept; only the
 * problems (paths, names, sizes; never a value) are returned. A source gone since planning is no
 * problem here (the copy reports it); a failed read throws.
 */
export async function valueProblems(source: MigrationSource, destination: MigrationDestination, items: readonly PlanItem[], ctx: WriteContext, concurrency: number): Promise<string[]> {
  return (await valueRefusals(source, destination, items, ctx, concurrency)).map((f) => f.problem);
}

/** {@link valueProblems} with the item each problem is about (the preview marks its plan line). */
export async function valueRefusals(source: MigrationSource, destination: MigrationDestination, items: readonly PlanItem[], ctx: WriteContext, concurrency: number): Promise<{ item: PlanItem; problem: string }[]> {
  return (await valueChecks(source, destination, items, ctx, concurrency)).refusals;
}

/** {@link valueRefusals} and the destination's notices about the values it accepts, in one read of each value. */
export async function valueChecks(
  source: MigrationSource,
  destination: MigrationDestination,
  items: readonly PlanItem[],
  ctx: WriteContext,
  concurrency: number,
): Promise<{ refusals: { item: PlanItem; problem: string }[]; notices: string[] }> {
  const writes = items.filter((i) => i.action === "create" || i.action === "update");
  // What `validate` needs from the server, loaded before the first check (and so before any write).
  if (writes.length > 0) await destination.prepare?.();
  const refusals: { item: PlanItem; problem: string }[] = [];
  const notices: string[] = [];
  const byName = destination.validateWithoutValue?.bind(destination);
  if (byName) {
    // Nothing to learn from the values: checked by name, none read.
    for (const item of writes) {
      const problem = byName(item.destinationName, item.sourcePath);
      if (problem) refusals.push({ item, problem });
    }
    return { refusals, notices };
  }
  for await (const r of mapConcurrent(writes, concurrency, async (item) => {
    const v = await readPlanned(source, item);
    if (!v) return undefined;
    const w = destinationWrite(item.destinationName, v, ctx);
    const problem = destination.validate(w);
    return { problem, notices: problem ? [] : (destination.notices?.(w) ?? []) };
  })) {
    if (!r.ok) throw r.error;
    if (r.value?.problem) refusals.push({ item: r.item, problem: r.value.problem });
    if (r.value) notices.push(...r.value.notices);
  }
  // Completion order varies with the network: sorted, so a preview prints the same lines each time.
  return { refusals, notices: notices.sort() };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of items) out.push(x);
  return out;
}
