import * as pulumi from "@pulumi/pulumi";
import { moduleReference } from "./byReference";
import { ProviderByReference } from "./providerByReference";
import { validateVaultConnection } from "../clients/vault/connection";
import { checkFailure, endpointReplaces, existsAtPreview, leaveAdopted, notCreatedHere, requireProps, withVault } from "./vaultProviderSupport";
import { vaultResourceConnection, vaultSecretOutputs, type VaultConnectionArgs, type VaultConnectionProps } from "./vaultResourceInputs";

export interface VaultPolicyArgs {
  connection: pulumi.Input<VaultConnectionArgs>;
  /** Policy name; lower case (Vault lower-cases names). `root` and `default` are refused. */
  name: pulumi.Input<string>;
  /** The policy document in HCL. */
  policy: pulumi.Input<string>;
  /**
   * Take over a policy of this name that already exists (its text is replaced by `policy`) and
   * leave it in place on destroy. Default false: an existing policy is refused before any write.
   */
  adopt?: pulumi.Input<boolean>;
}

interface PolicyProps extends VaultConnectionProps {
  name: string;
  policy: string;
  adopt?: boolean;
  /** True when the policy existed before this resource and was adopted; destroy then leaves it. */
  adopted?: boolean;
}

/** The stack program's switch for adopting the reader's policy. */
const ADOPT_KEY = "reader.adopt.policy";

/** Whitespace-insensitive form used to compare policy texts. */
export function normalisePolicy(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

const policyPath = (name: string): string => `sys/policies/acl/${encodeURIComponent(name)}`;

async function policyExists(p: PolicyProps): Promise<boolean> {
  return (await withVault(p, (v) => v.read<{ policy: string }>(policyPath(p.name)))) !== undefined;
}

/** Needs `create`/`update`/`read`/`delete` on `sys/policies/acl/<name>`. */
export class VaultPolicyProvider implements pulumi.dynamic.ResourceProvider<PolicyProps, PolicyProps> {
  async check(olds: PolicyProps, news: PolicyProps): Promise<pulumi.dynamic.CheckResult<PolicyProps>> {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    for (const p of validateVaultConnection({ ...news.endpoint, auth: news.auth })) failures.push(checkFailure("connection", p));
    const name = news.name ?? "";
    if (!name.trim()) failures.push(checkFailure("name", "[name] must not be empty"));
    else if (name === "root" || name === "default") failures.push(checkFailure("name", `[name] "${name}" is a built-in Vault policy and cannot be managed`));
    else if (name !== name.toLowerCase()) failures.push(checkFailure("name", `[name] must be lower case (Vault lower-cases policy names): ${name}`));
    else if (!/^[a-z0-9][a-z0-9_.@-]*$/.test(name)) failures.push(checkFailure("name", `[name] may hold only a-z, 0-9, '_', '-', '.', '@': ${name}`));
    if (!(news.policy ?? "").trim()) failures.push(checkFailure("policy", "[policy] must not be empty"));
    if (failures.length === 0 && (await existsAtPreview(olds, news, () => policyExists(news)))) failures.push(checkFailure("adopt", notCreatedHere(`Vault policy "${name}"`, ADOPT_KEY)));
    return { inputs: news, failures };
  }

  async diff(_id: string, olds: PolicyProps, news: PolicyProps): Promise<pulumi.dynamic.DiffResult> {
    const replaces = endpointReplaces(olds, news);
    if (olds.name !== news.name) replaces.push("name");
    const changed =
      replaces.length > 0 ||
      normalisePolicy(olds.policy ?? "") !== normalisePolicy(news.policy) ||
      JSON.stringify(olds.endpoint) !== JSON.stringify(news.endpoint) ||
      JSON.stringify(olds.auth) !== JSON.stringify(news.auth) ||
      (olds.adopt ?? false) !== (news.adopt ?? false);
    return { changes: changed, replaces, deleteBeforeReplace: false };
  }

  async create(inputs: PolicyProps): Promise<pulumi.dynamic.CreateResult<PolicyProps>> {
    // Looked up before the first write: a PUT would silently replace someone else's policy.
    const exists = await policyExists(inputs);
    if (exists && !inputs.adopt) throw new Error(notCreatedHere(`Vault policy "${inputs.name}"`, ADOPT_KEY));
    await withVault(inputs, (v) => v.write(policyPath(inputs.name), { policy: inputs.policy }, { idempotent: true }));
    return { id: inputs.name, outs: { ...inputs, adopted: exists } };
  }

  async read(id: string, current?: PolicyProps): Promise<pulumi.dynamic.ReadResult<PolicyProps>> {
    const props = requireProps(current);
    const res = await withVault(props, (v) => v.read<{ policy: string }>(policyPath(id)));
    if (!res) return {};
    // Keep the user's text when only whitespace differs, so refresh shows real edits only.
    const server = res.data.policy;
    const policy = normalisePolicy(server) === normalisePolicy(props.policy ?? "") ? props.policy : server;
    const { adopted: _adopted, ...inputs } = { ...props, name: id, policy };
    return { id, props: { ...inputs, adopted: props.adopted ?? false }, inputs };
  }

  async update(_id: string, olds: PolicyProps, news: PolicyProps): Promise<pulumi.dynamic.UpdateResult<PolicyProps>> {
    await withVault(news, (v) => v.write(policyPath(news.name), { policy: news.policy }, { idempotent: true }));
    return { outs: { ...news, adopted: olds.adopted ?? false } };
  }

  async delete(id: string, props: PolicyProps): Promise<void> {
    if (props.adopted) return leaveAdopted(`Vault policy "${id}"`);
    await withVault(props, (v) => v.delete(policyPath(id)));
  }
}

/** A Vault ACL policy (`sys/policies/acl`). One that exists already is refused unless `adopt`ed; an adopted one is left on destroy. */
export class VaultPolicy extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  declare readonly policy: pulumi.Output<string>;
  declare readonly adopted: pulumi.Output<boolean>;

  constructor(name: string, args: VaultPolicyArgs, opts?: pulumi.CustomResourceOptions) {
    const { endpoint, auth, caBundle } = vaultResourceConnection(args.connection);
    super(
      // By reference: the provider and its Vault client stay out of the state (see byReference.ts).
      new ProviderByReference<PolicyProps, PolicyProps>(moduleReference(__filename), "VaultPolicyProvider"),
      name,
      { endpoint, auth, caBundle, name: args.name, policy: args.policy, adopt: args.adopt ?? false, adopted: undefined },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: vaultSecretOutputs }),
      "vault-migration",
      "VaultPolicy",
    );
  }
}
