import * as pulumi from "@pulumi/pulumi";
import { moduleReference } from "./byReference";
import { ProviderByReference } from "./providerByReference";
import { validateVaultConnection } from "../clients/vault/connection";
import { configuredPathProblem } from "../engine/paths";
import { checkFailure, endpointReplaces, existsAtPreview, leaveAdopted, notCreatedHere, requireProps, withVault } from "./vaultProviderSupport";
import { vaultResourceConnection, vaultSecretOutputs, type VaultConnectionArgs, type VaultConnectionProps } from "./vaultResourceInputs";

export interface VaultAuthMountArgs {
  connection: pulumi.Input<VaultConnectionArgs>;
  /** Mount path, e.g. `approle`. */
  path: pulumi.Input<string>;
  /** Auth method type, e.g. `approle`. */
  type: pulumi.Input<string>;
  description?: pulumi.Input<string>;
  /**
   * Take over a mount of this path and type that already exists (its description is tuned) and
   * leave it in place on destroy. Default false: an existing mount is refused before any write.
   */
  adopt?: pulumi.Input<boolean>;
}

interface AuthMountProps extends VaultConnectionProps {
  path: string;
  type: string;
  description?: string;
  adopt?: boolean;
  /** True when the mount already existed and this resource adopted it; destroy then leaves it. */
  adopted?: boolean;
}

/** The stack program's switch for adopting the reader's auth mount. */
const ADOPT_KEY = "reader.adopt.authMount";

interface AuthMountInfo {
  type: string;
  description?: string;
}

export const normaliseMountPath = (p: string): string => p.replace(/^\/+|\/+$/g, "");

async function findMount(props: VaultConnectionProps, path: string): Promise<AuthMountInfo | undefined> {
  return withVault(props, async (v) => {
    const res = await v.read<Record<string, AuthMountInfo>>("sys/auth");
    // Older servers put the mounts at the top level as well as under `data`.
    return res?.data?.[`${normaliseMountPath(path)}/`];
  });
}

/** Needs `read` on `sys/auth` and `sudo`+`create`/`update`/`delete` on `sys/auth/<path>`. */
export class VaultAuthMountProvider implements pulumi.dynamic.ResourceProvider<AuthMountProps, AuthMountProps> {
  async check(olds: AuthMountProps, news: AuthMountProps): Promise<pulumi.dynamic.CheckResult<AuthMountProps>> {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    for (const p of validateVaultConnection({ ...news.endpoint, auth: news.auth })) failures.push(checkFailure("connection", p));
    const path = normaliseMountPath(news.path ?? "");
    const pathProblem = configuredPathProblem(news.path ?? "", true);
    if (!path) failures.push(checkFailure("path", "[path] must not be empty"));
    else if (pathProblem) failures.push(checkFailure("path", `[path] ${pathProblem}`));
    else if (!/^[A-Za-z0-9_.\-/]+$/.test(path)) failures.push(checkFailure("path", `[path] has characters Vault does not allow: ${path}`));
    if (!/^[a-z0-9][a-z0-9_-]*$/.test(news.type ?? "")) failures.push(checkFailure("type", `[type] must be an auth method type such as "approle": ${news.type ?? ""}`));
    if (news.type === "token") failures.push(checkFailure("type", '[type] "token" is built in and cannot be mounted'));
    const inputs = { ...news, path, adopt: news.adopt ?? false };
    if (failures.length === 0 && (await existsAtPreview(olds, inputs, async () => (await findMount(inputs, path)) !== undefined))) failures.push(checkFailure("adopt", notCreatedHere(`auth mount "${path}"`, ADOPT_KEY)));
    return { inputs, failures };
  }

  async diff(_id: string, olds: AuthMountProps, news: AuthMountProps): Promise<pulumi.dynamic.DiffResult> {
    const replaces = endpointReplaces(olds, news);
    if (olds.path !== news.path) replaces.push("path");
    if (olds.type !== news.type) replaces.push("type");
    const changes = replaces.length > 0 || (olds.description ?? "") !== (news.description ?? "") || (olds.adopt ?? false) !== (news.adopt ?? false) || JSON.stringify(olds.auth) !== JSON.stringify(news.auth) || JSON.stringify(olds.endpoint) !== JSON.stringify(news.endpoint);
    return { changes, replaces, deleteBeforeReplace: true };
  }

  async create(inputs: AuthMountProps): Promise<pulumi.dynamic.CreateResult<AuthMountProps>> {
    const existing = await findMount(inputs, inputs.path);
    if (existing) {
      if (existing.type !== inputs.type) {
        throw new Error(`auth mount "${inputs.path}" already exists with type "${existing.type}", not "${inputs.type}"; choose another [path]`);
      }
      // Refused before any write unless adopted explicitly; an adopted mount is left on destroy.
      if (!inputs.adopt) throw new Error(notCreatedHere(`auth mount "${inputs.path}"`, ADOPT_KEY));
      if ((existing.description ?? "") !== (inputs.description ?? "")) await this.tune(inputs);
      return { id: inputs.path, outs: { ...inputs, adopted: true } };
    }
    await withVault(inputs, (v) => v.write(`sys/auth/${inputs.path}`, { type: inputs.type, description: inputs.description ?? "" }));
    return { id: inputs.path, outs: { ...inputs, adopted: false } };
  }

  async read(id: string, current?: AuthMountProps): Promise<pulumi.dynamic.ReadResult<AuthMountProps>> {
    const props = requireProps(current);
    const m = await findMount(props, id);
    if (!m) return {};
    const outs: AuthMountProps = { ...props, path: id, type: m.type, description: m.description || props.description };
    const { adopted: _adopted, ...inputs } = outs;
    return { id, props: outs, inputs: inputs as AuthMountProps };
  }

  async update(_id: string, olds: AuthMountProps, news: AuthMountProps): Promise<pulumi.dynamic.UpdateResult<AuthMountProps>> {
    if ((olds.description ?? "") !== (news.description ?? "")) await this.tune(news);
    return { outs: { ...news, adopted: olds.adopted ?? false } };
  }

  async delete(id: string, props: AuthMountProps): Promise<void> {
    if (props.adopted) return leaveAdopted(`auth mount "${id}"`);
    await withVault(props, (v) => v.delete(`sys/auth/${id}`));
  }

  private async tune(p: AuthMountProps): Promise<void> {
    await withVault(p, (v) => v.write(`sys/auth/${p.path}/tune`, { description: p.description ?? "" }, { idempotent: true }));
  }
}

/** An auth method mount (`sys/auth/<path>`). One that exists already is refused unless `adopt`ed; an adopted one is left on destroy. */
export class VaultAuthMount extends pulumi.dynamic.Resource {
  declare readonly path: pulumi.Output<string>;
  declare readonly type: pulumi.Output<string>;
  declare readonly adopted: pulumi.Output<boolean>;

  constructor(name: string, args: VaultAuthMountArgs, opts?: pulumi.CustomResourceOptions) {
    const { endpoint, auth, caBundle } = vaultResourceConnection(args.connection);
    super(
      // By reference: the provider and its Vault client stay out of the state (see byReference.ts).
      new ProviderByReference<AuthMountProps, AuthMountProps>(moduleReference(__filename), "VaultAuthMountProvider"),
      name,
      { endpoint, auth, caBundle, path: args.path, type: args.type, description: args.description, adopt: args.adopt, adopted: undefined },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: vaultSecretOutputs }),
      "vault-migration",
      "VaultAuthMount",
    );
  }
}
