import * as pulumi from "@pulumi/pulumi";
import { moduleReference } from "./byReference";
import { ProviderByReference } from "./providerByReference";
import { INFISICAL_SLUG, infisicalSiteFailures, withInfisical, type InfisicalSiteArgs, type InfisicalSiteProps } from "./infisicalProviderSupport";
import { checkFailure, isUnknownInput, requireProps } from "./vaultProviderSupport";
import type { VaultConnectionCredentials, VaultConnectionMethod } from "../clients/infisical/vaultSync";

export interface InfisicalVaultConnectionArgs {
  infisical: pulumi.Input<InfisicalSiteArgs>;
  /** The connection's name in Infisical: a slug of at most 64 characters. */
  name: pulumi.Input<string>;
  description?: pulumi.Input<string>;
  /** The project the connection belongs to. A change replaces. */
  projectId?: pulumi.Input<string>;
  /** An Infisical gateway (uuid) in Vault's network: how Infisical Cloud reaches a private Vault. */
  gatewayId?: pulumi.Input<string>;
  /** Vault's URL as Infisical reaches it (with a gateway, from the gateway's network). */
  instanceUrl: pulumi.Input<string>;
  namespace?: pulumi.Input<string>;
  /** `app-role` (roleId + secretId) or `access-token`. A change replaces the connection. */
  method: pulumi.Input<VaultConnectionMethod>;
  /** For `app-role`: a VaultAppRole's roleId and a VaultAppRoleSecretId's secretId. Pulumi secrets. */
  roleId?: pulumi.Input<string>;
  secretId?: pulumi.Input<string>;
  /** For `access-token`. A Pulumi secret. */
  accessToken?: pulumi.Input<string>;
  /** Where the AppRole is mounted in Vault. Infisical logs in at `approle` only: anything else is refused at preview. */
  appRoleMount?: pulumi.Input<string>;
  /** The Infisical server runs with `ALLOW_INTERNAL_IP_CONNECTIONS=true` (self-hosted): a loopback/private URL is accepted without a gateway. Default false. */
  allowInternalIpConnections?: pulumi.Input<boolean>;
}

interface ConnectionProps extends InfisicalSiteProps {
  name: string;
  description: string;
  projectId: string;
  gatewayId: string;
  instanceUrl: string;
  namespace: string;
  method: VaultConnectionMethod;
  credentials: { roleId?: string; secretId?: string; accessToken?: string };
  appRoleMount: string;
  allowInternalIpConnections: boolean;
  /** Outputs: the connection's id; Infisical's credentialsHash (kept secret); whether a refresh saw it change. */
  connectionId?: string;
  credentialsHash?: string;
  drift?: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Infisical's URL rule (fact sheet §4): loopback, private and link-local hosts need the server's permission. */
export function internalHost(url: URL): boolean {
  const h = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const v4 = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(h);
  const a = Number(v4?.[1]);
  const b = Number(v4?.[2]);
  return h === "localhost" || h.endsWith(".localhost") || h.endsWith(".internal") || h === "::1" || h === "::" || /^f[cd][0-9a-f]{2}:/.test(h) || /^fe80:/.test(h) || (v4 !== null && (a === 127 || a === 10 || a === 0 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254)));
}

function wireCredentials(p: ConnectionProps): VaultConnectionCredentials {
  const base = { instanceUrl: p.instanceUrl, ...(p.namespace ? { namespace: p.namespace } : {}) };
  return p.method === "app-role" ? { ...base, roleId: p.credentials.roleId ?? "", secretId: p.credentials.secretId ?? "" } : { ...base, accessToken: p.credentials.accessToken ?? "" };
}

const credentialsChanged = (o: ConnectionProps, n: ConnectionProps): boolean => o.instanceUrl !== n.instanceUrl || o.namespace !== n.namespace || JSON.stringify(o.credentials) !== JSON.stringify(n.credentials);

/** Infisical's answer to deleting a connection a sync uses, made into what to do. */
function inUse(e: unknown, name: string): Error | undefined {
  const m = e instanceof Error ? e.message : "";
  if (!/ 400 /.test(m) || !/sync/i.test(m)) return undefined;
  return new Error(`Infisical refuses to delete the Vault connection "${name}" while a secret sync uses it: delete or re-point that sync first (an InfisicalVaultSync given this connection's connectionId is deleted before it). Infisical said: ${m}`);
}

/** Needs an Infisical identity allowed to manage app connections of the project. */
export class InfisicalVaultConnectionProvider implements pulumi.dynamic.ResourceProvider<ConnectionProps, ConnectionProps> {
  async check(_olds: ConnectionProps, news: ConnectionProps): Promise<pulumi.dynamic.CheckResult<ConnectionProps>> {
    const failures = infisicalSiteFailures(news);
    const name = news.name ?? "";
    if (!INFISICAL_SLUG.test(name) || name.length > 64) failures.push(checkFailure("name", `[name] must be a slug ([a-z0-9-]) of at most 64 characters: "${name}"`));
    if ((news.description ?? "").length > 256) failures.push(checkFailure("description", "[description] must be at most 256 characters"));
    if (news.gatewayId && !UUID.test(news.gatewayId)) failures.push(checkFailure("gatewayId", "[gatewayId] must be the gateway's id (a uuid)"));
    // Credentials from other resources (a new secret_id) are unknown at preview: checked at up.
    const c = typeof news.credentials === "object" && news.credentials !== null ? news.credentials : undefined;
    if (news.method === "app-role") {
      if (c && (!c.roleId || !c.secretId)) failures.push(checkFailure("credentials", "[roleId] and [secretId] are required with method app-role"));
      if ((news.appRoleMount || "approle").replace(/^\/+|\/+$/g, "") !== "approle") {
        failures.push(checkFailure("appRoleMount", `[appRoleMount] is "${news.appRoleMount}", but Infisical logs in with AppRole at the mount "approle" only: enable the AppRole auth method at auth/approle for this role, or use method access-token`));
      }
    } else if (news.method === "access-token") {
      if (c && !c.accessToken) failures.push(checkFailure("credentials", "[accessToken] is required with method access-token"));
    } else failures.push(checkFailure("method", `[method] must be "app-role" or "access-token": "${String(news.method)}"`));
    let url: URL | undefined;
    try {
      url = new URL(news.instanceUrl ?? "");
    } catch {
      if (!isUnknownInput(news.instanceUrl)) failures.push(checkFailure("instanceUrl", `[instanceUrl] is not a URL: "${news.instanceUrl}"`));
    }
    if (url && url.protocol !== "https:" && url.protocol !== "http:") failures.push(checkFailure("instanceUrl", "[instanceUrl] must be http(s)"));
    if (url && (url.username || url.password)) failures.push(checkFailure("instanceUrl", "[instanceUrl] must not carry user:password@ (Infisical refuses it)"));
    if (url && internalHost(url) && !news.gatewayId && !news.allowInternalIpConnections) {
      failures.push(
        checkFailure(
          "instanceUrl",
          `[instanceUrl] ${url.host} is a loopback or private address, which Infisical refuses to connect to: set [gatewayId] to an Infisical gateway running in Vault's network (the way Infisical Cloud reaches a private Vault), ` +
            "or, for a self-hosted Infisical started with ALLOW_INTERNAL_IP_CONNECTIONS=true, set [allowInternalIpConnections] true",
        ),
      );
    }
    return { inputs: { ...news, appRoleMount: news.appRoleMount || "approle" }, failures };
  }

  async diff(_id: string, olds: ConnectionProps, news: ConnectionProps): Promise<pulumi.dynamic.DiffResult> {
    const replaces: string[] = [];
    if (olds.siteUrl !== news.siteUrl) replaces.push("infisical");
    // Infisical cannot change a connection's method (§4).
    if (olds.method !== news.method) replaces.push("method");
    if (olds.projectId !== news.projectId) replaces.push("projectId");
    const changes =
      replaces.length > 0 ||
      olds.drift === true ||
      credentialsChanged(olds, news) ||
      (["name", "description", "gatewayId", "appRoleMount", "allowInternalIpConnections"] as const).some((k) => olds[k] !== news[k]) ||
      JSON.stringify(olds.auth) !== JSON.stringify(news.auth);
    return { changes, replaces, deleteBeforeReplace: olds.name === news.name && replaces.length > 0 };
  }

  async create(inputs: ConnectionProps): Promise<pulumi.dynamic.CreateResult<ConnectionProps>> {
    const conn = await withInfisical(inputs, (c) =>
      c.createVaultConnection({ name: inputs.name, method: inputs.method, credentials: wireCredentials(inputs), ...(inputs.description ? { description: inputs.description } : {}), ...(inputs.projectId ? { projectId: inputs.projectId } : {}), ...(inputs.gatewayId ? { gatewayId: inputs.gatewayId } : {}) }),
    );
    return { id: conn.id, outs: { ...inputs, connectionId: conn.id, credentialsHash: conn.credentialsHash ?? "", drift: false } };
  }

  /** `pulumi refresh`: Infisical's fields as they are; a changed credentialsHash is drift (the next up sends the credentials again). */
  async read(id: string, current?: ConnectionProps): Promise<pulumi.dynamic.ReadResult<ConnectionProps>> {
    const p = requireProps(current);
    const conn = await withInfisical(p, (c) => c.getVaultConnection(id));
    if (!conn) return {};
    const drift = p.drift === true || (conn.credentialsHash ?? "") !== (p.credentialsHash ?? "") || conn.credentials.instanceUrl !== p.instanceUrl || (conn.credentials.namespace ?? "") !== p.namespace;
    return { id, props: { ...p, name: conn.name, description: conn.description ?? "", gatewayId: conn.gatewayId ?? "", drift } };
  }

  async update(id: string, olds: ConnectionProps, news: ConnectionProps): Promise<pulumi.dynamic.UpdateResult<ConnectionProps>> {
    // Credentials are sent (and re-checked by Infisical) only when they, the URL or the namespace changed, or drifted.
    const sendCredentials = credentialsChanged(olds, news) || olds.drift === true;
    const conn = await withInfisical(news, (c) =>
      c.updateVaultConnection(id, { name: news.name, description: news.description, gatewayId: news.gatewayId || null, ...(sendCredentials ? { credentials: wireCredentials(news) } : {}) }),
    );
    return { outs: { ...news, connectionId: id, credentialsHash: conn.credentialsHash ?? "", drift: false } };
  }

  async delete(id: string, props: ConnectionProps): Promise<void> {
    try {
      await withInfisical(props, (c) => c.deleteVaultConnection(id));
    } catch (e) {
      throw inUse(e, props.name) ?? e;
    }
  }
}

/**
 * Infisical's HashiCorp Vault app connection (seed 002): how Infisical logs in to Vault for a secret
 * sync. The AppRole secret_id or the access token is a Pulumi secret, sent to Infisical and never
 * read back; drift shows as a changed credentialsHash on refresh. A method change replaces it.
 */
export class InfisicalVaultConnection extends pulumi.dynamic.Resource {
  declare readonly connectionId: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly credentialsHash: pulumi.Output<string>;
  declare readonly drift: pulumi.Output<boolean>;

  constructor(name: string, args: InfisicalVaultConnectionArgs, opts?: pulumi.CustomResourceOptions) {
    const site = pulumi.output(args.infisical);
    super(
      // By reference: the provider and its client stay out of the state (see byReference.ts).
      new ProviderByReference<ConnectionProps, ConnectionProps>(moduleReference(__filename), "InfisicalVaultConnectionProvider"),
      name,
      {
        siteUrl: pulumi.unsecret(site.apply((s) => s.siteUrl)),
        auth: pulumi.secret(site.apply((s) => s.auth)),
        caCertPem: pulumi.unsecret(site.apply((s) => s.caCertPem ?? "")),
        name: args.name,
        description: args.description ?? "",
        projectId: args.projectId ?? "",
        gatewayId: args.gatewayId ?? "",
        instanceUrl: args.instanceUrl,
        namespace: args.namespace ?? "",
        method: args.method,
        credentials: pulumi.secret(pulumi.all([args.roleId, args.secretId, args.accessToken]).apply(([roleId, secretId, accessToken]) => ({ ...(roleId ? { roleId } : {}), ...(secretId ? { secretId } : {}), ...(accessToken ? { accessToken } : {}) }))),
        appRoleMount: args.appRoleMount ?? "approle",
        allowInternalIpConnections: args.allowInternalIpConnections ?? false,
        connectionId: undefined,
        credentialsHash: undefined,
        drift: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["auth", "credentials", "credentialsHash"] }),
      "vault-migration",
      "InfisicalVaultConnection",
    );
  }
}
