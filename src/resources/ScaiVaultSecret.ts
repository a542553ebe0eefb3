import * as pulumi from "@pulumi/pulumi";
import { moduleReference } from "./byReference";
import { ProviderByReference } from "./providerByReference";
import { isValidScaiVaultPath, scaiVaultPathProblem } from "../clients/scaivault/paths";
import { contentFingerprint } from "../engine";
import { withScaiVault } from "./scaiVaultProviderSupport";
import { checkFailure, requireProps } from "./vaultProviderSupport";

/** Where a ScaiVault resource connects: the token is a Pulumi secret. */
export interface ScaiVaultConnectionArgs {
  /** Base URL, e.g. `https://scaivault.scailabs.ai`; `http://` only on a loopback address. */
  url: string;
  token: string;
  caCertPem?: string;
}

export interface ScaiVaultSecretArgs {
  connection: pulumi.Input<ScaiVaultConnectionArgs>;
  /** ScaiVault path (lowercase a-z 0-9 - _ /, ≤ 10 segments, ≤ 512 characters). A change replaces. */
  path: pulumi.Input<string>;
  /** The secret's data, e.g. `{role_id, secret_id}`. A Pulumi secret; never read back into state. */
  value: pulumi.Input<Record<string, string>>;
  /** `kv`, `json` (default), `certificate`, `ssh_key`, `api_key`. */
  secretType?: pulumi.Input<string>;
  description?: pulumi.Input<string>;
  tags?: pulumi.Input<string[]>;
  /** Key of the keyed fingerprint that shows drift (≥ 16 bytes). A Pulumi secret. */
  fingerprintKey: pulumi.Input<string>;
}

interface SecretProps {
  url: string;
  token: string;
  caCertPem?: string;
  path: string;
  value: Record<string, string>;
  secretType: string;
  description: string;
  tags: string[];
  fingerprintKey: string;
  /** Outputs: HMAC-SHA256 of the stored value under `fingerprintKey` (never an unkeyed hash), the version, drift. */
  fingerprint?: string;
  version?: number;
  drift?: boolean;
}

const TYPES = ["kv", "json", "certificate", "ssh_key", "api_key"];

/** One PUT (a new version), then the stored value read back and fingerprinted. */
async function put(p: SecretProps): Promise<SecretProps> {
  return withScaiVault(p, async (c) => {
    await c.putSecret(p.path, { data: p.value, secret_type: p.secretType, metadata: { description: p.description, tags: p.tags } });
    const s = await c.getSecret(p.path);
    const fingerprint = contentFingerprint(p.fingerprintKey, p.value);
    if (!s || contentFingerprint(p.fingerprintKey, s.data) !== fingerprint) throw new Error(`ScaiVault ${p.path}: the value read back differs from the one just written (changed concurrently?)`);
    return { ...p, fingerprint, version: s.version, drift: false };
  });
}

/** Needs `secrets:read`, `secrets:write` and `secrets:delete` on the path. */
export class ScaiVaultSecretProvider implements pulumi.dynamic.ResourceProvider<SecretProps, SecretProps> {
  async check(_olds: SecretProps, news: SecretProps): Promise<pulumi.dynamic.CheckResult<SecretProps>> {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    try {
      const u = new URL(news.url ?? "");
      const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(u.hostname);
      if (u.protocol !== "https:" && !(u.protocol === "http:" && loopback)) failures.push(checkFailure("connection", "[connection.url] must be https (http only on a loopback address)"));
    } catch {
      failures.push(checkFailure("connection", "[connection.url] is not a URL"));
    }
    if (!news.token) failures.push(checkFailure("connection", "[connection.token] is required"));
    const why = scaiVaultPathProblem(news.path ?? "");
    if (why) failures.push(checkFailure("path", `[path] is not a ScaiVault path: ${why}`));
    if (!TYPES.includes(news.secretType)) failures.push(checkFailure("secretType", `[secretType] must be one of ${TYPES.join(", ")}`));
    const v = news.value as unknown;
    if (typeof v !== "object" || v === null || Array.isArray(v) || Object.values(v).some((x) => typeof x !== "string")) failures.push(checkFailure("value", "[value] must be a map of strings"));
    if ((news.fingerprintKey ?? "").length < 16) failures.push(checkFailure("fingerprintKey", "[fingerprintKey] must be at least 16 bytes"));
    return { inputs: news, failures };
  }

  async diff(_id: string, olds: SecretProps, news: SecretProps): Promise<pulumi.dynamic.DiffResult> {
    const replaces: string[] = [];
    if (olds.path !== news.path) replaces.push("path");
    if (olds.url !== news.url) replaces.push("url");
    // The value is compared by its keyed fingerprint; refresh sets `drift` when the stored one differs.
    const changes =
      replaces.length > 0 ||
      olds.fingerprint !== contentFingerprint(news.fingerprintKey, news.value) ||
      olds.drift === true ||
      olds.secretType !== news.secretType ||
      olds.description !== news.description ||
      JSON.stringify(olds.tags) !== JSON.stringify(news.tags) ||
      olds.token !== news.token;
    // Create before delete: a soft-deleted path cannot be written again during its retention.
    return { changes, replaces, deleteBeforeReplace: false };
  }

  async create(inputs: SecretProps): Promise<pulumi.dynamic.CreateResult<SecretProps>> {
    const exists = await withScaiVault(inputs, (c) => c.getSecret(inputs.path));
    if (exists) throw new Error(`ScaiVault secret ${inputs.path} exists and was not created by this stack; import it or remove it first`);
    return { id: inputs.path, outs: await put(inputs) };
  }

  async update(_id: string, olds: SecretProps, news: SecretProps): Promise<pulumi.dynamic.UpdateResult<SecretProps>> {
    // A token rotation alone writes nothing (every PUT is a new version).
    const same = olds.fingerprint === contentFingerprint(news.fingerprintKey, news.value) && !olds.drift && olds.secretType === news.secretType && olds.description === news.description && JSON.stringify(olds.tags) === JSON.stringify(news.tags);
    return { outs: same ? { ...news, fingerprint: olds.fingerprint, version: olds.version, drift: false } : await put(news) };
  }

  /** `pulumi refresh`: reads the stored value (in memory), compares keyed fingerprints, shows metadata edits. */
  async read(id: string, current?: SecretProps): Promise<pulumi.dynamic.ReadResult<SecretProps>> {
    const p = requireProps(current);
    const s = await withScaiVault(p, (c) => (isValidScaiVaultPath(id) ? c.getSecret(id) : Promise.resolve(undefined)));
    if (!s) return {};
    const drift = contentFingerprint(p.fingerprintKey, s.data) !== p.fingerprint;
    const next = { ...p, secretType: s.secret_type ?? p.secretType, description: s.metadata?.description ?? p.description, tags: [...(s.metadata?.tags ?? p.tags)], version: s.version, drift };
    return { id, props: next };
  }

  async delete(id: string, props: SecretProps): Promise<void> {
    await withScaiVault(props, (c) => c.deleteSecret(id));
  }
}

/**
 * A ScaiVault secret (seed 001 step 3: the AppRole credentials a federation backend reads). Every
 * write is one PUT, one new version; the value is a Pulumi secret and never read back into state
 * (a keyed fingerprint shows drift on refresh). Destroy soft-deletes it.
 */
export class ScaiVaultSecret extends pulumi.dynamic.Resource {
  declare readonly path: pulumi.Output<string>;
  declare readonly version: pulumi.Output<number>;
  declare readonly fingerprint: pulumi.Output<string>;
  declare readonly drift: pulumi.Output<boolean>;

  constructor(name: string, args: ScaiVaultSecretArgs, opts?: pulumi.CustomResourceOptions) {
    const conn = pulumi.output(args.connection);
    super(
      // By reference: the provider and its clients stay out of the state (see byReference.ts).
      new ProviderByReference<SecretProps, SecretProps>(moduleReference(__filename), "ScaiVaultSecretProvider"),
      name,
      {
        url: conn.apply((c) => c.url),
        token: pulumi.secret(conn.apply((c) => c.token)),
        caCertPem: conn.apply((c) => c.caCertPem),
        path: args.path,
        value: pulumi.secret(args.value),
        secretType: args.secretType ?? "json",
        description: args.description ?? "",
        tags: args.tags ?? [],
        fingerprintKey: pulumi.secret(args.fingerprintKey),
        fingerprint: undefined,
        version: undefined,
        drift: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["token", "value", "fingerprintKey"] }),
      "vault-migration",
      "ScaiVaultSecret",
    );
  }
}
