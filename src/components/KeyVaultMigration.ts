import * as pulumi from "@pulumi/pulumi";
import type { KeyVaultCredentialSpec } from "../clients/keyvault/credentials";
import { keyVaultNaming } from "../engine";
import type { KeyVaultDestinationSpec } from "../migration/destinations";
import type { MigrationSettings } from "../migration/settings";
import { asComponentError, checkedDestination, MigrationComponent, type MigrationCommonArgs, validateMigrationArgs } from "./migrationPlanning";

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
export class KeyVaultMigration extends MigrationComponent {
  constructor(name: string, args: KeyVaultMigrationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vault-migration:migration:KeyVaultMigration", name, {}, opts);
    const label = "KeyVaultMigration";
    const settings = asComponentError(this, () => validateKeyVaultMigrationArgs(args));
    const destination = pulumi.output(args.destination).apply((d) => checkedDestination<KeyVaultDestinationSpec>(this, label, name, { kind: "azure-keyvault", ...d }));
    const credentials = pulumi.output(args.credential).apply((credential) => ({ kind: "azure-keyvault" as const, credential }));
    this.migrate({ label, name, args, settings, destination, credentials });
  }
}
