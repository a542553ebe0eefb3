// The migration component: checks its arguments, plans at preview and up (the plan becomes the
// `pending` input of the SecretMigration resource) and wires the resource. Destination-generic:
// the destination's driver, found by `kind` in the registry, supplies naming, checks and the type.
import * as pulumi from "@pulumi/pulumi";
import { encodePlanLine, type Plan } from "../engine";
import type { DestinationSpecBase } from "../migration/destination";
import { driverFor, openDestination } from "../migration/destinations";
import { encodeNotices, encodePending, type PendingChanges } from "../migration/pendingChanges";
import { planRun } from "../migration/planRun";
import type { MigrationSettings } from "../migration/settings";
import { VaultSource } from "../migration/vaultSource";
import { SecretMigration, type MigrationSummary } from "../resources/SecretMigration";
import type { VaultConnection } from "../clients/vault/connection";
import { vaultConnectionInputs } from "../resources/vaultResourceInputs";
import { asComponentError, componentError } from "./componentErrors";
import { warnInsecureTransport } from "./connectionWarnings";
import { validateMigrationArgs, type MigrationCommonArgs } from "./migrationArgs";

function summaryLine(plan: Plan): string {
  const c = plan.counts;
  return `plan: ${c.create} to create, ${c.update} to update, ${c.delete} to delete, ${plan.inSync} in sync, ${c.skip} skipped, ${c.orphan} orphaned, ${c.excluded} excluded`;
}

/** The destination of a migration: its kind (plain: it picks the driver) and its connection. */
export interface MigrationDestinationArgs {
  /** A registered destination kind, e.g. `azure-keyvault`, `vault`. */
  kind: string;
  /** The driver's spec without `kind` (see the driver folder). */
  spec: pulumi.Input<Readonly<Record<string, unknown>>>;
  /** The driver's credentials. Stored only as a Pulumi secret. */
  credentials: pulumi.Input<Readonly<Record<string, unknown>>>;
}

/** Arguments of {@link Migration}. */
export interface MigrationArgs extends MigrationCommonArgs {
  destination: MigrationDestinationArgs;
}

interface PlanAndMigrateInput {
  label: string;
  name: string;
  parent: pulumi.ComponentResource;
  args: MigrationCommonArgs;
  settings: MigrationSettings;
  spec: pulumi.Output<DestinationSpecBase>;
  credentials: pulumi.Output<Readonly<Record<string, unknown>>>;
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
    pulumi.all([pulumi.output(planConn), i.spec, i.credentials, pulumi.output(args.fingerprintKey)]).apply(async ([conn, spec, credentials, key]) => {
      try {
        return await planOnce(conn, spec, credentials, key);
      } catch (e) {
        throw componentError(parent, e);
      }
    }),
  );

  /** The plan of this run (paths, names, reasons; no value), logged line by line; throws on refusals. */
  async function planOnce(conn: VaultConnection, spec: DestinationSpecBase, credentials: Readonly<Record<string, unknown>>, key: string): Promise<{ pending: PendingChanges; planId: string; notices: PendingChanges; inSync: number }> {
    const source = await VaultSource.open(conn, settings);
    const d = openDestination({ spec, credentials }, { fingerprintKey: key, settings, source });
    try {
      // Values are read here only at preview, to fail oversize ones before anything is written; in
      // `up` the provider runs the same checks on every pending value before its first write
      // (applyRun), which also covers `--skip-preview` and the drift a refresh found.
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
      destination: { spec: i.spec, credentials: i.credentials },
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

/**
 * Copies a part of Vault (KV v1 or v2) into a destination that a registered driver handles.
 * During `pulumi preview` it plans from metadata (KV v2) or in-memory fingerprints (KV v1) against
 * the destination's markers and shows each pending secret, with its reason, in the diff and the
 * log; bad input, collisions, secrets that are not this migration's and oversize values fail the
 * preview before anything is written. `pulumi up` then copies exactly the pending secrets, verifies
 * each and writes a report; with nothing pending it writes nothing. The component's type is the
 * driver's (`vault-migration:migration:KeyVaultMigration`, …), so state written by the typed
 * components keeps its URNs.
 */
export class Migration extends pulumi.ComponentResource {
  declare readonly pending: pulumi.Output<PendingChanges>;
  declare readonly summary: pulumi.Output<MigrationSummary>;
  declare readonly drift: pulumi.Output<PendingChanges>;

  constructor(name: string, args: MigrationArgs, opts?: pulumi.ComponentResourceOptions) {
    const driver = driverFor(args.destination?.kind ?? "");
    super(driver.componentType, name, {}, opts);
    const label = driver.label;
    const migrationId = args.migrationId ?? `${pulumi.getStack()}/${name}`;
    const settings = asComponentError(this, () => validateMigrationArgs(label, migrationId, args, driver.naming));
    const spec = pulumi.output(args.destination.spec).apply((raw) => {
      // Undefined dropped: the spec is a resource input.
      const clean = JSON.parse(JSON.stringify({ kind: driver.kind, ...raw })) as DestinationSpecBase;
      const problems = driver.validateSpec(clean as unknown as Readonly<Record<string, unknown>>, "destination");
      if (problems.length) throw componentError(this, `${label} ${name}: ${problems.join("; ")}`);
      return clean;
    });
    const credentials = pulumi.output(args.destination.credentials).apply((c): Readonly<Record<string, unknown>> => {
      const problems = driver.validateCredentials(c, "destination");
      if (problems.length) throw componentError(this, `${label} ${name}: ${problems.join("; ")}`);
      return c as Readonly<Record<string, unknown>>;
    });
    warnInsecureTransport("source", args.source?.connection, this);
    if (args.planConnection !== undefined) warnInsecureTransport("planConnection", args.planConnection, this);
    warnInsecureTransport("destination", args.destination.spec, this);
    const { pending, summary, drift } = planAndMigrate({ label, name, args, settings, spec, credentials, parent: this });
    Object.assign(this, { pending, summary, drift });
    this.registerOutputs({ pending, summary, drift });
  }
}
