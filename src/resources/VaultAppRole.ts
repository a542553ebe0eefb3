import * as pulumi from "@pulumi/pulumi";
import { moduleReference } from "./byReference";
import { ProviderByReference } from "./providerByReference";
import { validateVaultConnection } from "../clients/vault/connection";
import { configuredPathProblem } from "../engine/paths";
import { parseDurationSeconds } from "./durations";
import { checkFailure, endpointReplaces, existsAtPreview, leaveAdopted, notCreatedHere, requireProps, withVault } from "./vaultProviderSupport";
import { vaultResourceConnection, vaultSecretOutputs, type VaultConnectionArgs, type VaultConnectionProps } from "./vaultResourceInputs";

export interface VaultAppRoleArgs {
  connection: pulumi.Input<VaultConnectionArgs>;
  /** AppRole auth mount path. Default `approle`. */
  mount?: pulumi.Input<string>;
  roleName: pulumi.Input<string>;
  tokenPolicies: pulumi.Input<pulumi.Input<string>[]>;
  /** Seconds or a duration like `"1h"`. */
  tokenTtl?: pulumi.Input<number | string>;
  tokenMaxTtl?: pulumi.Input<number | string>;
  secretIdTtl?: pulumi.Input<number | string>;
  /** 0 = unlimited. */
  secretIdNumUses?: pulumi.Input<number>;
  /** Default true: a login needs a secret_id as well as the role_id. */
  bindSecretId?: pulumi.Input<boolean>;
  secretIdBoundCidrs?: pulumi.Input<pulumi.Input<string>[]>;
  tokenBoundCidrs?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Take over a role of this name that already exists (its settings are replaced by these) and
   * leave it in place on destroy. Default false: an existing role is refused before any write.
   */
  adopt?: pulumi.Input<boolean>;
}

/** The role's settings in Vault's own field names and units. */
interface RoleSettings {
  token_policies: string[];
  token_ttl: number;
  token_max_ttl: number;
  secret_id_ttl: number;
  secret_id_num_uses: number;
  bind_secret_id: boolean;
  secret_id_bound_cidrs: string[];
  token_bound_cidrs: string[];
}

interface AppRoleProps extends VaultConnectionProps {
  mount: string;
  roleName: string;
  tokenPolicies: string[];
  tokenTtl: number;
  tokenMaxTtl: number;
  secretIdTtl: number;
  secretIdNumUses: number;
  bindSecretId: boolean;
  secretIdBoundCidrs: string[];
  tokenBoundCidrs: string[];
  adopt?: boolean;
  roleId?: string;
  /** True when the role existed before this resource and was adopted; destroy then leaves it. */
  adopted?: boolean;
}

/** The stack program's switch for adopting the reader's role. */
const ADOPT_KEY = "reader.adopt.role";

type RawAppRoleProps = Omit<AppRoleProps, "tokenTtl" | "tokenMaxTtl" | "secretIdTtl"> & {
  tokenTtl?: number | string;
  tokenMaxTtl?: number | string;
  secretIdTtl?: number | string;
};

const rolePath = (p: { mount: string; roleName: string }): string => `auth/${p.mount}/role/${encodeURIComponent(p.roleName)}`;

function toSettings(p: AppRoleProps): RoleSettings {
  return {
    token_policies: p.tokenPolicies,
    token_ttl: p.tokenTtl,
    token_max_ttl: p.tokenMaxTtl,
    secret_id_ttl: p.secretIdTtl,
    secret_id_num_uses: p.secretIdNumUses,
    bind_secret_id: p.bindSecretId,
    secret_id_bound_cidrs: p.secretIdBoundCidrs,
    token_bound_cidrs: p.tokenBoundCidrs,
  };
}

async function roleExists(p: AppRoleProps): Promise<boolean> {
  return (await withVault(p, (v) => v.read<RoleSettings>(rolePath(p)))) !== undefined;
}

const roleLabel = (p: { mount: string; roleName: string }): string => `AppRole "${p.roleName}" at auth/${p.mount}`;

const sorted = (xs: string[] | null | undefined): string[] => [...(xs ?? [])].sort();

async function writeRole(p: AppRoleProps): Promise<string> {
  return withVault(p, async (v) => {
    await v.write(rolePath(p), toSettings(p), { idempotent: true });
    const res = await v.read<{ role_id: string }>(`${rolePath(p)}/role-id`);
    if (!res) throw new Error(`AppRole ${p.roleName} at auth/${p.mount} has no role-id after it was written`);
    return res.data.role_id;
  });
}

/** Needs `create`/`update`/`read`/`delete` on `auth/<mount>/role/<name>` and `read` on its `role-id`. */
export class VaultAppRoleProvider implements pulumi.dynamic.ResourceProvider<AppRoleProps, AppRoleProps> {
  async check(olds: AppRoleProps, raw: AppRoleProps): Promise<pulumi.dynamic.CheckResult<AppRoleProps>> {
    // Before check, TTLs are still as the user wrote them (seconds or "1h").
    const news = raw as unknown as RawAppRoleProps;
    const failures: pulumi.dynamic.CheckFailure[] = [];
    for (const p of validateVaultConnection({ ...news.endpoint, auth: news.auth })) failures.push(checkFailure("connection", p));
    if (!news.roleName?.trim()) failures.push(checkFailure("roleName", "[roleName] must not be empty"));
    else if (!/^[A-Za-z0-9_.-]+$/.test(news.roleName)) failures.push(checkFailure("roleName", `[roleName] may hold only letters, digits, '_', '-', '.': ${news.roleName}`));
    const mountProblem = news.mount ? configuredPathProblem(news.mount, true) : undefined;
    if (mountProblem) failures.push(checkFailure("mount", `[mount] ${mountProblem}`));
    const seconds = (prop: "tokenTtl" | "tokenMaxTtl" | "secretIdTtl"): number => {
      try {
        return parseDurationSeconds(news[prop]) ?? 0;
      } catch (e) {
        failures.push(checkFailure(prop, `[${prop}] ${(e as Error).message}`));
        return 0;
      }
    };
    const inputs: AppRoleProps = {
      ...news,
      mount: (news.mount || "approle").replace(/^\/+|\/+$/g, ""),
      tokenPolicies: sorted(news.tokenPolicies),
      tokenTtl: seconds("tokenTtl"),
      tokenMaxTtl: seconds("tokenMaxTtl"),
      secretIdTtl: seconds("secretIdTtl"),
      secretIdNumUses: news.secretIdNumUses ?? 0,
      bindSecretId: news.bindSecretId ?? true,
      secretIdBoundCidrs: sorted(news.secretIdBoundCidrs),
      tokenBoundCidrs: sorted(news.tokenBoundCidrs),
      adopt: news.adopt ?? false,
    };
    if (inputs.tokenMaxTtl && inputs.tokenTtl > inputs.tokenMaxTtl) failures.push(checkFailure("tokenTtl", "[tokenTtl] must not exceed [tokenMaxTtl]"));
    if (inputs.secretIdNumUses < 0) failures.push(checkFailure("secretIdNumUses", "[secretIdNumUses] must be 0 (unlimited) or more"));
    if (!inputs.bindSecretId && inputs.secretIdBoundCidrs.length === 0 && inputs.tokenBoundCidrs.length === 0) {
      failures.push(checkFailure("bindSecretId", "[bindSecretId] false needs a CIDR bound, or anyone with the role_id can log in"));
    }
    if (failures.length === 0 && (await existsAtPreview(olds, inputs, () => roleExists(inputs)))) failures.push(checkFailure("adopt", notCreatedHere(roleLabel(inputs), ADOPT_KEY)));
    return { inputs, failures };
  }

  async diff(_id: string, olds: AppRoleProps, news: AppRoleProps): Promise<pulumi.dynamic.DiffResult> {
    const replaces = endpointReplaces(olds, news);
    if (olds.mount !== news.mount) replaces.push("mount");
    if (olds.roleName !== news.roleName) replaces.push("roleName");
    const { roleId: _r, adopted: _a, ...o } = olds;
    const changes = replaces.length > 0 || JSON.stringify(o) !== JSON.stringify(news);
    return { changes, replaces };
  }

  async create(inputs: AppRoleProps): Promise<pulumi.dynamic.CreateResult<AppRoleProps>> {
    // Looked up before the first write: a POST would silently rewrite someone else's role.
    const exists = await roleExists(inputs);
    if (exists && !inputs.adopt) throw new Error(notCreatedHere(roleLabel(inputs), ADOPT_KEY));
    const roleId = await writeRole(inputs);
    return { id: `${inputs.mount}/${inputs.roleName}`, outs: { ...inputs, roleId, adopted: exists } };
  }

  async read(id: string, current?: AppRoleProps): Promise<pulumi.dynamic.ReadResult<AppRoleProps>> {
    const props = requireProps(current);
    const found = await withVault(props, async (v) => {
      const role = await v.read<RoleSettings>(rolePath(props));
      if (!role) return undefined;
      const rid = await v.read<{ role_id: string }>(`${rolePath(props)}/role-id`);
      return { role: role.data, roleId: rid?.data.role_id };
    });
    if (!found) return {};
    const r = found.role;
    const inputs: AppRoleProps = {
      ...props,
      tokenPolicies: sorted(r.token_policies),
      tokenTtl: r.token_ttl,
      tokenMaxTtl: r.token_max_ttl,
      secretIdTtl: r.secret_id_ttl,
      secretIdNumUses: r.secret_id_num_uses,
      bindSecretId: r.bind_secret_id,
      secretIdBoundCidrs: sorted(r.secret_id_bound_cidrs),
      tokenBoundCidrs: sorted(r.token_bound_cidrs),
    };
    delete inputs.roleId;
    delete inputs.adopted;
    return { id, props: { ...inputs, roleId: found.roleId, adopted: props.adopted ?? false }, inputs };
  }

  async update(_id: string, olds: AppRoleProps, news: AppRoleProps): Promise<pulumi.dynamic.UpdateResult<AppRoleProps>> {
    const roleId = await writeRole(news);
    return { outs: { ...news, roleId, adopted: olds.adopted ?? false } };
  }

  async delete(_id: string, props: AppRoleProps): Promise<void> {
    if (props.adopted) return leaveAdopted(roleLabel(props));
    await withVault(props, (v) => v.delete(rolePath(props)));
  }
}

/**
 * An AppRole (`auth/<mount>/role/<name>`). Name or mount change replaces it; the rest updates in
 * place. One that exists already is refused unless `adopt`ed; an adopted one is left on destroy.
 */
export class VaultAppRole extends pulumi.dynamic.Resource {
  declare readonly adopted: pulumi.Output<boolean>;
  declare readonly mount: pulumi.Output<string>;
  declare readonly roleName: pulumi.Output<string>;
  declare readonly roleId: pulumi.Output<string>;
  declare readonly tokenPolicies: pulumi.Output<string[]>;

  constructor(name: string, args: VaultAppRoleArgs, opts?: pulumi.CustomResourceOptions) {
    const { endpoint, auth, caBundle } = vaultResourceConnection(args.connection);
    super(
      // By reference: the provider and its Vault client stay out of the state (see byReference.ts).
      new ProviderByReference<AppRoleProps, AppRoleProps>(moduleReference(__filename), "VaultAppRoleProvider"),
      name,
      {
        endpoint,
        auth,
        caBundle,
        mount: args.mount,
        roleName: args.roleName,
        tokenPolicies: args.tokenPolicies,
        tokenTtl: args.tokenTtl,
        tokenMaxTtl: args.tokenMaxTtl,
        secretIdTtl: args.secretIdTtl,
        secretIdNumUses: args.secretIdNumUses,
        bindSecretId: args.bindSecretId,
        secretIdBoundCidrs: args.secretIdBoundCidrs,
        tokenBoundCidrs: args.tokenBoundCidrs,
        adopt: args.adopt,
        roleId: undefined,
        adopted: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: vaultSecretOutputs }),
      "vault-migration",
      "VaultAppRole",
    );
  }
}
