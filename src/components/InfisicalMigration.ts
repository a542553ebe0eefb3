import type * as pulumi from "@pulumi/pulumi";
import type { InfisicalCredentials, InfisicalDestinationSpec } from "../migration/destinations";
import { Migration } from "./Migration";
import type { MigrationCommonArgs } from "./migrationArgs";

export interface InfisicalMigrationArgs extends MigrationCommonArgs {
  destination: pulumi.Input<Omit<InfisicalDestinationSpec, "kind">>;
  /** The machine identity's universal-auth client ID and secret, or an access token. A Pulumi secret. */
  auth: pulumi.Input<InfisicalCredentials["auth"]>;
}

/**
 * A {@link Migration} into Infisical projects, with typed arguments: one project per KV mount or per
 * namespace (or as rules say), multi-key secrets as folders of keys (or JSON), markers in
 * secretMetadata, whitespace-edged values refused at preview.
 */
export class InfisicalMigration extends Migration {
  constructor(name: string, args: InfisicalMigrationArgs, opts?: pulumi.ComponentResourceOptions) {
    const { destination, auth, ...common } = args;
    super(name, { ...common, destination: { kind: "infisical", spec: destination, credentials: { auth } } }, opts);
  }
}
