// What every migration component shares: argument checks, planning at preview (the plan becomes
// the `pending` input of the SecretMigration resource) and the resource wiring. Destination-generic.
import * as pulumi from "@pulumi/pulumi";
import { createMapper, type DeletionPolicy, type DestinationNaming, type ExistingPolicy, type MappingRule, type Plan } from "../engine";
import { openDestination, validateDestinationSpec, type DestinationCredentials, type DestinationSpec } from "../migration/destinations";
import { encodeNotices, encodePending, type PendingChanges } from "../migration/pendingChanges";
import { encodePlanLine } from "../engine/planlines";
import { planRun } from "../migration/planRun";
import { withDefaults, type MigrationSettings } from "../migration/settings";
import { VaultSource } from "../migration/vaultSource";
import { SecretMigration, type MigrationSummary } from "../resources/SecretMigration";
import type { VaultConnection } from "../clients/vault/connection";
import { vaultConnectionInputs, type VaultConnectionArgs } from "../resources/vaultResourceInputs";

/**
 * A user-facing error of a component: shown under it, message only, and with no stack frames. A
 * stack adds nothing for a user, and formatting one is slow here: the language host passes every
 * unhandled error to util.inspect, and Node 20.20's util.inspect loops (until a RangeError, 20–40 s
 * of CPU) on the SDK's source-mapped frames such as `node_modules/@pulumi/resource.ts`.
 */
function componentError(resource: pulumi.Resource, e: unknown): pulumi.ResourceError {
  const message = e instanceof Error ? e.message : String(e);
  const error = new pulumi.ResourceError(message, resource, true);
  error.stack = `Error: ${message}`;
  return error;
}

/** Runs `fn`, turning what it throws into a {@link componentError} of `resource`. */
export function asComponentError<T>(resource: pulumi.Resource, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw componentError(resource, e);
  }
}

/** Arguments every migration component takes besides its destination. */
export interface MigrationCommonArgs {
  source: {
    /** Connection the copy reads with: the MigrationReader's `readerConnection` gives least privilege. */
    connection: pulumi.Input<VaultConnectionArgs>;
    mount: string;
    /** Folder under the mount, e.g. `apps/`. */
    prefix?: string;
    /** Detected from the mount when omitted. */
    kvVersion?: 1 | 2;
  };
  /**
   * Connection used to plan during `pulumi preview`. Defaults to `source.connection`; give an
   * existing identity here when the reader is created in the same stack and does not exist yet.
   */
  planConnection?: pulumi.Input<VaultConnectionArgs>;
  /** Per-stack key of the keyed fingerprints written as markers (≥ 16 bytes). A Pulumi secret. */
  fingerprintKey: pulumi.Input<string>;
  /** Path globs → name templates (first match wins; default seed 003's `{mount}/{path}`), include/exclude globs. */
  mapping?: { rules?: MappingRule[]; include?: string[]; exclude?: string[] };
  /** A destination secret this migration did not write: `fail` (default) at preview, `adopt` or `overwrite`. */
  existing?: ExistingPolicy;
  /** Copies whose source is gone: `keep` (default, reported as orphaned) or `delete`. */
  deletionPolicy?: DeletionPolicy;
  /** Copies in flight (default 32). */
  concurrency?: number;
  /** Report files `<path>.json` and `<path>.md`, relative to the project. */
  reportPath?: string;
  /** `pulumi destroy`: `keep` the copies (default) or soft-`delete` them. */
  onDestroy?: "keep" | "delete";
  /** At most this many plan lines are logged one by one (the rest are counted). Default 200. */
  logLimit?: number;
}

/** Checks what can be checked before any network call; throws `<label>: …` naming the argument. */
export function validateMigrationArgs(
  label: string,
  args: MigrationCommonArgs & { unwrapKey?: string; expiryKey?: string },
  naming: DestinationNaming,
): MigrationSettings {
  const problems: string[] = [];
  if (!args.source?.mount?.replace(/\//g, "")) problems.push("[source.mount] is required");
  if (args.source?.kvVersion !== undefined && args.source.kvVersion !== 1 && args.source.kvVersion !== 2) problems.push("[source.kvVersion] must be 1 or 2");
  if (args.existing && !["fail", "adopt", "overwrite"].includes(args.existing)) problems.push('[existing] must be "fail", "adopt" or "overwrite"');
  if (args.deletionPolicy && !["keep", "delete"].includes(args.deletionPolicy)) problems.push('[deletionPolicy] must be "keep" or "delete"');
  if (args.concurrency !== undefined && (!Number.isInteger(args.concurrency) || args.concurrency < 1 || args.concurrency > 256)) problems.push("[concurrency] must be a whole number from 1 to 256");
  const settings = withDefaults({
    mount: args.source?.mount ?? "",
    prefix: args.source?.prefix,
    kvVersion: args.source?.kvVersion,
    rules: args.mapping?.rules,
    include: args.mapping?.include,
    exclude: args.mapping?.exclude,
    ...(args.existing ? { existing: args.existing } : {}),
    ...(args.deletionPolicy ? { deletionPolicy: args.deletionPolicy } : {}),
    unwrapKey: args.unwrapKey,
    expiryKey: args.expiryKey,
    ...(args.concurrency ? { concurrency: args.concurrency } : {}),
  });
  try {
    createMapper({ naming, rules: settings.rules, include: settings.include, exclude: settings.exclude });
  } catch (e) {
    problems.push(`[mapping] ${(e as Error).message}`);
  }
  if (problems.length) throw new Error(`${label}: ${problems.join("; ")}`);
  return JSON.parse(JSON.stringify(settings)) as MigrationSettings; // drop undefined: it is a resource input
}

function summaryLine(plan: Plan): string {
  const c = plan.counts;
  return `plan: ${c.create} to create, ${c.update} to update, ${c.delete} to delete, ${plan.inSync} in sync, ${c.skip} skipped, ${c.orphan} orphaned, ${c.excluded} excluded`;
}

/**
 * A destination spec once its inputs are known: undefined dropped (it is a resource input) and
 * checked, a problem being an error of the component.
 */
export function checkedDestination<T extends DestinationSpec>(parent: pulumi.Resource, label: string, name: string, spec: T): T {
  const clean = JSON.parse(JSON.stringify(spec)) as T;
  const problems = validateDestinationSpec(clean);
  if (problems.length) throw componentError(parent, `${label} ${name}: ${problems.join("; ")}`);
  return clean;
}

/** Input of {@link planAndMigrate}. */
export interface PlanAndMigrateInput {
  /** Component type name for messages, e.g. `KeyVaultMigration`. */
  label: string;
  name: string;
  parent: pulumi.ComponentResource;
  args: MigrationCommonArgs;
  settings: MigrationSettings;
  destination: pulumi.Output<DestinationSpec>;
  credentials: pulumi.Output<DestinationCredentials>;
}

/**
 * Plans at preview and up (metadata for KV v2 sources, in-memory fingerprints for KV v1, against
 * the destination's markers), fails the preview on refusals and value problems before anything is
 * written, logs the plan, and creates the SecretMigration resource that applies it.
 */
function planAndMigrate(i: PlanAndMigrateInput): { pending: pulumi.Output<PendingChanges>; summary: pulumi.Output<MigrationSummary>; drift: pulumi.Output<PendingChanges> } {
  const { args, settings, name, label, parent } = i;
  const planConn = args.planConnection ?? args.source.connection;
  const limit = args.logLimit ?? 200;

  // The plan holds paths, names and reasons only, so it is safe to show although it was computed with secrets.
  const planned = pulumi.unsecret(
    pulumi.all([pulumi.output(planConn), i.destination, i.credentials, pulumi.output(args.fingerprintKey)]).apply(async ([conn, dest, creds, key]) => {
      try {
        return await planOnce(conn, dest, creds, key);
      } catch (e) {
        throw componentError(parent, e);
      }
    }),
  );

  /** The plan of this run (paths, names, reasons; no value), logged line by line; throws on refusals. */
  async function planOnce(conn: VaultConnection, dest: DestinationSpec, creds: DestinationCredentials, key: string): Promise<{ pending: PendingChanges; planId: string; notices: PendingChanges; inSync: number }> {
    const source = await VaultSource.open(conn, settings);
    const d = openDestination(dest, creds, key, settings);
    try {
      // Values are read only at preview, to fail oversize ones before anything is written; in `up`
      // the provider validates each value right before writing it.
      const { plan, problems } = await planRun(source, d, settings, key, { checkValues: pulumi.runtime.isDryRun() });
      const refused = plan.items.filter((x) => x.action === "refuse");
      if (refused.length || problems.length) {
        const lines = [...refused.map(encodePlanLine), ...problems];
        throw new Error(`${label} ${name}: nothing was written; ${lines.length} problem(s):\n  - ${lines.join("\n  - ")}`);
      }
      pulumi.log.info(summaryLine(plan), parent);
      const shown = [...plan.items, ...plan.skipped, ...plan.orphaned].slice(0, limit);
      for (const x of shown) pulumi.log.info(encodePlanLine(x), parent);
      const more = plan.items.length + plan.skipped.length + plan.orphaned.length - shown.length;
      if (more > 0) pulumi.log.info(`… and ${more} more (see the diff or the report)`, parent);
      const pending = encodePending(plan.items);
      // A fresh id for every non-empty plan: the same lines planned again (a copy deleted by hand
      // after its creation) are new work, not the plan already applied.
      const planId = Object.keys(pending).length ? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}` : "";
      return { pending, planId, notices: encodeNotices([...plan.skipped, ...plan.orphaned]), inSync: plan.inSync };
    } finally {
      await Promise.all([source.close(), d.close()]);
    }
  }

  const pending = planned.apply((p) => p.pending);
  const src = vaultConnectionInputs(args.source.connection);
  const run = new SecretMigration(
    name,
    {
      sourceEndpoint: src.endpoint,
      sourceAuth: src.auth,
      settings,
      destination: i.destination,
      destinationCredentials: i.credentials,
      fingerprintKey: args.fingerprintKey,
      pending,
      planId: planned.apply((p) => p.planId),
      notices: planned.apply((p) => p.notices),
      inSync: planned.apply((p) => p.inSync),
      reportPath: args.reportPath,
      onDestroy: args.onDestroy,
    },
    { parent },
  );
  return { pending, summary: run.summary, drift: run.drift };
}

/** What every migration component is: a planned run with its pending changes, summary and drift as outputs. */
export abstract class MigrationComponent extends pulumi.ComponentResource {
  declare readonly pending: pulumi.Output<PendingChanges>;
  declare readonly summary: pulumi.Output<MigrationSummary>;
  declare readonly drift: pulumi.Output<PendingChanges>;

  /** Plans and creates the run (see {@link planAndMigrate}); call once, at the end of the constructor. */
  protected migrate(i: Omit<PlanAndMigrateInput, "parent">): void {
    const { pending, summary, drift } = planAndMigrate({ ...i, parent: this });
    Object.assign(this, { pending, summary, drift });
    this.registerOutputs({ pending, summary, drift });
  }
}
