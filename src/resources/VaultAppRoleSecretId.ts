import * as pulumi from "@pulumi/pulumi";
import { moduleReference } from "./byReference";
import { ProviderByReference } from "./providerByReference";
import { isVaultApiError } from "../clients/vault/errors";
import { validateVaultConnection } from "../clients/vault/connection";
import { configuredPathProblem } from "../engine/paths";
import { parseDurationSeconds } from "./durations";
import { checkFailure, endpointReplaces, requireProps, withVault } from "./vaultProviderSupport";
import { vaultResourceConnection, vaultSecretOutputs, type VaultConnectionArgs, type VaultConnectionProps } from "./vaultResourceInputs";

export interface VaultAppRoleSecretIdArgs {
  connection: pulumi.Input<VaultConnectionArgs>;
  /** AppRole auth mount path. Default `approle`. */
  mount?: pulumi.Input<string>;
  roleName: pulumi.Input<string>;
  /** Any change to this value issues a new secret_id and destroys the old one. */
  rotationTrigger?: pulumi.Input<string>;
  /** Key/value metadata attached to the secret_id (shows in Vault's audit log and token metadata). */
  metadata?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  cidrList?: pulumi.Input<pulumi.Input<string>[]>;
  /** Seconds or a duration; 0/unset = the role's `secret_id_ttl`. */
  ttl?: pulumi.Input<number | string>;
  /** 0/unset = the role's `secret_id_num_uses`. */
  numUses?: pulumi.Input<number>;
}

interface SecretIdProps extends VaultConnectionProps {
  mount: string;
  roleName: string;
  rotationTrigger?: string;
  metadata?: Record<string, string>;
  cidrList?: string[];
  ttl?: number;
  numUses?: number;
  secretId?: string;
  accessor?: string;
}

const rolePath = (p: { mount: string; roleName: string }): string => `auth/${p.mount}/role/${encodeURIComponent(p.roleName)}`;

/** Needs `update` on `auth/<mount>/role/<name>/secret-id` and on `secret-id-accessor/{lookup,destroy}`. */
export class VaultAppRoleSecretIdProvider implements pulumi.dynamic.ResourceProvider<SecretIdProps, SecretIdProps> {
  async check(_olds: SecretIdProps, news: SecretIdProps): Promise<pulumi.dynamic.CheckResult<SecretIdProps>> {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    for (const p of validateVaultConnection({ ...news.endpoint, auth: news.auth })) failures.push(checkFailure("connection", p));
    if (!news.roleName?.trim()) failures.push(checkFailure("roleName", "[roleName] must not be empty"));
    const mountProblem = news.mount ? configuredPathProblem(news.mount, true) : undefined;
    if (mountProblem) failures.push(checkFailure("mount", `[mount] ${mountProblem}`));
    let ttl: number | undefined;
    try {
      ttl = parseDurationSeconds(news.ttl);
    } catch (e) {
      failures.push(checkFailure("ttl", `[ttl] ${(e as Error).message}`));
    }
    const inputs: SecretIdProps = { ...news, mount: (news.mount || "approle").replace(/^\/+|\/+$/g, "") };
    if (ttl !== undefined) inputs.ttl = ttl;
    return { inputs, failures };
  }

  async diff(_id: string, olds: SecretIdProps, news: SecretIdProps): Promise<pulumi.dynamic.DiffResult> {
    // A secret_id cannot be edited: anything that shapes it issues a new one.
    const replaces = endpointReplaces(olds, news);
    for (const k of ["mount", "roleName", "rotationTrigger", "metadata", "cidrList", "ttl", "numUses"] as const) {
      if (JSON.stringify(olds[k] ?? null) !== JSON.stringify(news[k] ?? null)) replaces.push(k);
    }
    const changes = replaces.length > 0 || JSON.stringify(olds.auth) !== JSON.stringify(news.auth);
    return { changes, replaces };
  }

  async create(inputs: SecretIdProps): Promise<pulumi.dynamic.CreateResult<SecretIdProps>> {
    const body: Record<string, unknown> = {};
    if (inputs.metadata) body.metadata = JSON.stringify(inputs.metadata);
    if (inputs.cidrList?.length) body.cidr_list = inputs.cidrList;
    if (inputs.ttl) body.ttl = inputs.ttl;
    if (inputs.numUses) body.num_uses = inputs.numUses;
    // Not idempotent: never retried, so a failure cannot leave two secret_ids behind.
    const res = await withVault(inputs, (v) => v.request<{ data: { secret_id: string; secret_id_accessor: string } }>("POST", `${rolePath(inputs)}/secret-id`, { body, idempotent: false }));
    if (!res?.data?.secret_id_accessor) throw new Error(`Vault issued no secret_id for AppRole ${inputs.roleName}`);
    return { id: res.data.secret_id_accessor, outs: { ...inputs, secretId: res.data.secret_id, accessor: res.data.secret_id_accessor } };
  }

  async read(id: string, current?: SecretIdProps): Promise<pulumi.dynamic.ReadResult<SecretIdProps>> {
    const props = requireProps(current);
    const alive = await withVault(props, async (v) => {
      try {
        const res = await v.request<{ data?: unknown }>("POST", `${rolePath(props)}/secret-id-accessor/lookup`, { body: { secret_id_accessor: id }, idempotent: true, allow: [404] });
        return Boolean(res?.data);
      } catch (e) {
        // Vault answers an unknown accessor with an error rather than a 404 on some versions.
        if (isVaultApiError(e) && /failed to find|not found|invalid accessor/i.test(e.errors.join(" "))) return false;
        throw e;
      }
    });
    if (!alive) return {};
    const { secretId: _s, accessor: _a, ...inputs } = props;
    return { id, props, inputs };
  }

  async update(_id: string, olds: SecretIdProps, news: SecretIdProps): Promise<pulumi.dynamic.UpdateResult<SecretIdProps>> {
    // Only the connection's credentials changed: keep the issued secret_id.
    return { outs: { ...news, secretId: olds.secretId, accessor: olds.accessor } };
  }

  async delete(id: string, props: SecretIdProps): Promise<void> {
    await withVault(props, async (v) => {
      try {
        await v.request("POST", `${rolePath(props)}/secret-id-accessor/destroy`, { body: { secret_id_accessor: id }, idempotent: true, allow: [404] });
      } catch (e) {
        if (isVaultApiError(e) && /failed to find|not found|invalid accessor|role .* does not exist/i.test(e.errors.join(" "))) return;
        throw e;
      }
    });
  }
}

/** A secret_id issued for an AppRole. `secretId` is a Pulumi secret; `accessor` is not. */
export class VaultAppRoleSecretId extends pulumi.dynamic.Resource {
  declare readonly secretId: pulumi.Output<string>;
  declare readonly accessor: pulumi.Output<string>;

  constructor(name: string, args: VaultAppRoleSecretIdArgs, opts?: pulumi.CustomResourceOptions) {
    const { endpoint, auth, caBundle } = vaultResourceConnection(args.connection);
    super(
      // By reference: the provider and its Vault client stay out of the state (see byReference.ts).
      new ProviderByReference<SecretIdProps, SecretIdProps>(moduleReference(__filename), "VaultAppRoleSecretIdProvider"),
      name,
      {
        endpoint,
        auth,
        caBundle,
        mount: args.mount,
        roleName: args.roleName,
        rotationTrigger: args.rotationTrigger,
        metadata: args.metadata,
        cidrList: args.cidrList,
        ttl: args.ttl,
        numUses: args.numUses,
        secretId: undefined,
        accessor: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: [...vaultSecretOutputs, "secretId"] }),
      "vault-migration",
      "VaultAppRoleSecretId",
    );
  }
}
