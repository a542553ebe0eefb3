import * as pulumi from "@pulumi/pulumi";
import { validateVaultConnection } from "../clients/vault/connection";
import { checkFailure, endpointReplaces, requireProps, withVault } from "./vaultProviderSupport";
import { vaultConnectionInputs, vaultSecretOutputs, type VaultConnectionArgs, type VaultConnectionProps } from "./vaultResourceInputs";

export interface VaultPolicyArgs {
  connection: pulumi.Input<VaultConnectionArgs>;
  /** Policy name; lower case (Vault lower-cases names). `root` and `default` are refused. */
  name: pulumi.Input<string>;
  /** The policy document in HCL. */
  policy: pulumi.Input<string>;
}

interface PolicyProps extends VaultConnectionProps {
  name: string;
  policy: string;
}

/** Whitespace-insensitive form used to compare policy texts. */
export function normalisePolicy(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

const policyPath = (name: string): string => `sys/policies/acl/${encodeURIComponent(name)}`;

/** Needs `create`/`update`/`read`/`delete` on `sys/policies/acl/<name>`. */
class VaultPolicyProvider implements pulumi.dynamic.ResourceProvider<PolicyProps, PolicyProps> {
  async check(_olds: PolicyProps, news: PolicyProps): Promise<pulumi.dynamic.CheckResult<PolicyProps>> {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    for (const p of validateVaultConnection({ ...news.endpoint, auth: news.auth })) failures.push(checkFailure("connection", p));
    const name = news.name ?? "";
    if (!name.trim()) failures.push(checkFailure("name", "[name] must not be empty"));
    else if (name === "root" || name === "default") failures.push(checkFailure("name", `[name] "${name}" is a built-in Vault policy and cannot be managed`));
    else if (name !== name.toLowerCase()) failures.push(checkFailure("name", `[name] must be lower case (Vault lower-cases policy names): ${name}`));
    else if (!/^[a-z0-9][a-z0-9_.@-]*$/.test(name)) failures.push(checkFailure("name", `[name] may hold only a-z, 0-9, '_', '-', '.', '@': ${name}`));
    if (!(news.policy ?? "").trim()) failures.push(checkFailure("policy", "[policy] must not be empty"));
    return { inputs: news, failures };
  }

  async diff(_id: string, olds: PolicyProps, news: PolicyProps): Promise<pulumi.dynamic.DiffResult> {
    const replaces = endpointReplaces(olds, news);
    if (olds.name !== news.name) replaces.push("name");
    const changed =
      replaces.length > 0 ||
      normalisePolicy(olds.policy ?? "") !== normalisePolicy(news.policy) ||
      JSON.stringify(olds.endpoint) !== JSON.stringify(news.endpoint) ||
      JSON.stringify(olds.auth) !== JSON.stringify(news.auth);
    return { changes: changed, replaces, deleteBeforeReplace: false };
  }

  async create(inputs: PolicyProps): Promise<pulumi.dynamic.CreateResult<PolicyProps>> {
    await withVault(inputs, (v) => v.write(policyPath(inputs.name), { policy: inputs.policy }, { idempotent: true }));
    return { id: inputs.name, outs: inputs };
  }

  async read(id: string, current?: PolicyProps): Promise<pulumi.dynamic.ReadResult<PolicyProps>> {
    const props = requireProps(current);
    const res = await withVault(props, (v) => v.read<{ policy: string }>(policyPath(id)));
    if (!res) return {};
    // Keep the user's text when only whitespace differs, so refresh shows real edits only.
    const server = res.data.policy;
    const policy = normalisePolicy(server) === normalisePolicy(props.policy ?? "") ? props.policy : server;
    const outs = { ...props, name: id, policy };
    return { id, props: outs, inputs: outs };
  }

  async update(_id: string, _olds: PolicyProps, news: PolicyProps): Promise<pulumi.dynamic.UpdateResult<PolicyProps>> {
    await withVault(news, (v) => v.write(policyPath(news.name), { policy: news.policy }, { idempotent: true }));
    return { outs: news };
  }

  async delete(id: string, props: PolicyProps): Promise<void> {
    await withVault(props, (v) => v.delete(policyPath(id)));
  }
}

/** A Vault ACL policy (`sys/policies/acl`). */
export class VaultPolicy extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  declare readonly policy: pulumi.Output<string>;

  constructor(name: string, args: VaultPolicyArgs, opts?: pulumi.CustomResourceOptions) {
    const { endpoint, auth } = vaultConnectionInputs(args.connection);
    super(
      new VaultPolicyProvider(),
      name,
      { endpoint, auth, name: args.name, policy: args.policy },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: vaultSecretOutputs }),
      "vault-migration",
      "VaultPolicy",
    );
  }
}
