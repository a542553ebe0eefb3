import * as pulumi from "@pulumi/pulumi";
import type { KeyVaultCredentialSpec } from "../clients/keyvault/credentials";
import { createMapper, keyVaultNaming, type DeletionPolicy, type ExistingPolicy, type MappingRule, type Plan } from "../engine";
import { openDestination, validateDestinationSpec, type KeyVaultDestinationSpec } from "../migration/destinations";
import { encodePending, type PendingChanges } from "../migration/pendingChanges";
import { planRun } from "../migration/planRun";
import { withDefaults, type MigrationSettings } from "../migration/settings";
import { VaultSource } from "../migration/vaultSource";
import { SecretMigration, type MigrationSummary } from "../resources/SecretMigration";
import { vaultConnectionInputs, type VaultConnectionArgs } from "../resources/vaultResourceInputs";

export interface KeyVaultMigrationArgs {
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
  destination: pulumi.Input<Omit<KeyVaultDestinationSpec, "kind">>;
  /** How to authenticate to Key Vault (`{ type: "default" }` = DefaultAzureCredential). A Pulumi secret. */
  credential: pulumi.Input<KeyVaultCredentialSpec>;
  /** Per-stack key of the keyed fingerprints written as markers (≥ 16 bytes). A Pulumi secret. */
  fingerprintKey: pulumi.Input<string>;
  /** Path globs → name templates (first match wins; default seed 003's `{mount}/{path}`), include/exclude globs. */
  mapping?: { rules?: MappingRule[]; include?: string[]; exclude?: string[] };
  /** A destination secret this migration did not write: `fail` (default) at preview, `adopt` or `overwrite`. */
  existing?: ExistingPolicy;
  /** Copies whose source is gone: `keep` (default, reported as orphaned) or `delete`. */
  deletionPolicy?: DeletionPolicy;
  unwrapKey?: string;
  /** custom_metadata key holding an expiry date or duration. */
  expiryKey?: string;
  /** Copies in flight (default 32). */
  concurrency?: number;
  /** Report files `<path>.json` and `<path>.md`, relative to the project. */
  reportPath?: string;
  /** `pulumi destroy`: `keep` the copies (default) or soft-`delete` them. */
  onDestroy?: "keep" | "delete";
  /** At most this many plan lines are logged one by one (the rest are counted). Default 200. */
  logLimit?: number;
}

/** Checks what can be checked before any network call; throws naming the argument. */
export function validateKeyVaultMigrationArgs(args: KeyVaultMigrationArgs): MigrationSettings {
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
    createMapper({ naming: keyVaultNaming, rules: settings.rules, include: settings.include, exclude: settings.exclude });
  } catch (e) {
    problems.push(`[mapping] ${(e as Error).message}`);
  }
  if (problems.length) throw new Error(`KeyVaultMigration: ${problems.join("; ")}`);
  return JSON.parse(JSON.stringify(settings)) as MigrationSettings; // drop undefined: it is a resource input
}

function summaryLine(plan: Plan): string {
  const c = plan.counts;
  return `plan: ${c.create} to create, ${c.update} to update, ${c.delete} to delete, ${plan.inSync} in sync, ${c.skip} skipped, ${c.orphan} orphaned, ${c.excluded} excluded`;
}

/**
 * Copies a part of Vault (KV v1 or v2) into one Azure Key Vault. During `pulumi preview` it plans
 * from metadata (KV v2) or in-memory fingerprints (KV v1) against the vault's markers and shows each
 * pending secret, with its reason, in the diff and the log; bad input, collisions, secrets that are
 * not ours and oversize values fail the preview before anything is written. `pulumi up` then copies
 * exactly the pending secrets, verifies each and writes a report; with nothing pending it writes
 * nothing.
 */
export class KeyVaultMigration extends pulumi.ComponentResource {
  readonly pending: pulumi.Output<PendingChanges>;
  readonly summary: pulumi.Output<MigrationSummary>;
  readonly drift: pulumi.Output<PendingChanges>;

  constructor(name: string, args: KeyVaultMigrationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vault-migration:migration:KeyVaultMigration", name, {}, opts);
    const settings = validateKeyVaultMigrationArgs(args);
    const destination = pulumi.output(args.destination).apply((d): KeyVaultDestinationSpec => {
      const spec = JSON.parse(JSON.stringify({ kind: "azure-keyvault", ...d })) as KeyVaultDestinationSpec;
      const problems = validateDestinationSpec(spec);
      if (problems.length) throw new Error(`KeyVaultMigration ${name}: ${problems.join("; ")}`);
      return spec;
    });
    const credentials = pulumi.output(args.credential).apply((credential) => ({ kind: "azure-keyvault" as const, credential }));
    const planConn = args.planConnection ?? args.source.connection;
    const limit = args.logLimit ?? 200;

    // The plan holds paths, names and reasons only, so it is safe to show although it was computed with secrets.
    this.pending = pulumi.unsecret(
      pulumi.all([pulumi.output(planConn), destination, credentials, pulumi.output(args.fingerprintKey)]).apply(async ([conn, dest, creds, key]) => {
        const source = await VaultSource.open(conn, settings);
        const d = openDestination(dest, creds, key, settings);
        try {
          const { plan, problems } = await planRun(source, d, settings, key, { checkValues: true });
          const refused = plan.items.filter((i) => i.action === "refuse");
          if (refused.length || problems.length) {
            const lines = [...refused.map((i) => `${i.sourcePath} → ${i.destinationName}: ${i.reason}${i.detail ? ` (${i.detail})` : ""}`), ...problems];
            throw new Error(`KeyVaultMigration ${name}: nothing was written; ${lines.length} problem(s):\n  - ${lines.join("\n  - ")}`);
          }
          pulumi.log.info(summaryLine(plan), this);
          const shown = [...plan.items, ...plan.skipped, ...plan.orphaned].slice(0, limit);
          for (const i of shown) pulumi.log.info(`${i.action} ${i.sourcePath} → ${i.destinationName}: ${i.reason}${i.detail ? ` (${i.detail})` : ""}`, this);
          const more = plan.items.length + plan.skipped.length + plan.orphaned.length - shown.length;
          if (more > 0) pulumi.log.info(`… and ${more} more (see the diff or the report)`, this);
          return encodePending(plan.items);
        } finally {
          await Promise.all([source.close(), d.close()]);
        }
      }),
    );

    const src = vaultConnectionInputs(args.source.connection);
    const run = new SecretMigration(
      name,
      {
        sourceEndpoint: src.endpoint,
        sourceAuth: src.auth,
        settings,
        destination,
        destinationCredentials: credentials,
        fingerprintKey: args.fingerprintKey,
        pending: this.pending,
        reportPath: args.reportPath,
        onDestroy: args.onDestroy,
      },
      { parent: this },
    );
    this.summary = run.summary;
    this.drift = run.drift;
    this.registerOutputs({ pending: this.pending, summary: this.summary, drift: this.drift });
  }
}
