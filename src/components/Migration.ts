// The migration component: checks its arguments, plans at preview and up (the plan becomes the
// `pending` input of the SecretMigration resource) and wires the resource. Destination-generic:
// the destination's driver, found by `kind` in the registry, supplies naming, checks and the type.
import * as pulumi from "@pulumi/pulumi";
import { buildReport, encodePlanLine, exclusionLines, reportItem, type ExclusionGroup, type Plan, type PlanItem } from "../engine";
import type { DestinationSpecBase, MigrationDestination } from "../migration/destination";
import { driverFor, openDestination } from "../migration/destinations";
import { encodeNotices, encodePending, encodeSourceSettings, type PendingChanges, type SourceSettingsMap } from "../migration/pendingChanges";
import { planRun } from "../migration/planRun";
import type { MigrationSettings } from "../migration/settings";
import { VaultSource } from "../migration/vaultSource";
import { SecretMigration, type MigrationSummary } from "../resources/SecretMigration";
import { lastWriteOf, summaryOf } from "../resources/secretMigrationRun";
import { writeReportFiles } from "../migration/reportFiles";
import type { VaultConnection } from "../clients/vault/connection";
import { vaultConnectionInputs } from "../resources/vaultResourceInputs";
import { asComponentError, componentError } from "./componentErrors";
import { warnInsecureTransport } from "./connectionWarnings";
import { validateMigrationArgs, type MigrationCommonArgs } from "./migrationArgs";
import { cutoverRun, readerMatchOf, writeCutoverFiles } from "../migration/cutover/readinessRun";
import { validateCutover, type CutoverSettings } from "../migration/cutover/settings";
import type { RetirementSummary } from "../migration/cutover/retireRun";
import { SourceRetirement } from "../resources/SourceRetirement";
import { formatWindow, retireLines, type CutoverSummary } from "../engine";

/** What planning hands the resource (and, with nothing to write at `up`, the report of the run). */
interface PlannedRun {
  pending: PendingChanges;
  /** The non-default settings of the pending writes (see `SourceSettingsMap`); undefined when not known. */
  sourceSettings?: SourceSettingsMap;
  planId: string;
  notices: PendingChanges;
  inSync: number;
  exclusions: ExclusionGroup[];
  /** With nothing to write: the run's summary (the provider does not run), less the last write's time. */
  idle?: MigrationSummary;
  /** With `cutover`: the readiness counts and the paths to retire (`sourcePath → name` → reason). */
  cutover?: { summary: CutoverSummary; retire: Record<string, string>; held: Record<string, string> };
}

/** The stack output of a migration's cutover: readiness counts, and what the last retirement did. */
export type CutoverOutput = CutoverSummary & { retired?: RetirementSummary };

/** The counts line, from the lines as shown (a value the destination refuses counts as refused, not as a create). */
function summaryLine(plan: Plan, lines: readonly PlanItem[]): string {
  const n = (a: PlanItem["action"]): number => lines.filter((x) => x.action === a).length;
  const refused = n("refuse");
  const refusedText = refused ? `, ${refused} refused` : "";
  return `plan: ${n("create")} to create, ${n("update")} to update, ${n("delete")} to delete, ${plan.inSync} in sync, ${n("skip")} skipped, ${n("orphan")} orphaned, ${plan.counts.excluded} excluded${refusedText}`;
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
  cutover?: CutoverSettings;
  spec: pulumi.Output<DestinationSpecBase>;
  credentials: pulumi.Output<Readonly<Record<string, unknown>>>;
}

/**
 * Plans at preview and up (metadata for KV v2 sources, in-memory fingerprints for KV v1, against
 * the destination's markers), fails the preview on refusals and value problems before anything is
 * written, logs the plan, and creates the SecretMigration resource that applies it.
 */
function planAndMigrate(i: PlanAndMigrateInput): { pending: pulumi.Output<PendingChanges>; summary: pulumi.Output<MigrationSummary>; drift: pulumi.Output<PendingChanges>; cutover?: pulumi.Output<CutoverOutput> } {
  const { args, settings, name, label, parent } = i;
  const planConn = args.planConnection ?? args.source.connection;
  const limit = args.logLimit ?? 200;

  // The plan holds paths, names and reasons only, so it is safe to show although it was computed with secrets.
  const planned = pulumi.unsecret(
    pulumi.all([pulumi.output(planConn), i.spec, i.credentials, pulumi.output(args.fingerprintKey), pulumi.output(args.reportPath)]).apply(async ([conn, spec, credentials, key, reportPath]) => {
      try {
        return await planOnce(conn, spec, credentials, key, reportPath);
      } catch (e) {
        throw componentError(parent, e);
      }
    }),
  );

  /** The plan of this run (paths, names, reasons; no value), logged line by line; throws on refusals. */
  async function planOnce(conn: VaultConnection, spec: DestinationSpecBase, credentials: Readonly<Record<string, unknown>>, key: string, reportPath: string | undefined): Promise<PlannedRun> {
    const startedAt = new Date();
    const source = await VaultSource.open(conn, settings);
    // Opened inside the try: closing the source revokes the plan's Vault token, success or failure.
    let d: MigrationDestination | undefined;
    try {
      d = openDestination({ spec, credentials }, { fingerprintKey: key, settings, source });
      // Values are read here only at preview, to fail oversize ones before anything is written; in
      // `up` the provider runs the same checks on every pending value before its first write
      // (applyRun), which also covers `--skip-preview` and the drift a refresh found.
      const { plan, refusals, valueNotices } = await planRun(source, d, settings, key, { checkValues: pulumi.runtime.isDryRun() });
      // The whole plan is shown even when the run is refused, each refused secret on its line with
      // its reason, so one preview names every problem and what the rest would do.
      const refusedBy = new Map(refusals.map((r) => [`${r.sourcePath}\t${r.destinationName}`, r]));
      const lines = [...plan.items, ...plan.skipped, ...plan.orphaned].map((x) => refusedBy.get(`${x.sourcePath}\t${x.destinationName}`) ?? x);
      // Which migration and where, in full: five migrations into one server otherwise print look-alike
      // lines (the engine shows the component's name in front of it).
      pulumi.log.info(`migration id ${settings.migrationId}: ${source.scope}/ at ${conn.address}${conn.namespace ? ` namespace ${conn.namespace}` : ""} → ${d.location}`, parent);
      pulumi.log.info(summaryLine(plan, lines), parent);
      for (const line of exclusionLines(plan.exclusions)) pulumi.log.info(line, parent);
      // Refusals are always shown; the log limit applies to the rest.
      const others = lines.filter((x) => x.action !== "refuse");
      const shownOthers = new Set(others.slice(0, Math.max(0, limit - refusals.length)));
      for (const x of lines) if (x.action === "refuse" || shownOthers.has(x)) pulumi.log.info(encodePlanLine(x), parent);
      const more = others.length - shownOthers.size;
      if (more > 0) pulumi.log.info(`… and ${more} more (see the diff or the report)`, parent);
      for (const n of valueNotices.slice(0, limit)) pulumi.log.warn(n, parent);
      if (valueNotices.length > limit) pulumi.log.warn(`… and ${valueNotices.length - limit} more notice(s) about values`, parent);
      if (refusals.length) {
        throw new Error(`${label} ${name}: nothing was written; ${refusals.length} problem(s):\n  - ${refusals.map(encodePlanLine).join("\n  - ")}`);
      }
      const pending = encodePending(plan.items);
      // A fresh id for every non-empty plan: the same lines planned again (a copy deleted by hand
      // after its creation) are new work, not the plan already applied.
      const planId = Object.keys(pending).length ? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}` : "";
      const notices = [...plan.skipped, ...plan.orphaned];
      const planned: PlannedRun = { pending, sourceSettings: encodeSourceSettings(plan.items), planId, notices: encodeNotices(notices), inSync: plan.inSync, exclusions: [...plan.exclusions] };
      if (i.cutover) planned.cutover = await cutoverOnce(i.cutover, source, plan);
      if (!planId) {
        // A run with nothing to write does not reach the provider: its report and summary come from
        // here, so every `up` leaves the report of its own run (in sync, skipped, orphaned, excluded).
        const report = buildReport({ startedAt, finishedAt: new Date(), items: notices.map((n) => reportItem(n)), inSync: plan.inSync, exclusions: plan.exclusions });
        if (!pulumi.runtime.isDryRun()) writeReportFiles(reportPath, report);
        planned.idle = summaryOf(report);
      }
      return planned;
    } finally {
      await Promise.all([source.close(), d?.close()]);
    }
  }

  /**
   * Who still reads each migrated path, from the audit log, with the plan connection's own reads
   * left out (its AppRole role and entity, from lookup-self); logs what would be retired and,
   * for each path held back, why and who holds it. The report files are written at `up`.
   */
  async function cutoverOnce(c: CutoverSettings, source: VaultSource, plan: Plan): Promise<NonNullable<PlannedRun["cutover"]>> {
    const own = readerMatchOf(await source.identity());
    if (!own && !c.readers.length) {
      pulumi.log.warn("cutover: the plan connection's token has no AppRole role or entity, so the migration's own reads cannot be told apart in the audit log and count as consumers; read with an AppRole (MigrationReader) or set cutover.readers", parent);
    }
    const r = await cutoverRun({ settings: c, plan, kvVersion: source.kvVersion, namespace: source.namespace, readers: own ? [own] : [], nowMs: Date.now() });
    const s = r.summary;
    pulumi.log.info(`cutover: ${s.paths} migrated path(s), ${s.quiet} quiet for ${formatWindow(c.quietWindowMs)}, ${s.read} still read by ${s.consumers} consumer(s); audit log ${r.readiness.entries} entries${s.malformedLines ? `, ${s.malformedLines} malformed line(s) skipped` : ""}; coverage ${s.coverageWhole ? "whole" : "not whole"}`, parent);
    for (const p of r.readiness.coverage.problems) pulumi.log.warn(`cutover: ${p}${c.retireSource ? "; nothing is retired" : ""}`, parent);
    const lines = retireLines(r.decisions);
    for (const line of lines.slice(0, limit)) pulumi.log.info(line, parent);
    if (lines.length > limit) pulumi.log.info(`… and ${lines.length - limit} more retirement line(s) (see the cutover report)`, parent);
    if (!pulumi.runtime.isDryRun()) writeCutoverFiles(c.reportPath, settings.migrationId, r, new Date().toISOString());
    return { summary: r.summary, retire: r.retire, held: r.held };
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
      __sourceSettings: planned.apply((p) => p.sourceSettings),
      planId: planned.apply((p) => p.planId),
      notices: planned.apply((p) => p.notices),
      inSync: planned.apply((p) => p.inSync),
      exclusions: planned.apply((p) => p.exclusions),
      reportPath: args.reportPath,
      onDestroy: args.onDestroy,
    },
    { parent },
  );
  // The last run's summary: the provider's when it ran, else this plan's (nothing written, the time
  // of the last write kept), so outputs always describe the run of the last `up`.
  const summary = pulumi.all([planned, run.summary]).apply(([p, last]) => {
    if (!p.idle) return last;
    const lastWriteAt = lastWriteOf(last);
    return { ...p.idle, ...(lastWriteAt ? { lastWriteAt } : {}) };
  });
  if (!i.cutover) return { pending, summary, drift: run.drift };
  const counts = planned.apply((p) => p.cutover?.summary);
  if (!i.cutover.retireSource) return { pending, summary, drift: run.drift, cutover: counts.apply((c) => c as CutoverOutput) };
  const retire = planned.apply((p) => p.cutover?.retire ?? {});
  // After the copy: the retirement depends on the migration resource, and re-verifies each path itself.
  const retirement = new SourceRetirement(
    `${name}-retire`,
    {
      sourceAddress: src.endpoint.apply((e) => e.address),
      settings,
      sourceConnection: pulumi.all([src.endpoint, src.auth]).apply(([e, auth]) => ({ ...e, auth })),
      retireConnection: pulumi.output(args.cutover!.retireConnection!).apply((c) => vaultConnectionOf(c)),
      destination: { spec: i.spec, credentials: i.credentials },
      fingerprintKey: args.fingerprintKey,
      retire,
      held: planned.apply((p) => p.cutover?.held ?? {}),
      planId: retire.apply((r) => (Object.keys(r).length ? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}` : "")),
      ...(i.cutover.reportPath ? { reportPath: i.cutover.reportPath } : {}),
    },
    { parent, dependsOn: [run] },
  );
  const cutover = pulumi.all([counts, retirement.retired]).apply(([c, retired]) => ({ ...(c as CutoverSummary), ...(retired ? { retired } : {}) }));
  return { pending, summary, drift: run.drift, cutover };
}

/** A connection's plain form for a provider (the CA bundle, if any, inline: the input is a secret). */
function vaultConnectionOf(c: { address: string; namespace?: string; caCertPem?: string; insecureSkipTlsVerify?: boolean; auth: VaultConnection["auth"] }): VaultConnection {
  return { address: c.address, auth: c.auth, ...(c.namespace ? { namespace: c.namespace } : {}), ...(c.caCertPem ? { caCertPem: c.caCertPem } : {}), ...(c.insecureSkipTlsVerify ? { insecureSkipTlsVerify: true } : {}) };
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
  /** With `cutover`: readiness counts per run (and, with `retireSource`, what the last retirement did). */
  declare readonly cutover: pulumi.Output<CutoverOutput> | undefined;

  constructor(name: string, args: MigrationArgs, opts?: pulumi.ComponentResourceOptions) {
    const driver = driverFor(args.destination?.kind ?? "");
    super(driver.componentType, name, {}, opts);
    const label = driver.label;
    const migrationId = args.migrationId ?? `${pulumi.getStack()}/${name}`;
    const settings = asComponentError(this, () => validateMigrationArgs(label, migrationId, args, driver.naming));
    const cutover = args.cutover === undefined ? undefined : asComponentError(this, () => cutoverSettings(label, name, args));
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
    const { pending, summary, drift, cutover: cutoverOut } = planAndMigrate({ label, name, args, settings, cutover, spec, credentials, parent: this });
    Object.assign(this, { pending, summary, drift, cutover: cutoverOut });
    // `pending` stays a property for the program, not a registered output: the migration
    // resource's inputs already hold the plan, and a second copy in the component's state would
    // double what every state write of a large plan costs.
    this.registerOutputs({ summary, drift, ...(cutoverOut ? { cutover: cutoverOut } : {}) });
  }
}

/** The cutover settings, checked before any file or network access; throws naming the key. */
function cutoverSettings(label: string, name: string, args: MigrationArgs): CutoverSettings {
  const { settings, problems } = validateCutover(args.cutover!, args.reportPath);
  if (args.cutover?.retireSource && !args.cutover.retireConnection) problems.push("[cutover.retireConnection] is required with retireSource: the retire identity (MigrationReader with retire: true gives retireConnection)");
  if (problems.length || !settings) throw new Error(`${label} ${name}: ${problems.join("; ")}`);
  return settings;
}
