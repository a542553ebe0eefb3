// A contract double of Infisical's REST API (fact sheet shared/infisical-api.md), on plain HTTP on
// 127.0.0.1: universal-auth login and renewal, projects, environments, folders, v4 secrets and
// batches, the error envelope, the 1 MiB body cap and the Cloud plans' rate limits (secrets, read,
// write, overall).
// Test infrastructure only: production code never imports it.
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { loadInto, persisterFor } from "./persist";
import { InfisicalStore, doubleError, isDoubleError } from "./store";
import { VaultSyncs } from "./vaultSyncs";

/**
 * Requests per minute (§7): Free secrets 120, read 200, write 90; Pro 300, 350, 200; both 600 over
 * all requests; self-hosted none. A custom plan limits what it names.
 */
export type InfisicalPlan = "free" | "pro" | "self-hosted" | { readonly secretsPerMinute: number; readonly readPerMinute?: number; readonly writePerMinute?: number; readonly overallPerMinute?: number };

type Limited = "secrets" | "read" | "write" | "overall";

const PLANS: Readonly<Record<"free" | "pro", Readonly<Record<Limited, number>>>> = {
  free: { secrets: 120, read: 200, write: 90, overall: 600 },
  pro: { secrets: 300, read: 350, write: 200, overall: 600 },
};

export interface InfisicalDoubleOptions {
  /** Default `self-hosted` (no limit). */
  readonly plan?: InfisicalPlan;
  /** Scales a plan's limits (the bench's ×10). Default 1. */
  readonly rateScale?: number;
  /** Access-token TTL in seconds. Default 2,592,000 (30 days, §1). */
  readonly tokenTtlSeconds?: number;
  /** Max TTL in seconds past which renewal is refused. Default = 4 × TTL. */
  readonly tokenMaxTtlSeconds?: number;
  /** The limit's window (tests shorten it so a wait is seconds). Default 60,000 ms. */
  readonly rateWindowMs?: number;
  /** Also send `Retry-After` on 429 (the sheet states only the message; default false). */
  readonly retryAfterHeader?: boolean;
  /** Port on 127.0.0.1; default a free one (the demo keeps one, so the site URL stays the same). */
  readonly port?: number;
  /** Keep projects, secrets, identities, Vault app connections and syncs in this directory (loaded at start, saved after each change). */
  readonly persistDir?: string;
  /** Debounce of saves; default 50 ms (0 = on every change). `stop()` writes what is pending. */
  readonly persistDebounceMs?: number;
  /** Infisical's `ALLOW_INTERNAL_IP_CONNECTIONS=true`: Vault app connections to loopback/private URLs accepted. Default false. */
  readonly allowInternalIpConnections?: boolean;
}

export interface InfisicalDouble {
  /** `http://127.0.0.1:<port>`: the site URL (the API is under `/api`). */
  readonly siteUrl: string;
  readonly store: InfisicalStore;
  /** HashiCorp Vault app connections and secret syncs (§4, §5; vaultSyncs.ts). */
  readonly vaultSyncs: VaultSyncs;
  /** A machine identity with universal auth; returns its credentials (`chosen`: these, e.g. the same every run). */
  createIdentity(chosen?: { clientId: string; clientSecret: string }): { clientId: string; clientSecret: string };
  /** From now on, secret write requests after the first `after` answer 500 (a server failing mid-run); `undefined` clears it. */
  failWritesAfter(after: number | undefined): void;
  /** Every access token issued so far (for leak scans). */
  issuedTokens(): string[];
  /** Makes every access token issued so far answer 401 (as if expired). */
  expireTokens(): void;
  /** Requests by `METHOD /api/…` route pattern since start or the last reset. */
  counters(): Record<string, number>;
  /** Secret writes (keys created, updated or deleted) since start or the last reset. */
  writes(): number;
  /** 429s answered by the rate limits. */
  throttled(): number;
  /** 429s by the limit that answered them. */
  throttledBy(): Partial<Record<Limited, number>>;
  resetCounters(): void;
  stop(): Promise<void>;
}

const BODY_LIMIT = 1024 * 1024;

interface Token {
  identity: string;
  expiresAt: number;
  maxAt: number;
}

export async function startInfisicalDouble(options: InfisicalDoubleOptions = {}): Promise<InfisicalDouble> {
  const store = new InfisicalStore();
  const identities = new Map<string, string>();
  // A sync ends after its request was answered: its status is saved then.
  const vaultSyncs: VaultSyncs = new VaultSyncs(store, { allowInternalIpConnections: options.allowInternalIpConnections ?? false, onChange: () => persister?.markDirty() });
  if (options.persistDir !== undefined) loadInto(store, identities, vaultSyncs, options.persistDir);
  const persister = options.persistDir === undefined ? undefined : persisterFor(store, identities, vaultSyncs, options.persistDir, options.persistDebounceMs ?? 50);
  const tokens = new Map<string, Token>();
  const issued: string[] = [];
  const ttl = options.tokenTtlSeconds ?? 2_592_000;
  const maxTtl = options.tokenMaxTtlSeconds ?? ttl * 4;
  const plan = options.plan ?? "self-hosted";
  const base: Partial<Record<Limited, number>> =
    plan === "self-hosted" ? {} : typeof plan === "string" ? PLANS[plan] : { secrets: plan.secretsPerMinute, read: plan.readPerMinute, write: plan.writePerMinute, overall: plan.overallPerMinute };
  const perMinute = new Map<Limited, number>();
  for (const [k, v] of Object.entries(base) as [Limited, number | undefined][]) if (v !== undefined) perMinute.set(k, Math.floor(v * (options.rateScale ?? 1)));
  const windows = new Map<Limited, number[]>();
  const windowMs = options.rateWindowMs ?? 60_000;
  let throttledBy: Partial<Record<Limited, number>> = {};
  let counters: Record<string, number> = {};
  let writes = 0;
  let throttled = 0;
  let failAfter: number | undefined;

  const issue = (identity: string, maxAt?: number): Record<string, unknown> => {
    const accessToken = `inf-at-${randomBytes(18).toString("hex")}`;
    const now = Date.now();
    issued.push(accessToken);
    tokens.set(accessToken, { identity, expiresAt: now + ttl * 1000, maxAt: maxAt ?? now + maxTtl * 1000 });
    return { accessToken, expiresIn: ttl, accessTokenMaxTTL: maxTtl, tokenType: "Bearer" };
  };

  const authed = (req: IncomingMessage): void => {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
    const t = m ? tokens.get(m[1] as string) : undefined;
    if (!t || Date.now() >= t.expiresAt) throw doubleError(401, "UnauthorizedError", "Token missing or expired");
  };

  /** One limit (§7): a sliding minute over the requests it counts; a refused request is not counted. */
  const rateLimit = (res: ServerResponse, limit: Limited): boolean => {
    const max = perMinute.get(limit);
    if (max === undefined) return false;
    const now = Date.now();
    let window = windows.get(limit);
    if (!window) windows.set(limit, (window = []));
    while (window.length > 0 && (window[0] as number) <= now - windowMs) window.shift();
    if (window.length < max) {
      window.push(now);
      return false;
    }
    throttled++;
    throttledBy[limit] = (throttledBy[limit] ?? 0) + 1;
    const wait = Math.max(1, Math.ceil(((window[0] as number) + windowMs - now) / 1000));
    if (options.retryAfterHeader) res.setHeader("retry-after", String(wait));
    send(res, 429, envelope(429, "RateLimitExceeded", `Rate limit exceeded. Please try again in ${wait} seconds`));
    return true;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://double");
    const path = url.pathname.replace(/\/+$/, "");
    const q = url.searchParams;
    const method = req.method ?? "GET";
    const count = (route: string): void => {
      counters[`${method} ${route}`] = (counters[`${method} ${route}`] ?? 0) + 1;
    };
    let m: RegExpExecArray | null;
    // Every request counts against the overall limit first (as Infisical's global limiter, per
    // client IP), then an authenticated one against its route's category (below).
    if (rateLimit(res, "overall")) return;
    if (method === "POST" && path === "/api/v1/auth/universal-auth/login") {
      count("/api/v1/auth/universal-auth/login");
      const secret = identities.get(String(body.clientId ?? ""));
      if (!secret || secret !== body.clientSecret) throw doubleError(401, "UnauthorizedError", "Invalid credentials");
      return send(res, 200, issue(String(body.clientId)));
    }
    if (method === "POST" && path === "/api/v1/auth/token/renew") {
      count("/api/v1/auth/token/renew");
      const t = tokens.get(String(body.accessToken ?? ""));
      if (!t || Date.now() >= t.expiresAt || Date.now() >= t.maxAt) throw doubleError(401, "UnauthorizedError", "Failed to renew access token");
      tokens.delete(String(body.accessToken));
      return send(res, 200, issue(t.identity, t.maxAt));
    }
    authed(req);
    if (rateLimit(res, path.startsWith("/api/v4/secrets") ? "secrets" : method === "GET" ? "read" : "write")) return;
    if (path.startsWith("/api/v1/app-connections/") || path.startsWith("/api/v1/secret-syncs/")) {
      count(path.replace(/\/[0-9a-f-]{36}(?=\/|$)/g, "/{id}"));
      const answer = await vaultSyncs.route(method, path, q, body);
      if (answer !== undefined) return send(res, 200, answer);
    }
    if (method === "POST" && path === "/api/v1/projects") {
      count("/api/v1/projects");
      return send(res, 200, { project: projectJson(store.createProject(body)) });
    }
    if (method === "GET" && (m = /^\/api\/v1\/projects\/slug\/([^/]+)$/.exec(path))) {
      count("/api/v1/projects/slug/{slug}");
      return send(res, 200, projectJson(store.projectBySlug(decodeURIComponent(m[1] as string))));
    }
    if (method === "GET" && (m = /^\/api\/v1\/projects\/([^/]+)$/.exec(path))) {
      count("/api/v1/projects/{id}");
      return send(res, 200, { project: projectJson(store.project(decodeURIComponent(m[1] as string))) });
    }
    if (method === "POST" && (m = /^\/api\/v1\/projects\/([^/]+)\/environments$/.exec(path))) {
      count("/api/v1/projects/{id}/environments");
      const e = store.createEnvironment(decodeURIComponent(m[1] as string), body);
      return send(res, 200, { message: "Successfully created environment", projectId: m[1], environment: { id: e.id, name: e.name, slug: e.slug, position: 1 } });
    }
    if (method === "GET" && (m = /^\/api\/v1\/projects\/([^/]+)\/environments\/slug\/([^/]+)$/.exec(path))) {
      count("/api/v1/projects/{id}/environments/slug/{slug}");
      const e = store.env(decodeURIComponent(m[1] as string), decodeURIComponent(m[2] as string));
      return send(res, 200, { environment: { id: e.id, name: e.name, slug: e.slug } });
    }
    if (path === "/api/v2/folders" && method === "POST") {
      count("/api/v2/folders");
      return send(res, 200, { folder: store.createFolder(body) });
    }
    if (path === "/api/v2/folders" && method === "GET") {
      count("/api/v2/folders");
      return send(res, 200, { folders: store.listFolders(q.get("projectId") ?? "", q.get("environment"), q.get("path")) });
    }
    if (path.startsWith("/api/v4/secrets")) {
      if (path === "/api/v4/secrets" && method === "GET") {
        count("/api/v4/secrets");
        return send(res, 200, { secrets: store.listSecrets(q.get("projectId") ?? "", q.get("environment"), q.get("secretPath"), q.get("recursive") === "true"), imports: [] });
      }
      const scope = { projectId: String(body.projectId ?? ""), environment: body.environment, secretPath: body.secretPath };
      if (method !== "GET" && failAfter !== undefined && failAfter-- <= 0) throw doubleError(500, "InternalServerError", "Something went wrong");
      if (path === "/api/v4/secrets/batch") {
        count("/api/v4/secrets/batch");
        const items = Array.isArray(body.secrets) ? (body.secrets as Record<string, unknown>[]) : [];
        // The sheet names no upper bound on a batch (the 1 MiB body cap is the bound).
        if (items.length === 0) throw doubleError(422, "ValidationFailure", [{ path: ["secrets"], message: "at least one secret" }]);
        // All or nothing, as a transaction: every item is checked on a copy first.
        const probe = structuredCloneStore(store, scope.projectId);
        const apply = (s: InfisicalStore): void => {
          for (const it of items) {
            if (method === "POST") s.put(scope.projectId, scope.environment, scope.secretPath, it, "create");
            else if (method === "PATCH") s.put(scope.projectId, scope.environment, scope.secretPath, it, body.mode === "upsert" ? "upsert" : "update");
            else if (method === "DELETE") s.remove(scope.projectId, scope.environment, it.secretPath ?? scope.secretPath, it.secretKey);
          }
        };
        if (method !== "POST" && method !== "PATCH" && method !== "DELETE") throw doubleError(404, "NotFound", "Route not found");
        apply(probe);
        apply(store);
        writes += items.length;
        return send(res, 200, { secrets: items.map((it) => ({ secretKey: it.secretKey })) });
      }
      if ((m = /^\/api\/v4\/secrets\/([^/]+)$/.exec(path))) {
        count("/api/v4/secrets/{name}");
        const key = decodeURIComponent(m[1] as string);
        if (method === "DELETE") store.remove(scope.projectId, scope.environment, scope.secretPath, key);
        else if (method === "POST" || method === "PATCH") store.put(scope.projectId, scope.environment, scope.secretPath, { ...body, secretKey: key }, method === "POST" ? "create" : "update");
        else throw doubleError(404, "NotFound", "Route not found");
        writes++;
        return send(res, 200, { secret: { secretKey: key } });
      }
    }
    throw doubleError(404, "NotFound", `Route ${method}:${path} not found`);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= BODY_LIMIT) chunks.push(c);
    });
    req.on("end", () => {
      void (async () => {
        try {
          if (size > BODY_LIMIT) throw doubleError(413, "FST_ERR_CTP_BODY_TOO_LARGE", "Request body is too large");
          const text = Buffer.concat(chunks).toString("utf8");
          const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
          await handle(req, res, body);
          // Persistence hook: anything but a read may have changed the store.
          if (req.method !== "GET") persister?.markDirty();
          // Auto-sync (§5): a secret write queues the syncs of its environment.
          if (req.method !== "GET" && (req.url ?? "").startsWith("/api/v4/secrets") && res.statusCode === 200) vaultSyncs.secretsChanged(body.projectId, body.environment);
        } catch (e) {
          if (isDoubleError(e)) send(res, e.status, envelope(e.status, e.errorName, e.detail));
          else send(res, 500, envelope(500, "InternalServerError", "Something went wrong"));
        }
      })();
    });
  });
  const sockets = new Set<Socket>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    siteUrl: `http://127.0.0.1:${port}`,
    store,
    vaultSyncs,
    createIdentity(chosen) {
      const clientId = chosen?.clientId ?? randomUUID();
      const clientSecret = chosen?.clientSecret ?? `inf-cs-${randomBytes(24).toString("hex")}`;
      identities.set(clientId, clientSecret);
      persister?.markDirty();
      return { clientId, clientSecret };
    },
    issuedTokens: () => [...issued],
    failWritesAfter(after) {
      failAfter = after;
    },
    expireTokens() {
      for (const t of tokens.values()) t.expiresAt = 0;
    },
    counters: () => ({ ...counters }),
    writes: () => writes,
    throttled: () => throttled,
    throttledBy: () => ({ ...throttledBy }),
    resetCounters() {
      counters = {};
      writes = 0;
      throttled = 0;
      throttledBy = {};
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      })
        // A sync still running is saved with the status it ends with.
        .then(() => vaultSyncs.idle())
        .then(() => persister?.flush()),
  };
}

function envelope(statusCode: number, error: string, message: unknown): Record<string, unknown> {
  return { reqId: `req-${randomBytes(6).toString("hex")}`, statusCode, message, error };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function projectJson(p: { id: string; name: string; slug: string; environments: { id: string; name: string; slug: string }[] }): Record<string, unknown> {
  return { id: p.id, name: p.name, slug: p.slug, type: "secret-manager", orgId: "org-double", environments: p.environments.map((e) => ({ id: e.id, name: e.name, slug: e.slug })) };
}

/** A copy of one project's data, to check a batch before applying it (batches are all or nothing). */
function structuredCloneStore(store: InfisicalStore, projectId: string): InfisicalStore {
  const copy = new InfisicalStore();
  const p = store.projects.find((x) => x.id === projectId);
  if (p) copy.projects.push({ ...p, environments: p.environments.map((e) => ({ ...e, folders: new Set(e.folders), secrets: new Map([...e.secrets].map(([k, v]) => [k, { ...v, metadata: [...v.metadata] }])) })) });
  return copy;
}
