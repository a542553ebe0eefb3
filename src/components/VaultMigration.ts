import * as pulumi from "@pulumi/pulumi";
import { vaultKvNaming } from "../engine";
import { validateDestinationSpec, type VaultDestinationSpec } from "../migration/destinations";
import type { MigrationSettings } from "../migration/settings";
import { vaultConnectionInputs, type VaultConnectionArgs } from "../resources/vaultResourceInputs";
import { asComponentError, checkedDestination, MigrationComponent, type MigrationCommonArgs, validateMigrationArgs } from "./migrationPlanning";

export interface VaultMigrationArgs extends MigrationCommonArgs {
  destination: {
    /** The destination server (another cluster, or another namespace of the same one) and its token or AppRole. */
    connection: pulumi.Input<VaultConnectionArgs>;
    /** KV mount in the destination. */
    mount: string;
    /** Detected when omitted. */
    kvVersion?: 1 | 2;
    /** Folder the names are written under. */
    prefix?: string;
    /** KV v2 → KV v2: copy custom_metadata, max_versions, cas_required, delete_version_after. Default true. */
    copyMetadata?: boolean;
    /** KV v2 → KV v2: write every live source version in order, not only the current one. Default false. */
    replayVersions?: boolean;
  };
}

/** Checks what can be checked before any network call; throws naming the argument. */
export function validateVaultMigrationArgs(args: VaultMigrationArgs): MigrationSettings {
  // The address comes with the connection (an Input), checked once resolved.
  const { connection: _c, ...d } = args.destination ?? { mount: "" };
  const problems = validateDestinationSpec({ kind: "vault", address: "https://address.checked.later", ...d }, "destination");
  if (problems.length) throw new Error(`VaultMigration: ${problems.join("; ")}`);
  return validateMigrationArgs("VaultMigration", args, vaultKvNaming);
}

/**
 * Copies a part of Vault (KV v1 or v2) into a KV mount of another Vault/OpenBao cluster or
 * namespace, with markers in custom_metadata (KV v2) and, KV v2 to KV v2, the source's metadata
 * settings and optionally its version history. Plans at `pulumi preview` like `KeyVaultMigration`;
 * `pulumi up` writes with check-and-set, verifies each copy and writes a report.
 */
export class VaultMigration extends MigrationComponent {
  constructor(name: string, args: VaultMigrationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vault-migration:migration:VaultMigration", name, {}, opts);
    const label = "VaultMigration";
    const settings = asComponentError(this, () => validateVaultMigrationArgs(args));
    const { connection, ...rest } = args.destination;
    const conn = vaultConnectionInputs(connection);
    const destination = conn.endpoint.apply((e) => checkedDestination<VaultDestinationSpec>(this, label, name, { kind: "vault", ...e, ...rest }));
    const credentials = conn.auth.apply((auth) => ({ kind: "vault" as const, auth }));
    this.migrate({ label, name, args, settings, destination, credentials });
  }
}
