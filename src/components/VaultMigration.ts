import type * as pulumi from "@pulumi/pulumi";
import type { VaultDestinationSpec } from "../migration/destinations";
import { vaultConnectionInputs, type VaultConnectionArgs } from "../resources/vaultResourceInputs";
import { Migration } from "./Migration";
import type { MigrationCommonArgs } from "./migrationArgs";

export interface VaultMigrationArgs extends MigrationCommonArgs {
  destination: Omit<VaultDestinationSpec, "kind" | "address" | "namespace" | "caCertPem" | "insecureSkipTlsVerify"> & {
    /** The destination server (another cluster, or another namespace of the same one) and its token or AppRole. */
    connection: pulumi.Input<VaultConnectionArgs>;
  };
}

/**
 * A {@link Migration} into a KV mount of another Vault/OpenBao cluster or namespace, with typed
 * arguments: markers in custom_metadata (KV v2) and, KV v2 to KV v2, the source's metadata settings
 * and optionally its version history; writes with check-and-set.
 */
export class VaultMigration extends Migration {
  constructor(name: string, args: VaultMigrationArgs, opts?: pulumi.ComponentResourceOptions) {
    const { destination, ...common } = args;
    const { connection, ...rest } = destination;
    const conn = vaultConnectionInputs(connection);
    super(name, { ...common, destination: { kind: "vault", spec: conn.endpoint.apply((e) => ({ ...e, ...rest })), credentials: conn.auth.apply((auth) => ({ auth })) } }, opts);
  }
}
