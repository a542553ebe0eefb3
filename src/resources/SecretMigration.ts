import * as pulumi from "@pulumi/pulumi";
import type { VaultAuth, VaultEndpoint } from "../clients/vault/connection";
import type { ExclusionGroup } from "../engine";
import type { DestinationConnection, DestinationSpecBase } from "../migration/destination";
import { planInputs, type PendingChanges, type SourceSettingsMap } from "../migration/pendingChanges";
import type { MigrationSettings } from "../migration/settings";
import { loadByReference, moduleReference } from "./byReference";
import { splitCa, type CaBundles } from "./caBundles";
import { migrationChanges } from "./migrationDiff";

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
  /** Non-default KV v2 settings of the plan's writes, hidden like `__pending` (see `SourceSettingsMap`); absent = not known. */
  __sourceSettings?: SourceSettingsMap;
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

/** The run code's module: loaded by reference in the provider process, never serialized. */
type RunModule = typeof import("./secretMigrationRun");

/**
 * Copies Vault KV secrets into a destination, per the plan computed by the program. Serialized into
 * the state as a few KB: `diff` (every run) is here, the run code (`create`, `update`, `read`,
 * `delete`) is `require`d by reference from this checkout (see byReference.ts).
 */
class SecretMigrationProvider implements pulumi.dynamic.ResourceProvider<SecretMigrationProps, SecretMigrationProps> {
  /** {@link moduleReference} of secretMigrationRun.ts. */
  readonly run: string;

  constructor(run: string) {
    this.run = run;
  }

  async diff(_id: string, olds: SecretMigrationProps, news: SecretMigrationProps): Promise<pulumi.dynamic.DiffResult> {
    return { changes: migrationChanges(olds, news), replaces: [] };
  }

  async create(inputs: SecretMigrationProps): Promise<pulumi.dynamic.CreateResult<SecretMigrationProps>> {
    return loadByReference<RunModule>(this.run).createMigration(inputs);
  }

  async update(_id: string, olds: SecretMigrationProps, news: SecretMigrationProps): Promise<pulumi.dynamic.UpdateResult<SecretMigrationProps>> {
    return loadByReference<RunModule>(this.run).updateMigration(olds, news);
  }

  async read(id: string, props?: SecretMigrationProps): Promise<pulumi.dynamic.ReadResult<SecretMigrationProps>> {
    return loadByReference<RunModule>(this.run).readMigration(id, props);
  }

  async delete(_id: string, props: SecretMigrationProps): Promise<void> {
    return loadByReference<RunModule>(this.run).deleteMigration(props);
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
  /** Passed under its hidden key: the engine's diff display ignores `__` keys. */
  __sourceSettings?: pulumi.Input<SourceSettingsMap | undefined>;
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
      new SecretMigrationProvider(moduleReference(require.resolve("./secretMigrationRun"))),
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
