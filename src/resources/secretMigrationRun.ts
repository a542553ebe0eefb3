// The migration provider's run code: loaded by reference in the provider process (see
// byReference.ts), not serialized into the state. `SecretMigration.ts` holds the resource and the
// provider that names this module.
import { encodePlanKey, ownsCopy, redactedError, type MigrationReport } from "../engine";
import { applyRun } from "../migration/applyRun";
import type { MigrationDestination } from "../migration/destination";
import { destinationLocation, openDestination } from "../migration/destinations";
import { decodePending, encodePending, planOf, withSourceSettings, type PendingChanges } from "../migration/pendingChanges";
import { DEFAULT_PROGRESS_INTERVAL_MS, withDefaults, settingsMappingHash, type MigrationSettings } from "../migration/settings";
import type { MigrationSource } from "../migration/source";
import { VaultSource } from "../migration/vaultSource";
import { verifyRun } from "../migration/verifyRun";
import { writeReportFiles } from "../migration/reportFiles";
import type * as pulumi from "@pulumi/pulumi";
import { joinCa } from "./caBundles";
import { planIdentityHash } from "./migrationDiff";
import { exitWhenEngineGone } from "./providerProcess";
import type { MigrationSummary, SecretMigrationProps } from "./SecretMigration";

async function withRun<T>(p: SecretMigrationProps, fn: (source: MigrationSource, settings: MigrationSettings, dest: MigrationDestination) => Promise<T>): Promise<T> {
  exitWhenEngineGone();
  const settings = withDefaults(p.settings);
  const source = await VaultSource.open({ ...joinCa(p.sourceEndpoint, p.caBundles?.source), auth: p.sourceAuth }, settings);
  // Opened inside the try: closing the source revokes the run's Vault token, success or failure.
  let dest: MigrationDestination | undefined;
  try {
    dest = openDestination({ spec: joinCa(p.destination, p.caBundles?.destination), credentials: p.destinationCredentials }, { fingerprintKey: p.fingerprintKey, settings, source });
    return await fn(source, settings, dest);
  } finally {
    await Promise.all([source.close(), dest?.close()]);
  }
}

/** The run's last line under the resource: what it did, in one line. */
function finalLine(r: MigrationReport): string {
  const c = r.counts;
  const rest = [`${r.inSync} in sync`, ...(c.pending ? [`${c.pending} pending`] : []), ...(c.skipped ? [`${c.skipped} skipped`] : []), ...(c.orphaned ? [`${c.orphaned} orphaned`] : []), ...(r.excluded.count ? [`${r.excluded.count} excluded`] : [])];
  return `copied: ${c.created} created, ${c.updated} updated, ${c.deleted} deleted, ${c.failed} failed; ${rest.join(", ")} in ${(r.durationMs / 1000).toFixed(1)} s`;
}

/** The summary of a finished run; `lastWriteAt` moves only when the run wrote something. */
export function summaryOf(report: MigrationReport, previousWriteAt?: string): MigrationSummary {
  const c = report.counts;
  const wrote = c.created + c.updated + c.deleted > 0;
  const lastWriteAt = wrote ? report.finishedAt : previousWriteAt;
  return { created: c.created, updated: c.updated, deleted: c.deleted, failed: c.failed, inSync: report.inSync, skipped: c.skipped, orphaned: c.orphaned, excluded: report.excluded.count, ...(c.pending ? { pending: c.pending } : {}), ...(lastWriteAt ? { lastWriteAt } : {}) };
}

/**
 * Applies the pending changes, plus any drift the last `pulumi refresh` found (a value edited by hand
 * keeps its markers, so only refresh sees it); throws, after writing the report, if any secret failed.
 */
async function applyPendingChanges(p: SecretMigrationProps, drift: PendingChanges = {}, previousWriteAt?: string): Promise<MigrationSummary> {
  return withRun(p, async (source, settings, dest) => {
    const plan = planOf(p);
    // The plan's items carry the settings it listed; the drift a refresh found does not (see withSourceSettings).
    const items = withSourceSettings(decodePending({ ...drift, ...plan }, source.mount), plan, p.__sourceSettings);
    const report = await applyRun({
      items,
      source,
      destination: dest,
      fingerprintKey: p.fingerprintKey,
      mappingHash: settingsMappingHash(dest.kind, settings, dest.shaping),
      migrationId: settings.migrationId,
      concurrency: settings.concurrency,
      onProgress: (line) => console.error(line),
      progressEveryMs: settings.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS,
      // What a destination could not carry (tags past its limit, an unresolvable expiry): shown under the resource.
      onWarning: (warnings) => warnings.forEach((w) => console.error(`warning: ${w}`)),
      notices: decodePending(p.notices ?? {}, source.mount),
      inSync: p.inSync,
      exclusions: p.exclusions,
      ...(settings.maxDurationMs !== undefined ? { maxDurationMs: settings.maxDurationMs } : {}),
    });
    writeReportFiles(p.reportPath, report);
    console.error(finalLine(report));
    const c = report.counts;
    if (c.pending > 0) console.error(`time budget (maxDuration) used up: ${c.pending} secret(s) pending; the next \`pulumi up\` continues with them`);
    if (c.failed > 0) {
      const first = report.items.filter((i) => i.result === "failed").slice(0, 10).map((i) => `  ${encodePlanKey(i)}: ${i.error}`);
      // Nothing is lost: markers say what landed, so the next run re-plans only what is missing.
      throw new Error(`${c.failed} of ${items.length} secret(s) failed (${c.created} created, ${c.updated} updated, ${c.deleted} deleted); re-run to retry:\n${first.join("\n")}`);
    }
    return summaryOf(report, previousWriteAt);
  });
}

// The outputs keep no plan (the state holds it only while pending).
const outputsOf = ({ __pending, __sourceSettings: _settings, ...p }: SecretMigrationProps, summary: MigrationSummary): SecretMigrationProps => ({ ...p, pending: {}, summary, drift: {}, appliedPlan: planIdentityHash({ ...p, __pending }) });

/** When a run last wrote; state written before `lastWriteAt` existed kept `lastRunAt`, the time of its last applied run. */
export function lastWriteOf(summary: MigrationSummary | undefined): string | undefined {
  const old = (summary as { lastRunAt?: unknown } | undefined)?.lastRunAt;
  return summary?.lastWriteAt ?? (typeof old === "string" ? old : undefined);
}

/** `create`: the first run. */
export async function createMigration(inputs: SecretMigrationProps): Promise<pulumi.dynamic.CreateResult<SecretMigrationProps>> {
  const summary = await applyPendingChanges(inputs);
  const id = `${inputs.sourceEndpoint.address}/${inputs.settings.mount}→${destinationLocation(inputs.destination)}`;
  return { id, outs: outputsOf(inputs, summary) };
}

/** `update`: a run of the plan, plus any drift the last refresh found. */
export async function updateMigration(olds: SecretMigrationProps, news: SecretMigrationProps): Promise<pulumi.dynamic.UpdateResult<SecretMigrationProps>> {
  return { outs: outputsOf(news, await applyPendingChanges(news, olds.drift, lastWriteOf(olds.summary))) };
}

/** `pulumi refresh`: re-verifies every copy, values included, and reports drift as an output. */
export async function readMigration(id: string, props?: SecretMigrationProps): Promise<pulumi.dynamic.ReadResult<SecretMigrationProps>> {
  if (!props) throw new Error("read was called without the resource's state");
  let v: Awaited<ReturnType<typeof verifyRun>>;
  try {
    v = await withRun(props, (source, settings, dest) => verifyRun(source, dest, settings, props.fingerprintKey));
  } catch (e) {
    // Printed by the host with its stack: only a fresh error with the safe scalar fields leaves
    // (verifyRun has already cut the values it held); never an SDK error with its response.
    throw redactedError(e, []);
  }
  return { id, props: { ...props, drift: encodePending(v.drift) } };
}

/** `pulumi destroy`: removes this migration's copies only when asked (`onDestroy: delete`). */
export async function deleteMigration(props: SecretMigrationProps): Promise<void> {
  if (props.onDestroy !== "delete") return; // destination secrets outlive the stack unless asked
  await withRun(props, async (source, settings, dest) => {
    const items = [];
    // Only this migration's copies, inside its scope: another migration's copies in the same
    // destination (even of `secret/apps2` beside our `secret/apps`) are never touched.
    for await (const e of dest.entries()) {
      if (!e.deleted && ownsCopy(e.markers, settings.migrationId, [source.scope])) items.push({ sourcePath: e.markers.sourcePath, destinationName: e.name, action: "delete" as const, reason: "source deleted (deletionPolicy: delete)" as const });
    }
    const report = await applyRun({ items, source, destination: dest, fingerprintKey: props.fingerprintKey, mappingHash: "", migrationId: settings.migrationId, concurrency: settings.concurrency });
    if (report.counts.failed > 0) throw new Error(`${report.counts.failed} secret(s) could not be deleted on destroy`);
  });
}
