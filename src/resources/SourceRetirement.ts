import * as pulumi from "@pulumi/pulumi";
import { moduleReference } from "./byReference";
import { ProviderByReference } from "./providerByReference";
import type { VaultConnection } from "../clients/vault/connection";
import type { DestinationSpecBase, MigrationDestination } from "../migration/destination";
import { openDestination } from "../migration/destinations";
import { recordRetirement } from "../migration/cutover/readinessRun";
import { retireRun, retirementSummary, type RetirementSummary } from "../migration/cutover/retireRun";
import { VaultSource } from "../migration/vaultSource";
import { settingsMappingHash, withDefaults, type MigrationSettings } from "../migration/settings";
import { exitWhenEngineGone } from "./providerProcess";

/** Inputs of the retirement resource, as stored in state (connections and credentials are secrets). */
export interface SourceRetirementProps {
  /** Shown: where and what. */
  sourceAddress: string;
  settings: MigrationSettings;
  /** The reader's connection (reads and verifies) and the retire identity's (deletes only). */
  connections: { source: VaultConnection; retire: VaultConnection };
  destination: { spec: DestinationSpecBase; credentials: unknown };
  fingerprintKey: string;
  /** Paths to retire at preview (`sourcePath → destinationName` → reason): what the diff shows. */
  retire: Record<string, string>;
  /** Paths held back at preview, with who holds them or why (shown; never acted on). */
  held?: Record<string, string>;
  /** The same during an `up` (kept out of the diff, as the migration's `__pending`). */
  __retire?: Record<string, string>;
  /** Unique per non-empty retirement plan. */
  planId?: string;
  /** Base of the readiness report files this `up` wrote; the run adds what it retired to them. */
  reportPath?: string;
  /** Output: what the last run did. */
  retired?: RetirementSummary;
}

const planOfRetire = (p: Pick<SourceRetirementProps, "retire" | "__retire">): Record<string, string> => p.__retire ?? p.retire ?? {};

async function retireSources(p: SourceRetirementProps): Promise<RetirementSummary> {
  exitWhenEngineGone();
  const retire = planOfRetire(p);
  if (!Object.keys(retire).length) return { retired: 0, alreadyRetired: 0, held: 0, paths: [] };
  const settings = withDefaults(p.settings);
  const source = await VaultSource.open(p.connections.source, settings);
  let dest: MigrationDestination | undefined;
  try {
    dest = openDestination({ spec: p.destination.spec, credentials: p.destination.credentials }, { fingerprintKey: p.fingerprintKey, settings, source });
    const outcomes = await retireRun({ retire, source, destination: dest, retireConnection: p.connections.retire, fingerprintKey: p.fingerprintKey, mappingHash: settingsMappingHash(dest.kind, settings, dest.shaping), migrationId: settings.migrationId, concurrency: settings.concurrency });
    for (const o of outcomes) console.error(`${o.result}: ${o.sourcePath}`);
    recordRetirement(p.reportPath, outcomes, new Date().toISOString());
    const summary = retirementSummary(outcomes);
    console.error(`retired: ${summary.retired} retired, ${summary.alreadyRetired} already retired, ${summary.held} held (copy not verified)`);
    return summary;
  } finally {
    await Promise.all([source.close(), dest?.close()]);
  }
}

const outputsOf = ({ __retire: _applied, ...p }: SourceRetirementProps, retired: RetirementSummary): SourceRetirementProps => ({ ...p, retire: {}, held: {}, retired });

/** Deletes quiet, verified sources of a migration in Vault; nothing on destroy (KV v2 `undelete` restores). */
export class SourceRetirementProvider implements pulumi.dynamic.ResourceProvider<SourceRetirementProps, SourceRetirementProps> {
  async diff(_id: string, olds: SourceRetirementProps, news: SourceRetirementProps): Promise<pulumi.dynamic.DiffResult> {
    const pending = Object.keys(planOfRetire(news)).length > 0 && news.planId !== olds.planId;
    return { changes: pending || olds.sourceAddress !== news.sourceAddress, replaces: [] };
  }

  async create(inputs: SourceRetirementProps): Promise<pulumi.dynamic.CreateResult<SourceRetirementProps>> {
    return { id: `${inputs.sourceAddress}/${inputs.settings.mount}#retire`, outs: outputsOf(inputs, await retireSources(inputs)) };
  }

  async update(_id: string, _olds: SourceRetirementProps, news: SourceRetirementProps): Promise<pulumi.dynamic.UpdateResult<SourceRetirementProps>> {
    return { outs: outputsOf(news, await retireSources(news)) };
  }

  // A retired source is not restored on destroy: `vault kv undelete` does that on purpose, by hand.
  async delete(): Promise<void> {}
}

export interface SourceRetirementArgs {
  sourceAddress: pulumi.Input<string>;
  settings: pulumi.Input<MigrationSettings>;
  sourceConnection: pulumi.Input<VaultConnection>;
  retireConnection: pulumi.Input<VaultConnection>;
  destination: { spec: pulumi.Input<DestinationSpecBase>; credentials: pulumi.Input<Readonly<Record<string, unknown>>> };
  fingerprintKey: pulumi.Input<string>;
  retire: pulumi.Input<Record<string, string>>;
  held: pulumi.Input<Record<string, string>>;
  planId: pulumi.Input<string>;
  reportPath?: pulumi.Input<string>;
}

/**
 * Retirement of a migration's sources (`cutover.retireSource`): its `retire` input lists, one line
 * per path, what the next `up` deletes in Vault and why, and `held` each path held back with the
 * consumers that hold it, so `pulumi preview --diff` shows both. Runs
 * after the migration's copy (it depends on it); each path is re-verified before it is deleted.
 */
export class SourceRetirement extends pulumi.dynamic.Resource {
  declare readonly retired: pulumi.Output<RetirementSummary>;

  constructor(name: string, args: SourceRetirementArgs, opts?: pulumi.CustomResourceOptions) {
    const dry = pulumi.runtime.isDryRun();
    super(
      // By reference: the provider and its clients stay out of the state (see byReference.ts).
      new ProviderByReference<SourceRetirementProps, SourceRetirementProps>(moduleReference(__filename), "SourceRetirementProvider"),
      name,
      {
        sourceAddress: args.sourceAddress,
        settings: args.settings,
        connections: pulumi.secret(pulumi.all([args.sourceConnection, args.retireConnection]).apply(([source, retire]) => ({ source, retire }))),
        destination: pulumi.secret(pulumi.all([args.destination.spec, args.destination.credentials]).apply(([spec, credentials]) => ({ spec, credentials }))),
        fingerprintKey: pulumi.secret(args.fingerprintKey),
        ...(dry ? { retire: args.retire, held: args.held } : { retire: {}, held: {}, __retire: args.retire }),
        planId: args.planId,
        ...(args.reportPath !== undefined ? { reportPath: args.reportPath } : {}),
        retired: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["connections", "destination", "fingerprintKey"] }),
      "vault-migration",
      "SourceRetirement",
    );
  }
}
