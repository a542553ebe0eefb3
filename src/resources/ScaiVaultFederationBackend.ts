import * as pulumi from "@pulumi/pulumi";
import { moduleReference } from "./byReference";
import { ProviderByReference } from "./providerByReference";
import { isValidScaiVaultPath } from "../clients/scaivault/paths";
import type { ScaiVaultClient, ScaiVaultBackend, ScaiVaultBackendInput, ScaiVaultBackendStatus } from "../clients/scaivault/ScaiVaultClient";
import { withScaiVault } from "./scaiVaultProviderSupport";
import { checkFailure, requireProps } from "./vaultProviderSupport";
import type { ScaiVaultConnectionArgs } from "./ScaiVaultSecret";
import { runDeclarations } from "./runDeclarations";

export interface ScaiVaultFederationBackendArgs {
  connection: pulumi.Input<ScaiVaultConnectionArgs>;
  /** Backend name (a change replaces). */
  name: pulumi.Input<string>;
  /** Default `hashicorp-vault` (a change replaces). */
  type?: pulumi.Input<string>;
  /** The Vault/OpenBao address ScaiVault reads from. */
  endpoint: pulumi.Input<string>;
  /** Default `approle`. */
  authMethod?: pulumi.Input<string>;
  /** ScaiVault path of the backend's credentials (a `ScaiVaultSecret`: pass its `path` so the backend depends on it). */
  authConfigPath: pulumi.Input<string>;
  /** Default true. */
  tlsVerify?: pulumi.Input<boolean>;
  namespace?: pulumi.Input<string>;
  /** ScaiVault pattern → Vault KV v2 template, e.g. `{"external/hashicorp/**": "kv/data/**"}` (a change replaces). */
  pathMapping: pulumi.Input<Record<string, string>>;
  /** `proxy` or `sync`; proxy → sync is an in-place update. */
  mode: pulumi.Input<"proxy" | "sync">;
  /** Required in sync mode, e.g. `15m`. */
  syncInterval?: pulumi.Input<string>;
  /** e.g. `local_wins`; passed through as given. */
  conflictResolution?: pulumi.Input<string>;
  /** How long create/update wait for `/status` to say healthy and connected. Default 60,000 ms. */
  readyTimeoutMs?: pulumi.Input<number>;
}

interface BackendProps {
  url: string;
  token: string;
  caCertPem?: string;
  name: string;
  type: string;
  endpoint: string;
  authMethod: string;
  authConfigPath: string;
  tlsVerify: boolean;
  namespace?: string;
  pathMapping: Record<string, string>;
  mode: "proxy" | "sync";
  syncInterval?: string;
  conflictResolution?: string;
  readyTimeoutMs?: number;
  /** Outputs. */
  backendId?: string;
  status?: string;
  secretsSynced?: number;
}

const TYPES = ["hashicorp-vault", "aws-secrets-manager", "azure-key-vault", "google-secret-manager"];
const AUTH_METHODS = ["approle", "token", "kubernetes", "aws", "gcp"];

/** Problems of a path mapping, each naming the mapping (fact sheet §3). */
export function pathMappingProblems(type: string, mapping: Readonly<Record<string, unknown>> | undefined): string[] {
  const out: string[] = [];
  const entries = Object.entries(mapping ?? {});
  if (entries.length === 0) return ["[pathMapping] must map at least one pattern"];
  for (const [pattern, template] of entries) {
    const at = `[pathMapping] "${pattern}" → ${JSON.stringify(template)}`;
    const segs = pattern.split("/");
    const badSeg = segs.find((s) => s !== "*" && s !== "**" && !/^[a-z0-9\-_]+$/.test(s));
    if (badSeg !== undefined) out.push(`${at}: bad glob: segment ${JSON.stringify(badSeg)} is neither a ScaiVault path segment (lowercase a-z 0-9 - _), '*' nor '**'`);
    else if (!isValidScaiVaultPath(segs.map((s) => (s.includes("*") ? "x" : s)).join("/"))) out.push(`${at}: the ScaiVault side is not a valid path (lowercase a-z 0-9 - _ /, at most 10 segments and 512 characters)`);
    if (typeof template !== "string" || !template) {
      out.push(`${at}: the Vault template must be a string`);
      continue;
    }
    if (type === "hashicorp-vault" && !/^[^/*]+(\/[^/*]+)*\/data(\/|$)/.test(template)) out.push(`${at}: the Vault template must name a KV v2 path with its data/ segment (e.g. "kv/data/**")`);
    const wild = (s: string): string => (s.match(/\*\*|\*/g) ?? []).join(",");
    if (wild(pattern) !== wild(template)) out.push(`${at}: the template's wildcards (${wild(template) || "none"}) must match the pattern's (${wild(pattern) || "none"}), in order`);
  }
  return out;
}

/** Whether two patterns can match one path (`*` one segment, `**` any number). Conservative. */
export function patternsOverlap(a: string, b: string): boolean {
  const x = a.split("/");
  const y = b.split("/");
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = x[i];
    const q = y[i];
    if (p === "**" || q === "**") return true;
    if (p === undefined || q === undefined) return false;
    if (p !== "*" && q !== "*" && p !== q) return false;
  }
  return true;
}

function wanted(p: BackendProps): ScaiVaultBackendInput {
  return {
    name: p.name,
    type: p.type,
    config: { endpoint: p.endpoint, auth_method: p.authMethod, auth_config_path: p.authConfigPath, tls_verify: p.tlsVerify, ...(p.namespace ? { namespace: p.namespace } : {}) },
    path_mapping: p.pathMapping,
    mode: p.mode,
    ...(p.syncInterval ? { sync_interval: p.syncInterval } : {}),
    ...(p.conflictResolution ? { conflict_resolution: p.conflictResolution } : {}),
  };
}

/** Other backends whose patterns overlap this one's (several backends per stack and server). */
function overlaps(mine: BackendProps, others: readonly ScaiVaultBackend[]): string[] {
  const out: string[] = [];
  for (const b of others) {
    if (b.id === mine.backendId || b.name === mine.name) continue;
    for (const p of Object.keys(mine.pathMapping ?? {})) for (const q of Object.keys(b.path_mapping ?? {})) if (patternsOverlap(p, q)) out.push(`[pathMapping] "${p}" overlaps backend ${b.name ?? b.id}'s "${q}"`);
  }
  return out;
}

/** A backend's patterns as declared by a program run (see {@link declaredOverlaps}). */
interface DeclaredMapping {
  url: string;
  resource: string;
  backendName: string;
  patterns: string[];
}

/** Overlaps of `mine` with the backends declared before it in this run on the same server; then records it. */
export function declaredOverlaps(declared: DeclaredMapping[], mine: DeclaredMapping): string[] {
  const out: string[] = [];
  for (const o of declared) {
    if (o.url !== mine.url) continue;
    for (const p of mine.patterns) for (const q of o.patterns) if (patternsOverlap(p, q)) out.push(`[pathMapping] "${p}" overlaps "${q}" of backend ${o.backendName} (resource ${o.resource}) in this stack`);
  }
  declared.push(mine);
  return out;
}

/** Polls `/status` (bounded; federation calls are paced by the client) until healthy and connected. */
async function waitReady(c: ScaiVaultClient, id: string, p: BackendProps): Promise<ScaiVaultBackendStatus> {
  const deadline = Date.now() + (p.readyTimeoutMs ?? 60_000);
  for (;;) {
    const s = await c.backendStatus(id);
    if (s.status === "healthy" && s.connection?.status === "connected") return s;
    if (Date.now() >= deadline) throw new Error(`ScaiVault federation backend ${p.name} (${id}) is not ready: status "${s.status}", connection "${s.connection?.status ?? "unknown"}"; check its endpoint and the credentials at ${p.authConfigPath}`);
    await new Promise((r) => setTimeout(r, 3_000));
  }
}

/** Needs `federation:read` and `federation:write`. */
export class ScaiVaultFederationBackendProvider implements pulumi.dynamic.ResourceProvider<BackendProps, BackendProps> {
  async check(olds: BackendProps, news: BackendProps): Promise<pulumi.dynamic.CheckResult<BackendProps>> {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    const add = (prop: string, problems: string[]): void => problems.forEach((m) => failures.push(checkFailure(prop, m)));
    if (!news.name) add("name", ["[name] is required"]);
    if (!TYPES.includes(news.type)) add("type", [`[type] must be one of ${TYPES.join(", ")}`]);
    if (!AUTH_METHODS.includes(news.authMethod)) add("authMethod", [`[authMethod] must be one of ${AUTH_METHODS.join(", ")}`]);
    if (!isValidScaiVaultPath(news.authConfigPath ?? "")) add("authConfigPath", ["[authConfigPath] must be a ScaiVault path"]);
    if (news.mode !== "proxy" && news.mode !== "sync") add("mode", ['[mode] must be "proxy" or "sync"']);
    if (news.mode === "sync" && !/^\d+[smhd]$/.test(news.syncInterval ?? "")) add("syncInterval", ['[syncInterval] is required in sync mode, like "15m" or "1h"']);
    if (news.syncInterval !== undefined && news.syncInterval !== "" && !/^\d+[smhd]$/.test(news.syncInterval)) add("syncInterval", ['[syncInterval] must look like "15m" or "1h"']);
    add("pathMapping", pathMappingProblems(news.type, news.pathMapping));
    // Overlaps with the backends on the server, at preview too (unknown inputs are skipped by the engine).
    if (failures.length === 0 && news.url && news.token) add("pathMapping", overlaps({ ...news, ...(olds?.backendId ? { backendId: olds.backendId } : {}) }, await withScaiVault(news, (c) => c.listBackends())));
    return { inputs: news, failures };
  }

  async diff(_id: string, olds: BackendProps, news: BackendProps): Promise<pulumi.dynamic.DiffResult> {
    const replaces: string[] = [];
    for (const k of ["url", "name", "type"] as const) if (olds[k] !== news[k]) replaces.push(k);
    if (JSON.stringify(olds.pathMapping) !== JSON.stringify(news.pathMapping)) replaces.push("pathMapping");
    const keys = ["endpoint", "authMethod", "authConfigPath", "tlsVerify", "namespace", "mode", "syncInterval", "conflictResolution", "token"] as const;
    const changes = replaces.length > 0 || keys.some((k) => (olds[k] ?? null) !== (news[k] ?? null));
    // Create before delete would meet the old backend's patterns; the old one goes first.
    return { changes, replaces, deleteBeforeReplace: true };
  }

  async create(inputs: BackendProps): Promise<pulumi.dynamic.CreateResult<BackendProps>> {
    return withScaiVault(inputs, async (c) => {
      const all = await c.listBackends();
      const clash = overlaps(inputs, all);
      if (clash.length) throw new Error(`ScaiVault federation backend ${inputs.name}: ${clash.join("; ")}`);
      const same = all.find((b) => b.name === inputs.name);
      if (same) throw new Error(`ScaiVault federation backend ${inputs.name} exists (${same.id}) and was not created by this stack`);
      const b = await c.createBackend(wanted(inputs));
      try {
        const s = await waitReady(c, b.id, inputs);
        return { id: b.id, outs: { ...inputs, backendId: b.id, status: s.status, secretsSynced: s.secrets_synced ?? 0 } };
      } catch (e) {
        // Nothing half-made: a backend that never became ready is removed again.
        await c.deleteBackend(b.id).catch(() => undefined);
        throw e;
      }
    });
  }

  async update(id: string, _olds: BackendProps, news: BackendProps): Promise<pulumi.dynamic.UpdateResult<BackendProps>> {
    return withScaiVault(news, async (c) => {
      // The full settings (fact sheet §7: whether PATCH merges is not documented).
      await c.patchBackend(id, wanted(news));
      const s = await waitReady(c, id, news);
      return { outs: { ...news, backendId: id, status: s.status, secretsSynced: s.secrets_synced ?? 0 } };
    });
  }

  async read(id: string, current?: BackendProps): Promise<pulumi.dynamic.ReadResult<BackendProps>> {
    const p = requireProps(current);
    return withScaiVault(p, async (c) => {
      const b = await c.getBackend(id);
      if (!b) return {};
      const s = await c.backendStatus(id);
      const mode = b.mode === "sync" ? "sync" : "proxy";
      return { id, props: { ...p, mode, ...(b.sync_interval ? { syncInterval: b.sync_interval } : {}), ...(b.path_mapping ? { pathMapping: { ...b.path_mapping } } : {}), status: s.status, secretsSynced: s.secrets_synced ?? 0 } };
    });
  }

  async delete(id: string, props: BackendProps): Promise<void> {
    await withScaiVault(props, (c) => c.deleteBackend(id));
  }
}

/**
 * A ScaiVault federation backend (seed 001 steps 4 and 8): created, then awaited until healthy and
 * connected; `mode`, `syncInterval` and `conflictResolution` change in place (proxy → sync is an
 * update), a new `type`, `name` or `pathMapping` replaces. Mappings are checked at preview.
 */
export class ScaiVaultFederationBackend extends pulumi.dynamic.Resource {
  declare readonly backendId: pulumi.Output<string>;
  declare readonly status: pulumi.Output<string>;
  declare readonly secretsSynced: pulumi.Output<number>;

  constructor(name: string, args: ScaiVaultFederationBackendArgs, opts?: pulumi.CustomResourceOptions) {
    const conn = pulumi.output(args.connection);
    // Two new backends of this stack with overlapping patterns: neither is on the server at preview,
    // so the provider's check cannot see it; the program can, before anything is created.
    const declared = runDeclarations<DeclaredMapping>("scaivault-backend-mapping");
    // The server's URL only (not the secret connection), so the mapping stays as secret as it was given.
    const server = pulumi.unsecret(conn.apply((c) => c.url));
    const pathMapping = pulumi.all([server, args.name, args.pathMapping]).apply(([url, backendName, mapping]) => {
      const clash = declaredOverlaps(declared, { url, resource: name, backendName, patterns: Object.keys(mapping ?? {}) });
      // A RunError: the engine prints the message alone (this resource is not registered, so it cannot carry it).
      if (clash.length) throw new pulumi.RunError(`ScaiVaultFederationBackend ${name}: ${clash.join("; ")}`);
      return mapping;
    });
    super(
      // By reference: the provider and its clients stay out of the state (see byReference.ts).
      new ProviderByReference<BackendProps, BackendProps>(moduleReference(__filename), "ScaiVaultFederationBackendProvider"),
      name,
      {
        url: conn.apply((c) => c.url),
        token: pulumi.secret(conn.apply((c) => c.token)),
        caCertPem: conn.apply((c) => c.caCertPem),
        name: args.name,
        type: args.type ?? "hashicorp-vault",
        endpoint: args.endpoint,
        authMethod: args.authMethod ?? "approle",
        authConfigPath: args.authConfigPath,
        tlsVerify: args.tlsVerify ?? true,
        namespace: args.namespace,
        pathMapping,
        mode: args.mode,
        syncInterval: args.syncInterval,
        conflictResolution: args.conflictResolution,
        readyTimeoutMs: args.readyTimeoutMs,
        backendId: undefined,
        status: undefined,
        secretsSynced: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["token"] }),
      "vault-migration",
      "ScaiVaultFederationBackend",
    );
  }
}
