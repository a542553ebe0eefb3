import * as pulumi from "@pulumi/pulumi";
import type { VaultAuth } from "../clients/vault/connection";
import { configuredPathProblem } from "../engine/paths";
import { VaultAppRole } from "../resources/VaultAppRole";
import { VaultAppRoleSecretId } from "../resources/VaultAppRoleSecretId";
import { VaultAuthMount } from "../resources/VaultAuthMount";
import { VaultPolicy } from "../resources/VaultPolicy";
import type { VaultConnectionArgs } from "../resources/vaultResourceInputs";
import { warnInsecureTransport } from "./connectionWarnings";
import { renderReaderPolicy, renderRetirePolicy, validateReaderSources, type ReaderSource } from "./readerPolicy";

export interface MigrationReaderArgs {
  /** An administrative connection allowed to write policies, auth mounts and roles. */
  connection: pulumi.Input<VaultConnectionArgs>;
  /** What the reader may read. */
  sources: ReaderSource[];
  /** Policy name. Default: the component's name. */
  policyName?: string;
  /** AppRole name. Default: the component's name. */
  roleName?: string;
  /** AppRole auth mount path. Default `approle`. */
  authMountPath?: string;
  /** Enable the auth mount (an existing one is refused unless `adopt.authMount`). Default true. */
  manageAuthMount?: boolean;
  /**
   * Objects of the same name that exist already and this stack should take over (and leave in place
   * on destroy). Anything else that exists is refused before any write. Dynamic implementation only.
   */
  adopt?: ReaderAdoption;
  /** Default `"1h"`. */
  tokenTtl?: pulumi.Input<number | string>;
  /** Default `"4h"`. */
  tokenMaxTtl?: pulumi.Input<number | string>;
  /** Default `"24h"`: a leaked secret_id stops working by itself. */
  secretIdTtl?: pulumi.Input<number | string>;
  secretIdNumUses?: pulumi.Input<number>;
  secretIdBoundCidrs?: pulumi.Input<pulumi.Input<string>[]>;
  tokenBoundCidrs?: pulumi.Input<pulumi.Input<string>[]>;
  /** Change to rotate the secret_id. */
  rotationTrigger?: pulumi.Input<string>;
  /**
   * `dynamic` (default): this project's own Vault providers, no plugin needed.
   * `pulumi-vault`: the same graph from `@pulumi/vault` resources, for users who can install its plugin.
   */
  implementation?: "dynamic" | "pulumi-vault";
  /**
   * Also create the retire identity for `cutover.retireSource`: a separate policy
   * `<policyName>-retire` (KV v2 soft delete, KV v1 delete over the same sources; no read), an
   * AppRole `<roleName>-retire` bound to it and its secret_id, as `retireConnection`. Default false.
   */
  retire?: boolean;
}

/** Which of the reader's objects may be adopted when they exist already. Default: none. */
export interface ReaderAdoption {
  policy?: boolean;
  role?: boolean;
  authMount?: boolean;
}

/** Validates the component's arguments before anything is created; messages name the argument. */
export function validateMigrationReaderArgs(args: MigrationReaderArgs): void {
  const problems = validateReaderSources(args.sources);
  if (args.authMountPath !== undefined) {
    const mountProblem = configuredPathProblem(args.authMountPath, true);
    if (mountProblem) problems.push(`[authMountPath] ${mountProblem}`);
  }
  if (args.policyName !== undefined && !/^[a-z0-9][a-z0-9_.@-]*$/.test(args.policyName)) problems.push(`[policyName] must be a lower-case Vault policy name: ${args.policyName}`);
  if (args.policyName === "root" || args.policyName === "default") problems.push(`[policyName] "${args.policyName}" is built in`);
  if (args.implementation && args.implementation !== "dynamic" && args.implementation !== "pulumi-vault") problems.push(`[implementation] must be "dynamic" or "pulumi-vault"`);
  // @pulumi/vault resources cannot adopt: they take an existing object over through `pulumi import`.
  if (args.implementation === "pulumi-vault" && Object.values(args.adopt ?? {}).some((x) => x === true)) problems.push('[adopt] needs implementation "dynamic"; with "pulumi-vault", bring existing objects in with `pulumi import`');
  if (args.retire && args.implementation === "pulumi-vault") problems.push('[retire] needs implementation "dynamic"');
  if (problems.length) throw new Error(`MigrationReader: ${problems.join("; ")}`);
}

/**
 * A least-privilege Vault reader for a migration: a read/list-only policy over the chosen KV
 * mounts and prefixes, an AppRole bound to it, and a secret_id. `readerConnection` is a ready
 * connection (AppRole auth, a Pulumi secret) for the migration resources.
 */
export class MigrationReader extends pulumi.ComponentResource {
  readonly policyName: pulumi.Output<string>;
  readonly policy: string;
  readonly roleName: pulumi.Output<string>;
  readonly roleId: pulumi.Output<string>;
  readonly secretId: pulumi.Output<string>;
  readonly secretIdAccessor: pulumi.Output<string>;
  /** Connection that logs in as the reader. Secret, because it holds the secret_id. */
  readonly readerConnection: pulumi.Output<VaultConnectionArgs>;
  /** With `retire`: the retire policy's text and a connection that logs in as the retire AppRole (secret). */
  readonly retirePolicy?: string;
  readonly retireConnection?: pulumi.Output<VaultConnectionArgs>;

  constructor(name: string, args: MigrationReaderArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vault-migration:vault:MigrationReader", name, {}, opts);
    validateMigrationReaderArgs(args);
    warnInsecureTransport("vault", args.connection, this);
    const policyName = args.policyName ?? name.toLowerCase();
    const roleName = args.roleName ?? name;
    const mountPath = (args.authMountPath ?? "approle").replace(/^\/+|\/+$/g, "");
    this.policy = renderReaderPolicy(args.sources);
    const role = {
      tokenPolicies: [policyName],
      tokenTtl: args.tokenTtl ?? "1h",
      tokenMaxTtl: args.tokenMaxTtl ?? "4h",
      secretIdTtl: args.secretIdTtl ?? "24h",
      secretIdNumUses: args.secretIdNumUses ?? 0,
      secretIdBoundCidrs: args.secretIdBoundCidrs,
      tokenBoundCidrs: args.tokenBoundCidrs,
    };

    let roleId: pulumi.Output<string>;
    let secretId: pulumi.Output<string>;
    let accessor: pulumi.Output<string>;
    if ((args.implementation ?? "dynamic") === "dynamic") {
      const opt = { parent: this };
      const adopt = args.adopt ?? {};
      const policy = new VaultPolicy(`${name}-policy`, { connection: args.connection, name: policyName, policy: this.policy, adopt: adopt.policy === true }, opt);
      const mount = args.manageAuthMount === false ? undefined : new VaultAuthMount(`${name}-approle`, { connection: args.connection, path: mountPath, type: "approle", description: "AppRole logins (vault-migration)", adopt: adopt.authMount === true }, opt);
      const appRole = new VaultAppRole(`${name}-role`, { connection: args.connection, mount: mountPath, roleName, ...role, adopt: adopt.role === true }, { parent: this, dependsOn: [policy, ...(mount ? [mount] : [])] });
      const sid = new VaultAppRoleSecretId(`${name}-secret-id`, { connection: args.connection, mount: mountPath, roleName: appRole.roleName, rotationTrigger: args.rotationTrigger, metadata: { purpose: "vault-migration reader" } }, opt);
      this.policyName = policy.name;
      this.roleName = appRole.roleName;
      roleId = appRole.roleId;
      secretId = sid.secretId;
      accessor = sid.accessor;
      if (args.retire) {
        // A separate policy and role: the reader never gains delete, the retire identity never reads.
        this.retirePolicy = renderRetirePolicy(args.sources);
        const retirePolicy = new VaultPolicy(`${name}-retire-policy`, { connection: args.connection, name: `${policyName}-retire`, policy: this.retirePolicy }, opt);
        const retireRole = new VaultAppRole(`${name}-retire-role`, { connection: args.connection, mount: mountPath, roleName: `${roleName}-retire`, ...role, tokenPolicies: [`${policyName}-retire`] }, { parent: this, dependsOn: [retirePolicy, ...(mount ? [mount] : [])] });
        const retireSid = new VaultAppRoleSecretId(`${name}-retire-secret-id`, { connection: args.connection, mount: mountPath, roleName: retireRole.roleName, rotationTrigger: args.rotationTrigger, metadata: { purpose: "vault-migration retire" } }, opt);
        this.retireConnection = appRoleConnection(args.connection, retireRole.roleId, retireSid.secretId, mountPath);
      }
    } else {
      // Required lazily: users of the default implementation never load the @pulumi/vault SDK.
      const vault = require("@pulumi/vault") as typeof import("@pulumi/vault");
      const provider = pulumiVaultProvider(vault, `${name}-vault`, args.connection, this);
      const opt = { parent: this, provider };
      const policy = new vault.Policy(`${name}-policy`, { name: policyName, policy: this.policy }, opt);
      const mount = args.manageAuthMount === false ? undefined : new vault.AuthBackend(`${name}-approle`, { type: "approle", path: mountPath, description: "AppRole logins (vault-migration)" }, opt);
      const appRole = new vault.approle.AuthBackendRole(
        `${name}-role`,
        { backend: mount ? mount.path : mountPath, roleName, tokenPolicies: [policy.name], tokenTtl: seconds(role.tokenTtl), tokenMaxTtl: seconds(role.tokenMaxTtl), secretIdTtl: seconds(role.secretIdTtl), secretIdNumUses: role.secretIdNumUses, bindSecretId: true, secretIdBoundCidrs: role.secretIdBoundCidrs, tokenBoundCidrs: role.tokenBoundCidrs },
        opt,
      );
      const sid = new vault.approle.AuthBackendRoleSecretId(`${name}-secret-id`, { backend: appRole.backend.apply((b) => b ?? mountPath), roleName: appRole.roleName, metadata: JSON.stringify({ purpose: "vault-migration reader" }) }, { ...opt, additionalSecretOutputs: ["secretId"] });
      this.policyName = policy.name;
      this.roleName = appRole.roleName;
      roleId = appRole.roleId;
      secretId = pulumi.secret(sid.secretId);
      accessor = sid.accessor;
    }
    this.roleId = roleId;
    this.secretId = secretId;
    this.secretIdAccessor = accessor;
    this.readerConnection = appRoleConnection(args.connection, roleId, secretId, mountPath);
    this.registerOutputs({ policyName: this.policyName, roleName: this.roleName, roleId: this.roleId, secretId: this.secretId, secretIdAccessor: accessor });
  }
}

/** A connection to the same server that logs in with an AppRole (a secret: it holds the secret_id). */
function appRoleConnection(conn: pulumi.Input<VaultConnectionArgs>, roleId: pulumi.Output<string>, secretId: pulumi.Output<string>, mountPath: string): pulumi.Output<VaultConnectionArgs> {
  return pulumi.secret(
    pulumi.all([pulumi.output(conn), roleId, secretId]).apply(([c, rid, sidv]) => {
      const auth: VaultAuth = { method: "approle", roleId: rid, secretId: sidv, mount: mountPath };
      const out: VaultConnectionArgs = { address: c.address, auth };
      if (c.namespace) out.namespace = c.namespace;
      if (c.caCertPem) out.caCertPem = c.caCertPem;
      if (c.insecureSkipTlsVerify) out.insecureSkipTlsVerify = true;
      return out;
    }),
  );
}

function seconds(v: pulumi.Input<number | string>): pulumi.Output<number> {
  return pulumi.output(v).apply((x) => {
    const { parseDurationSeconds } = require("../resources/durations") as typeof import("../resources/durations");
    return parseDurationSeconds(x) ?? 0;
  });
}

/** A `@pulumi/vault` provider for the same connection (token auth, or AppRole through `authLogin`). */
function pulumiVaultProvider(vault: typeof import("@pulumi/vault"), name: string, conn: pulumi.Input<VaultConnectionArgs>, parent: pulumi.Resource): import("@pulumi/vault").Provider {
  const c = pulumi.output(conn);
  return new vault.Provider(
    name,
    {
      address: c.address,
      namespace: c.apply((x) => x.namespace) as pulumi.Output<string>,
      skipTlsVerify: c.apply((x) => x.insecureSkipTlsVerify ?? false),
      skipChildToken: true,
      token: pulumi.secret(c.apply((x) => (x.auth.method === "token" ? x.auth.token : ""))),
      authLogin: c.apply((x) =>
        x.auth.method === "approle"
          ? { path: `auth/${x.auth.mount ?? "approle"}/login`, parameters: { role_id: x.auth.roleId, secret_id: x.auth.secretId } }
          : undefined,
      ) as pulumi.Output<import("@pulumi/vault").types.input.ProviderAuthLogin>,
    },
    { parent },
  );
}
