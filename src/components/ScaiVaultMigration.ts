import type * as pulumi from "@pulumi/pulumi";
import type { ScaiVaultDestinationSpec } from "../migration/destinations";
import { Migration } from "./Migration";
import type { MigrationCommonArgs } from "./migrationArgs";

export interface ScaiVaultMigrationArgs extends MigrationCommonArgs {
  destination: pulumi.Input<Omit<ScaiVaultDestinationSpec, "kind">>;
  /** A ScaiVault token with `secrets:read|write|list` (+ `delete` for removals) and `federation:read`. A Pulumi secret. */
  token: pulumi.Input<string>;
}

/**
 * A {@link Migration} into ScaiVault, with typed arguments: paths mapped to ScaiVault's grammar,
 * markers as tags, one PUT (one new version) per changed secret, paced under the rate limits.
 */
export class ScaiVaultMigration extends Migration {
  constructor(name: string, args: ScaiVaultMigrationArgs, opts?: pulumi.ComponentResourceOptions) {
    const { destination, token, ...common } = args;
    super(name, { ...common, destination: { kind: "scaivault", spec: destination, credentials: { token } } }, opts);
  }
}
