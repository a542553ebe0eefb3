import * as pulumi from "@pulumi/pulumi";
import type { VaultAuth, VaultEndpoint } from "../clients/vault/connection";
import { encodePlanKey, ownsCopy, redactedError, type ExclusionGroup, type MigrationReport } from "../engine";
import { applyRun } from "../migration/applyRun";
import type { DestinationConnection, DestinationSpecBase, MigrationDestination } from "../migration/destination";
import { destinationLocation, openDestination } from "../migration/destinations";
import { decodePending, encodePending, planInputs, planOf, type PendingChanges } from "../migration/pendingChanges";
import { DEFAULT_PROGRESS_INTERVAL_MS, withDefaults, settingsMappingHash, type MigrationSettings } from "../migration/settings";
import type { MigrationSource } from "../migration/source";
import { VaultSource } from "../migration/vaultSource";
import { verifyRun } from "../migration/verifyRun";
import { writeReportFiles } from "../migration/reportFiles";
import { exitWhenEngineGone } from "./providerProcess";
import { joinCa, splitCa, type CaBundles } from "./caBundles";

/** Inputs of the migration resource, as stored in state (credentials are secrets). */
export interface SecretMigrationProps {
  /** The source's endpoint as shown: a CA bundle appears as its `caCertSha256` (the PEM is in `caBundles`). */
  sourceEndpoint: VaultEndpoint & { caCertSha256?: string };
  /** CA bundles of the source and the destination, kept out of the diff (see caBundles.ts). */
  caBundles?: CaBundles;
  sourceAuth: VaultAuth;
  settings: MigrationSettings;
  /**
   * The destination's spec, in the clear so the diff shows it. Its credentials are stored apart,
   * as a secret: Pulumi marks a whole property secret when anything nested in it is.
   */
  destination: DestinationSpecBase;
  destinationCredentials: unknown;
  fingerprintKey: string;
  /** The plan's pending changes: one entry per secret to create, update or delete. */
  pending: PendingChanges;
  /** The plan during an `up`, when `pending` is empty (see `planInputs`). */
  __pending?: PendingChanges;
  /** Unique per non-empty plan (see the planning component). */
  planId?: string;
  /** Skipped and orphaned secrets with their reasons, for the report; never a change by themselves. */
  notices?: PendingChanges;
  /** Sources already in sync when planned, for the report. */
  inSync?: number;
  /** What the mapping excluded, by rule, for the report; never a change by itself. */
  exclusions?: ExclusionGroup[];
  /** Where to write the JSON and Markdown report (`<path>.json`, `<path>.md`); none when unset. */
  reportPath?: string;
  /** `pulumi destroy`: `keep` the migrated secrets (default) or soft-`delete` them. */
  onDestroy?: "keep" | "delete";
  /** Outputs. */
  summary?: MigrationSummary;
  drift?: PendingChanges;
  /** Identity of the last plan applied: the same plan seen again (refresh diffs stored inputs) is not a change. */
  appliedPlan?: string;
}

/**
 * What the last run did (the run of the last `up`, also when it had nothing to write): counts only,
 * so a no-change `up` after another leaves it as it is. Times are in the report.
 */
export interface MigrationSummary {
  created: number;
  updated: number;
  deleted: number;
  failed: number;
  /** Sources already in sync before the run. */
  inSync: number;
  skipped: number;
  orphaned: number;
  excluded: number;
  /** Not started because the run's time budget ran out (present only then); the next `up` copies them. */
  pending?: number;
  /** When a run last wrote (created, updated or deleted) something; absent before the first write. */
  lastWriteAt?: string;
}

/** Everything that, changed, calls for a run even with nothing pending. */
function configKey(p: Partial<SecretMigrationProps>): string {
  return JSON.stringify([p.sourceEndpoint?.address, p.sourceEndpoint?.namespace, p.settings, p.destination, p.reportPath ?? null, p.onDestroy ?? "keep"]);
}

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
    const items = decodePending({ ...drift, ...planOf(p) }, source.mount);
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
const outputsOf = ({ __pending, ...p }: SecretMigrationProps, summary: MigrationSummary): SecretMigrationProps => ({ ...p, pending: {}, summary, drift: {}, appliedPlan: planIdentityHash({ ...p, __pending }) });

/** Identity of a plan (its lines, sorted): paths, names and reasons only, no value. */
function planIdentityHash(p: Pick<SecretMigrationProps, "pending" | "__pending" | "planId">): string {
  const { createHash } = require("node:crypto") as typeof import("node:crypto");
  const lines = Object.entries(planOf(p) ?? {}).map(([k, v]) => `${k}\t${v}`).sort();
  return createHash("sha256").update(`${p.planId ?? ""}\n${lines.join("\n")}`).digest("hex").slice(0, 32);
}

/** When a run last wrote; state written before `lastWriteAt` existed kept `lastRunAt`, the time of its last applied run. */
export function lastWriteOf(summary: MigrationSummary | undefined): string | undefined {
  const old = (summary as { lastRunAt?: unknown } | undefined)?.lastRunAt;
  return summary?.lastWriteAt ?? (typeof old === "string" ? old : undefined);
}

/** Copies Vault KV secrets into a destination, per the plan computed by the program. */
class SecretMigrationProvider implements pulumi.dynamic.ResourceProvider<SecretMigrationProps, SecretMigrationProps> {
  async diff(_id: string, olds: SecretMigrationProps, news: SecretMigrationProps): Promise<pulumi.dynamic.DiffResult> {
    // In sync and unchanged settings: no change at all, so a no-op `up` writes nothing. Rotated
    // credentials are a change too (an update with nothing pending writes nothing): `read` and
    // `delete` only see the stored outputs, so they must hold the credentials in force.
    const pending = Object.keys(planOf(news) ?? {}).length > 0 && planIdentityHash(news) !== olds.appliedPlan;
    const credentials = JSON.stringify([olds.sourceAuth, olds.destinationCredentials, olds.fingerprintKey]) !== JSON.stringify([news.sourceAuth, news.destinationCredentials, news.fingerprintKey]);
    const changes = pending || credentials || configKey(olds) !== configKey(news) || Object.keys(olds.drift ?? {}).length > 0;
    return { changes, replaces: [] };
  }

  async create(inputs: SecretMigrationProps): Promise<pulumi.dynamic.CreateResult<SecretMigrationProps>> {
    const summary = await applyPendingChanges(inputs);
    const id = `${inputs.sourceEndpoint.address}/${inputs.settings.mount}→${destinationLocation(inputs.destination)}`;
    return { id, outs: outputsOf(inputs, summary) };
  }

  async update(_id: string, olds: SecretMigrationProps, news: SecretMigrationProps): Promise<pulumi.dynamic.UpdateResult<SecretMigrationProps>> {
    return { outs: outputsOf(news, await applyPendingChanges(news, olds.drift, lastWriteOf(olds.summary))) };
  }

  /** `pulumi refresh`: re-verifies every copy, values included, and reports drift as an output. */
  async read(id: string, props?: SecretMigrationProps): Promise<pulumi.dynamic.ReadResult<SecretMigrationProps>> {
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

  async delete(_id: string, props: SecretMigrationProps): Promise<void> {
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
}

export interface SecretMigrationArgs {
  sourceEndpoint: pulumi.Input<VaultEndpoint>;
  sourceAuth: pulumi.Input<VaultAuth>;
  settings: pulumi.Input<MigrationSettings>;
  /** Spec and credentials; the credentials are stored as a Pulumi secret. */
  destination: { spec: pulumi.Input<DestinationConnection["spec"]>; credentials: pulumi.Input<Readonly<Record<string, unknown>>> };
  fingerprintKey: pulumi.Input<string>;
  pending: pulumi.Input<PendingChanges>;
  planId?: pulumi.Input<string>;
  notices?: pulumi.Input<PendingChanges>;
  inSync?: pulumi.Input<number>;
  exclusions?: pulumi.Input<ExclusionGroup[]>;
  reportPath?: pulumi.Input<string>;
  onDestroy?: pulumi.Input<"keep" | "delete">;
}

/**
 * The migration run as one resource. Its `pending` input is the plan (one line per secret), so
 * `pulumi preview --diff` lists each secret to create, update or delete with the reason; empty
 * when in sync, and then `pulumi up` does nothing. Use through a component that plans
 * (`KeyVaultMigration`, `VaultMigration`), not directly.
 */
export class SecretMigration extends pulumi.dynamic.Resource {
  declare readonly summary: pulumi.Output<MigrationSummary>;
  declare readonly drift: pulumi.Output<PendingChanges>;

  constructor(name: string, args: SecretMigrationArgs, opts?: pulumi.CustomResourceOptions) {
    const source = pulumi.output(args.sourceEndpoint).apply((e) => splitCa(e));
    const spec = pulumi.output(args.destination.spec).apply((d) => splitCa(d as DestinationSpecBase & { caCertPem?: string }));
    super(
      new SecretMigrationProvider(),
      name,
      {
        ...args,
        ...planInputs(args.pending, pulumi.runtime.isDryRun()),
        sourceAuth: pulumi.secret(args.sourceAuth),
        sourceEndpoint: source.apply((x) => x.shown),
        // Split here, and only here (see SecretMigrationProps.destination).
        destination: spec.apply((x) => x.shown),
        caBundles: pulumi.secret(pulumi.all([source, spec]).apply(([a, b]): CaBundles => ({ ...(a.pem ? { source: a.pem } : {}), ...(b.pem ? { destination: b.pem } : {}) }))),
        destinationCredentials: pulumi.secret(args.destination.credentials),
        fingerprintKey: pulumi.secret(args.fingerprintKey),
        summary: undefined,
        drift: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["sourceAuth", "destinationCredentials", "fingerprintKey", "caBundles"] }),
      "vault-migration",
      "SecretMigration",
    );
  }
}
