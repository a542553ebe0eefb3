import * as pulumi from "@pulumi/pulumi";
import type { KeyVaultCredentialSpec } from "../clients/keyvault/credentials";
import { keyVaultNaming } from "../engine";
import { validateDestinationSpec, type KeyVaultDestinationSpec } from "../migration/destinations";
import type { PendingChanges } from "../migration/pendingChanges";
import type { MigrationSettings } from "../migration/settings";
import type { MigrationSummary } from "../resources/SecretMigration";
import { asComponentError, componentError, type MigrationCommonArgs, planAndMigrate, validateMigrationArgs } from "./migrationPlanning";

export interface KeyVaultMigrationArgs extends MigrationCommonArgs {
  destination: pulumi.Input<Omit<KeyVaultDestinationSpec, "kind">>;
  /** How to authenticate to Key Vault (`{ type: "default" }` = DefaultAzureCredential). A Pulumi secret. */
  credential: pulumi.Input<KeyVaultCredentialSpec>;
  unwrapKey?: string;
  /** custom_metadata key holding an expiry date or duration. */
  expiryKey?: string;
}

/** Checks what can be checked before any network call; throws naming the argument. */
export function validateKeyVaultMigrationArgs(args: KeyVaultMigrationArgs): MigrationSettings {
  return validateMigrationArgs("KeyVaultMigration", args, keyVaultNaming);
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
    const settings = asComponentError(this, () => validateKeyVaultMigrationArgs(args));
    const destination = pulumi.output(args.destination).apply((d): KeyVaultDestinationSpec => {
      const spec = JSON.parse(JSON.stringify({ kind: "azure-keyvault", ...d })) as KeyVaultDestinationSpec;
      const problems = validateDestinationSpec(spec);
      if (problems.length) throw componentError(this, `KeyVaultMigration ${name}: ${problems.join("; ")}`);
      return spec;
    });
    const credentials = pulumi.output(args.credential).apply((credential) => ({ kind: "azure-keyvault" as const, credential }));
    const out = planAndMigrate({ label: "KeyVaultMigration", name, parent: this, args, settings, destination, credentials });
    this.pending = out.pending;
    this.summary = out.summary;
    this.drift = out.drift;
    this.registerOutputs({ pending: this.pending, summary: this.summary, drift: this.drift });
  }
}
