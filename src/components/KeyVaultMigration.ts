import type * as pulumi from "@pulumi/pulumi";
import type { KeyVaultCredentialSpec } from "../clients/keyvault/credentials";
import type { KeyVaultDestinationSpec } from "../migration/destinations";
import { Migration } from "./Migration";
import type { MigrationCommonArgs } from "./migrationArgs";

export interface KeyVaultMigrationArgs extends MigrationCommonArgs {
  destination: pulumi.Input<Omit<KeyVaultDestinationSpec, "kind">>;
  /** How to authenticate to Key Vault (`{ type: "default" }` = DefaultAzureCredential). A Pulumi secret. */
  credential: pulumi.Input<KeyVaultCredentialSpec>;
}

/**
 * A {@link Migration} into one Azure Key Vault, with typed arguments: markers and custom_metadata
 * as tags, multi-key secrets as JSON, oversize values refused at preview.
 */
export class KeyVaultMigration extends Migration {
  constructor(name: string, args: KeyVaultMigrationArgs, opts?: pulumi.ComponentResourceOptions) {
    const { destination, credential, ...common } = args;
    super(name, { ...common, destination: { kind: "azure-keyvault", spec: destination, credentials: { credential } } }, opts);
  }
}
