import * as pulumi from "@pulumi/pulumi";
import { VaultAppRole } from "../resources/VaultAppRole";
import { VaultAppRoleSecretId } from "../resources/VaultAppRoleSecretId";
import { VaultAuthMount } from "../resources/VaultAuthMount";
import { VaultPolicy } from "../resources/VaultPolicy";
import type { VaultConnectionArgs } from "../resources/vaultResourceInputs";
import { renderInfisicalSyncPolicy, type InfisicalSyncPolicyTarget } from "./infisicalSyncPolicy";

export interface InfisicalSyncWriterArgs {
  /** An admin connection to the Vault the sync writes (creates the policy and the role). */
  connection: pulumi.Input<VaultConnectionArgs>;
  /** The secrets the sync(s) write: the policy grants these and nothing else. */
  targets: InfisicalSyncPolicyTarget[];
  /** Default: the component's name, lower-cased. */
  policyName?: string;
  /** Default: the component's name. */
  roleName?: string;
  /** Manage the AppRole auth mount at `approle` too. Default false (it usually exists). */
  manageAuthMount?: boolean;
  /** What makes the `approle` mount when another part of the stack manages it (the stack's MigrationReader): the role waits for it. */
  authMountFrom?: pulumi.Resource;
  /** Any change issues a new secret_id (the connection's credentials then update in place). */
  rotationTrigger?: pulumi.Input<string>;
  /** Seed 002's values by default: the sync logs in for every run, so short tokens suffice. */
  tokenTtl?: pulumi.Input<number | string>;
  tokenMaxTtl?: pulumi.Input<number | string>;
}

/**
 * The Vault side of an Infisical sync (seed 002 as code): a least-privilege policy on the sync's own
 * path(s) and `sys/mounts`, an AppRole at `approle` (the one mount Infisical logs in at) holding
 * it, and a secret_id, for an InfisicalVaultConnection's roleId/secretId.
 */
export class InfisicalSyncWriter extends pulumi.ComponentResource {
  readonly policy: string;
  readonly policyName: pulumi.Output<string>;
  readonly roleId: pulumi.Output<string>;
  /** A Pulumi secret. */
  readonly secretId: pulumi.Output<string>;

  constructor(name: string, args: InfisicalSyncWriterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vault-migration:infisical:InfisicalSyncWriter", name, {}, opts);
    this.policy = renderInfisicalSyncPolicy(args.targets);
    const opt = { parent: this };
    const policy = new VaultPolicy(`${name}-policy`, { connection: args.connection, name: args.policyName ?? name.toLowerCase(), policy: this.policy }, opt);
    const mount = args.manageAuthMount ? new VaultAuthMount(`${name}-approle`, { connection: args.connection, path: "approle", type: "approle", description: "AppRole logins (Infisical sync)" }, opt) : undefined;
    const role = new VaultAppRole(
      `${name}-role`,
      { connection: args.connection, mount: "approle", roleName: args.roleName ?? name, tokenPolicies: [policy.name], tokenTtl: args.tokenTtl ?? "30s", tokenMaxTtl: args.tokenMaxTtl ?? "2m" },
      { parent: this, dependsOn: [policy, ...(mount ? [mount] : []), ...(args.authMountFrom ? [args.authMountFrom] : [])] },
    );
    const sid = new VaultAppRoleSecretId(`${name}-secret-id`, { connection: args.connection, mount: "approle", roleName: role.roleName, rotationTrigger: args.rotationTrigger, metadata: { purpose: "infisical secret sync" } }, opt);
    this.policyName = policy.name;
    this.roleId = role.roleId;
    this.secretId = pulumi.secret(sid.secretId);
    this.registerOutputs({ policyName: this.policyName, roleId: this.roleId });
  }
}
