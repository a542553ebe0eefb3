// The ScaiVault contract double: a local HTTP server implementing the endpoints this project
// uses, pinned to shared/scaivault-api.md. Test infrastructure only; production code never imports it.
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { loadInto, persisterFor } from "./persist";
import { route, type OperationName, type Route } from "./routes";
import { DEFAULT_LIMITS, RateLimiter, SCOPES, Store, SvError, globProblem, pathProblem, type Backend, type Limits, type Scope } from "./store";

export interface ScaiVaultDoubleOptions {
  /** Port on 127.0.0.1; default a free one. */
  port?: number;
  /** Per-identity limits (§1); default the documented ones (write 100/min…); `false` = off. */
  limits?: Partial<Limits> | false;
  /** How long a soft-deleted path blocks re-creation (`secret_exists`). Default 30 days (undocumented). */
  retentionMs?: number;
  /** Keep secrets and backends in this directory (loaded at start, saved after each change). */
  persistDir?: string;
  /** Debounce of saves; default 50 ms (0 = on every change). `stop()` writes what is pending. */
  persistDebounceMs?: number;
}

/** An answer injected instead of the real one. */
export interface Fault {
  readonly op?: OperationName;
  readonly status: number;
  readonly code: string;
  /** How many matching requests get it. Default 1. */
  readonly count?: number;
  readonly headers?: Record<string, string>;
  /** Apply the operation, then answer with the fault (a lost answer). Default false. */
  readonly afterApply?: boolean;
}

export interface RequestRecord {
  readonly op: OperationName;
  readonly method: string;
  readonly arg?: string;
  readonly status: number;
}

export interface ScaiVaultDouble {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** A token with these scopes (default `admin`); `token` chooses its value (stable across restarts). */
  issueToken(scopes?: readonly Scope[], identity?: string, token?: string): string;
  revokeToken(token: string): void;
  /** Every authenticated, routed request since start or the last reset. */
  requests(): readonly RequestRecord[];
  /** Requests of one operation (optionally with one answer status). */
  count(op: OperationName, status?: number): number;
  resetRequests(): void;
  injectFault(f: Fault): void;
  setLimits(limits: Partial<Limits> | false): void;
  throttledCount(): number;
  /** Version numbers a path holds (oldest first), soft-deleted or not; [] when absent. */
  versionsOf(path: string): number[];
  /** The store, for assertions only. */
  readonly store: Store;
  stop(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

export async function startScaiVaultDouble(opts: ScaiVaultDoubleOptions = {}): Promise<ScaiVaultDouble> {
  const store = new Store(opts.retentionMs ?? 30 * 24 * 3600 * 1000);
  if (opts.persistDir !== undefined) loadInto(store, opts.persistDir);
  const persister = opts.persistDir === undefined ? undefined : persisterFor(store, opts.persistDir, opts.persistDebounceMs ?? 50);
  const limiter = new RateLimiter(opts.limits === false ? false : { ...DEFAULT_LIMITS, ...(opts.limits ?? {}) });
  const log: RequestRecord[] = [];
  const faults: (Fault & { left: number })[] = [];
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => send(res, 500, { error: { code: "internal_error", message: String((e as Error)?.message ?? e).slice(0, 200), request_id: rid() } }));
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://double");
    const method = req.method ?? "GET";
    const r = route(method, url.pathname);
    const requestId = rid();
    const headers: Record<string, string> = { "x-request-id": requestId };
    const fail = (e: SvError, rec?: Route): void => {
      if (rec) log.push({ op: rec.op, method, ...(rec.arg !== undefined ? { arg: rec.arg } : {}), status: e.status });
      send(res, e.status, { error: { code: e.code, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}), request_id: requestId } }, { ...headers, ...e.headers });
    };
    if (!r) return fail(new SvError(404, "not_found", `no route for ${method} ${url.pathname}`));
    if (r.op === "health") return send(res, 200, { status: "healthy", timestamp: new Date().toISOString() }, headers);
    if (r.op === "ready") return send(res, 200, { status: "ready", checks: { database: "ok", redis: "ok", encryption: "ok" } }, headers);
    if (r.op === "version") return send(res, 200, { version: "double" }, headers);
    // §1: Authorization: Bearer on every other call.
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
    if (!auth) return fail(new SvError(401, "authentication_required", "a bearer token is required"));
    const grant = store.tokens.get(auth[1] as string);
    if (!grant) return fail(new SvError(401, "token_invalid", "the token is not valid"));
    if (grant.revoked) return fail(new SvError(401, "token_revoked", "the token was revoked"));
    let body: Record<string, unknown> = {};
    try {
      body = await readJson(req);
    } catch {
      return fail(new SvError(400, "invalid_request", "the body is not JSON"), r);
    }
    if (r.op === "whoami") {
      log.push({ op: r.op, method, status: 200 });
      return send(res, 200, { identity_id: grant.identity, identity_type: "service_account", display_name: grant.identity, tenant_id: "tenant-double", scopes: [...grant.scopes], token_expires_at: null }, headers);
    }
    const fault = faults.find((f) => f.left > 0 && (f.op === undefined || f.op === r.op));
    if (fault && !fault.afterApply) {
      fault.left--;
      return fail(new SvError(fault.status, fault.code, `injected ${fault.code}`, undefined, fault.headers ?? {}), r);
    }
    try {
      if (r.category) Object.assign(headers, limiter.take(grant.identity, r.category));
      if (r.scope && !grant.scopes.has(r.scope) && !grant.scopes.has("admin")) throw new SvError(403, "insufficient_scope", `the token lacks scope ${r.scope}`);
      const out = await operate(r, url, body, grant.identity);
      if (method !== "GET" && r.op !== "batchRead") persister?.markDirty();
      if (fault?.afterApply) {
        fault.left--;
        return fail(new SvError(fault.status, fault.code, `injected ${fault.code}`, undefined, fault.headers ?? {}), r);
      }
      log.push({ op: r.op, method, ...(r.arg !== undefined ? { arg: r.arg } : {}), status: out.status });
      send(res, out.status, out.body, headers);
    } catch (e) {
      if (e instanceof SvError) return fail(new SvError(e.status, e.code, e.message, e.details, { ...headers, ...e.headers }), r);
      throw e;
    }
  }

  async function operate(r: Route, url: URL, body: Record<string, unknown>, identity: string): Promise<{ status: number; body: unknown }> {
    const arg = r.arg ?? "";
    switch (r.op) {
      case "putSecret": {
        const proxy = store.proxied(arg);
        if (proxy) throw new SvError(403, "forbidden", `path ${arg} is served by federation backend ${proxy.backend.name} in proxy mode; writes are rejected`);
        const s = store.put(arg, body as Parameters<Store["put"]>[1], identity);
        return { status: s.current === 1 ? 201 : 200, body: { path: s.path, version: s.current } };
      }
      case "getSecret": {
        const bad = pathProblem(arg);
        if (bad) throw new SvError(400, "invalid_path", bad);
        const proxy = store.proxied(arg);
        if (proxy) return { status: 200, body: await readThrough(proxy.backend, proxy.vaultPath, arg) };
        const s = store.live(arg);
        if (!s) throw new SvError(404, "secret_not_found", `secret ${arg} not found`);
        const v = url.searchParams.get("version");
        return { status: 200, body: store.view(s, v === null ? undefined : Number(v)) };
      }
      case "deleteSecret": {
        const s = store.live(arg);
        if (!s) throw new SvError(404, "secret_not_found", `secret ${arg} not found`);
        if (store.proxied(arg)) throw new SvError(403, "forbidden", `path ${arg} is served by a federation backend in proxy mode`);
        s.deletedAt = Date.now();
        return { status: 204, body: undefined };
      }
      case "listSecrets": {
        const prefix = url.searchParams.get("prefix") ?? "";
        const limit = Math.min(1000, Math.max(1, Number(url.searchParams.get("limit") ?? "100") || 100));
        const cursor = url.searchParams.get("cursor") ?? "";
        const all = [...store.secrets.keys()].filter((p) => p.startsWith(prefix) && store.live(p)).sort();
        const from = cursor ? all.findIndex((p) => p > Buffer.from(cursor, "base64url").toString()) : 0;
        const page = from < 0 ? [] : all.slice(from, from + limit);
        const more = from >= 0 && from + limit < all.length;
        return { status: 200, body: { secrets: page.map((p) => ({ path: p, version: (store.secrets.get(p) as { current: number }).current })), ...(more ? { cursor: Buffer.from(page[page.length - 1] as string).toString("base64url") } : {}), has_more: more } };
      }
      case "batchRead": {
        const paths = body.paths;
        if (!Array.isArray(paths) || paths.length > 100 || paths.some((p) => typeof p !== "string")) throw new SvError(400, "invalid_request", "paths must be a list of at most 100 strings");
        const meta = (body.options as { include_metadata?: unknown } | undefined)?.include_metadata === true;
        const secrets: Record<string, unknown> = {};
        const errors: Record<string, unknown> = {};
        for (const p of paths as string[]) {
          const s = pathProblem(p) ? undefined : store.live(p);
          if (!s) {
            errors[p] = { code: pathProblem(p) ? "invalid_path" : "secret_not_found", message: `secret ${p} not found` };
            continue;
          }
          const v = store.view(s) as { data: unknown; version: number; secret_type: string; metadata: unknown };
          secrets[p] = { data: v.data, version: v.version, secret_type: v.secret_type, ...(meta ? { metadata: v.metadata } : {}) };
        }
        return { status: 200, body: { secrets, errors } };
      }
      case "listBackends":
        return { status: 200, body: { backends: [...store.backends.values()].map(backendView) } };
      case "createBackend": {
        const b = checkBackend(body);
        if ([...store.backends.values()].some((x) => x.name === b.name)) throw new SvError(409, "backend_exists", `a backend named ${b.name} exists`);
        const id = `fed_${randomBytes(6).toString("hex")}`;
        store.backends.set(id, { ...b, id, createdAt: new Date().toISOString() });
        const st = await statusOf(store.backends.get(id) as Backend);
        return { status: 201, body: { id, status: st.status } };
      }
      case "getBackend":
        return { status: 200, body: backendView(backendOf(arg)) };
      case "patchBackend": {
        const old = backendOf(arg);
        // The double merges the given fields (undocumented; the client always sends the full settings).
        const merged = checkBackend({ ...backendView(old), ...body, config: { ...old.config, ...((body.config as object | undefined) ?? {}) } });
        store.backends.set(arg, { ...merged, id: old.id, createdAt: old.createdAt });
        return { status: 200, body: backendView(store.backends.get(arg) as Backend) };
      }
      case "deleteBackend":
        backendOf(arg);
        store.backends.delete(arg);
        return { status: 204, body: undefined };
      case "backendStatus":
        return { status: 200, body: await statusOf(backendOf(arg)) };
      case "syncBackend":
        if (backendOf(arg).mode !== "sync") throw new SvError(400, "invalid_request", "manual sync needs mode sync");
        return { status: 202, body: { id: arg, status: "syncing" } };
      case "backendConflicts":
        backendOf(arg);
        return { status: 200, body: { conflicts: [] } };
      default:
        throw new SvError(404, "not_found", "no such operation");
    }
  }

  function backendOf(id: string): Backend {
    const b = store.backends.get(id);
    if (!b) throw new SvError(404, "backend_not_found", `backend ${id} not found`);
    return b;
  }

  /** Logs into the backend's Vault with the AppRole credentials kept at `auth_config_path` (§3). */
  async function vaultToken(b: Backend): Promise<string> {
    const creds = store.live(b.config.auth_config_path);
    if (!creds) throw new SvError(502, "invalid_config", `auth_config_path ${b.config.auth_config_path} holds no credentials`);
    const data = (creds.versions[creds.versions.length - 1] as { data: { role_id?: unknown; secret_id?: unknown } }).data;
    const ns = b.config.namespace ? { "x-vault-namespace": b.config.namespace } : {};
    const r = await fetch(`${b.config.endpoint.replace(/\/+$/, "")}/v1/auth/approle/login`, { method: "POST", headers: { "content-type": "application/json", ...ns }, body: JSON.stringify({ role_id: data.role_id, secret_id: data.secret_id }) });
    const j = (await r.json().catch(() => ({}))) as { auth?: { client_token?: string } };
    if (!r.ok || !j.auth?.client_token) throw new SvError(502, "service_unavailable", `the backend's Vault refused the AppRole login (${r.status})`);
    return j.auth.client_token;
  }

  async function readThrough(b: Backend, vaultPath: string, path: string): Promise<unknown> {
    const token = await vaultToken(b);
    const ns = b.config.namespace ? { "x-vault-namespace": b.config.namespace } : {};
    const r = await fetch(`${b.config.endpoint.replace(/\/+$/, "")}/v1/${vaultPath}`, { headers: { "x-vault-token": token, ...ns } });
    if (r.status === 404) throw new SvError(404, "secret_not_found", `secret ${path} not found in backend ${b.name}`);
    const j = (await r.json().catch(() => ({}))) as { data?: { data?: Record<string, unknown>; metadata?: { version?: number } } };
    if (!r.ok || !j.data?.data) throw new SvError(502, "service_unavailable", `backend ${b.name} answered ${r.status}`);
    return { path, secret_type: "kv", version: j.data.metadata?.version ?? 1, data: j.data.data, metadata: { description: "", tags: [], owner: `federation:${b.name}` }, created_at: null, updated_at: null, expires_at: null };
  }

  async function statusOf(b: Backend): Promise<Record<string, unknown>> {
    const t0 = Date.now();
    let connected = true;
    try {
      await vaultToken(b);
    } catch {
      connected = false;
    }
    return { id: b.id, name: b.name, status: connected ? "healthy" : "unhealthy", last_sync: null, last_sync_duration_ms: null, secrets_synced: 0, connection: { status: connected ? "connected" : "disconnected", latency_ms: Date.now() - t0 } };
  }

  const address = await new Promise<AddressInfo>((resolve) => server.listen(opts.port ?? 0, "127.0.0.1", () => resolve(server.address() as AddressInfo)));
  let stopped = false;
  return {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    store,
    issueToken: (scopes = ["admin"], identity, token) => store.issueToken(scopes, identity, token),
    revokeToken(token) {
      const g = store.tokens.get(token);
      if (g) g.revoked = true;
    },
    requests: () => log,
    count: (op, status) => log.filter((x) => x.op === op && (status === undefined || x.status === status)).length,
    resetRequests: () => void log.splice(0),
    injectFault: (f) => void faults.push({ ...f, left: f.count ?? 1 }),
    setLimits(limits) {
      limiter.limits = limits === false ? false : { ...DEFAULT_LIMITS, ...limits };
      limiter.reset();
    },
    throttledCount: () => limiter.throttled,
    versionsOf: (path) => store.secrets.get(path)?.versions.map((v) => v.version) ?? [],
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      persister?.flush();
    },
  };
}

const BACKEND_TYPES = ["hashicorp-vault", "aws-secrets-manager", "azure-key-vault", "google-secret-manager"];
const AUTH_METHODS = ["approle", "token", "kubernetes", "aws", "gcp"];

/** Checks a backend body (§3); errors with the codes the sheet names. */
function checkBackend(body: Record<string, unknown>): Omit<Backend, "id" | "createdAt"> {
  const name = body.name;
  if (typeof name !== "string" || !name) throw new SvError(422, "validation_error", "name is required", { fields: { name: "required" } });
  if (typeof body.type !== "string" || !BACKEND_TYPES.includes(body.type)) throw new SvError(400, "invalid_config", `type must be one of ${BACKEND_TYPES.join(", ")}`);
  const c = (body.config ?? {}) as Record<string, unknown>;
  if (typeof c.endpoint !== "string" || !c.endpoint) throw new SvError(400, "invalid_config", "config.endpoint is required");
  if (typeof c.auth_method !== "string" || !AUTH_METHODS.includes(c.auth_method)) throw new SvError(400, "invalid_config", `config.auth_method must be one of ${AUTH_METHODS.join(", ")}`);
  if (typeof c.auth_config_path !== "string" || pathProblem(c.auth_config_path)) throw new SvError(400, "invalid_path", "config.auth_config_path must be a valid secret path");
  const mapping = body.path_mapping;
  if (typeof mapping !== "object" || mapping === null || Object.keys(mapping).length === 0) throw new SvError(400, "invalid_config", "path_mapping must map at least one pattern");
  for (const [pattern, template] of Object.entries(mapping as Record<string, unknown>)) {
    const bad = globProblem(pattern);
    if (bad) throw new SvError(400, "invalid_glob", `path_mapping pattern ${JSON.stringify(pattern)}: ${bad}`);
    if (typeof template !== "string" || !template) throw new SvError(400, "invalid_config", `path_mapping template of ${JSON.stringify(pattern)} must be a string`);
  }
  const mode = body.mode ?? "proxy";
  if (mode !== "proxy" && mode !== "sync") throw new SvError(400, "invalid_config", 'mode must be "proxy" or "sync"');
  const interval = body.sync_interval;
  if (mode === "sync" && (typeof interval !== "string" || !/^\d+[smhd]$/.test(interval))) throw new SvError(400, "invalid_duration", "sync_interval (e.g. 15m) is required in sync mode");
  return {
    name,
    type: body.type,
    config: { endpoint: c.endpoint, auth_method: c.auth_method, auth_config_path: c.auth_config_path, tls_verify: c.tls_verify !== false, ...(typeof c.namespace === "string" ? { namespace: c.namespace } : {}) },
    path_mapping: { ...(mapping as Record<string, string>) },
    mode,
    ...(typeof interval === "string" ? { sync_interval: interval } : {}),
    ...(typeof body.conflict_resolution === "string" ? { conflict_resolution: body.conflict_resolution } : {}),
  };
}

function backendView(b: Backend): Record<string, unknown> {
  return { id: b.id, name: b.name, type: b.type, config: { ...b.config }, path_mapping: { ...b.path_mapping }, mode: b.mode, ...(b.sync_interval ? { sync_interval: b.sync_interval } : {}), ...(b.conflict_resolution ? { conflict_resolution: b.conflict_resolution } : {}), created_at: b.createdAt };
}

function rid(): string {
  return `req_${randomUUID().replace(/-/g, "").slice(0, 16)}`;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, { ...headers, ...(text ? { "content-type": "application/json" } : {}), "content-length": Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > MAX_BODY) throw new Error("too large");
    chunks.push(c as Buffer);
  }
  if (n === 0) return {};
  return JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
}

export { SCOPES };
