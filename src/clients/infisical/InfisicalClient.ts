import { Agent, request, type Dispatcher } from "undici";
import { isClientError } from "../http/errors";
import { clientErrorOutcome, retryHintMs, retryPolicy, systemRetryClock, withRetry, type AttemptOutcome, type RetryClock, type RetryPolicy } from "../http/retry";
import { sharedPacer, type Pacer } from "../http/pacer";
import { infisicalApiError, infisicalConnectionError, infisicalInvalidResponse, isInfisicalApiError } from "./errors";
import { toVaultAppConnection, toVaultSecretSync, type VaultAppConnection, type VaultConnectionCreate, type VaultConnectionUpdate, type VaultSecretSync, type VaultSyncCreate, type VaultSyncUpdate } from "./vaultSync";

const CONNECTIONS = "v1/app-connections/hashicorp-vault";
const SYNCS = "v1/secret-syncs/hashicorp-vault";

/** Infisical Cloud (US), its EU region; anything else is a self-hosted site. */
export const INFISICAL_CLOUD_US = "https://app.infisical.com";
export const INFISICAL_CLOUD_EU = "https://eu.infisical.com";

/** A machine identity's universal-auth credentials, or a ready access token (no renewal). */
export type InfisicalAuth = { readonly method: "universal-auth"; readonly clientId: string; readonly clientSecret: string } | { readonly method: "access-token"; readonly accessToken: string };

/**
 * Requests per window the client keeps under, per Infisical's categories (fact sheet §7): the
 * secrets endpoints (`/api/v4/secrets…`), other reads (GET), other writes, and all together.
 */
export interface InfisicalPacing {
  /** The secrets endpoints' limit. */
  readonly requestsPerMinute: number;
  /** Other GETs (folders, projects, environments). Default: `requestsPerMinute`. */
  readonly readPerMinute?: number;
  /** Other mutations (folders, projects, environments, login). Default: `requestsPerMinute`. */
  readonly writePerMinute?: number;
  /** Every request together. Default: 600 on Infisical Cloud (per client IP), none elsewhere. */
  readonly overallPerMinute?: number;
  /** Fraction of each limit used. Default 0.95. */
  readonly headroom?: number;
  /** The limits' window. Default 60,000 ms (a minute). */
  readonly windowMs?: number;
}

/** Cloud plans' limits per minute (fact sheet §7). */
export const INFISICAL_PLAN_LIMITS: Readonly<Record<string, Required<Pick<InfisicalPacing, "requestsPerMinute" | "readPerMinute" | "writePerMinute" | "overallPerMinute">>>> = {
  free: { requestsPerMinute: 120, readPerMinute: 200, writePerMinute: 90, overallPerMinute: 600 },
  pro: { requestsPerMinute: 300, readPerMinute: 350, writePerMinute: 200, overallPerMinute: 600 },
};

/** Every Cloud plan's limit on all requests of a client IP (§7). */
export const INFISICAL_CLOUD_OVERALL_PER_MINUTE = 600;

type Category = "secrets" | "read" | "write";

/** Which of Infisical's limits counts a request. */
export function infisicalCategory(method: string, path: string): Category {
  if (/^v\d+\/secrets(\/|$)/.test(path)) return "secrets";
  return method === "GET" ? "read" : "write";
}

export interface InfisicalClientOptions {
  /** `https://app.infisical.com`, `https://eu.infisical.com` or a self-hosted site (without `/api`). */
  readonly siteUrl: string;
  readonly auth: InfisicalAuth;
  /** PEM bundle to trust for this site only. */
  readonly caCertPem?: string;
  /** Pacing of every request under its category's limit; `false`/absent: none (self-hosted without limits). */
  readonly pacing?: InfisicalPacing | false;
  readonly timeoutMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  readonly clock?: RetryClock;
  readonly dispatcher?: Dispatcher;
  /** Told of each token obtained (never the token): `login`, `renew`. */
  readonly onTokenEvent?: (event: "login" | "renew") => void;
}

export interface InfisicalProject {
  readonly id: string;
  readonly name: string;
  readonly slug: string;
  readonly environments?: readonly { readonly id: string; readonly name: string; readonly slug: string }[];
}

export interface InfisicalSecretMetadata {
  readonly key: string;
  readonly value: string;
}

/** A secret as listed with its value (in memory only) and metadata. */
export interface InfisicalSecret {
  readonly secretKey: string;
  readonly secretValue: string;
  readonly secretPath: string;
  readonly version?: number;
  readonly secretMetadata: readonly InfisicalSecretMetadata[];
}

export interface SecretScope {
  readonly projectId: string;
  readonly environment: string;
  readonly secretPath: string;
}

export interface SecretUpsert {
  readonly secretKey: string;
  readonly secretValue: string;
  readonly secretMetadata: readonly InfisicalSecretMetadata[];
}

type Method = "GET" | "POST" | "PATCH" | "DELETE";

interface CallOptions {
  readonly body?: unknown;
  readonly query?: Readonly<Record<string, string | boolean | undefined>>;
  /** Safe to send twice (GET, DELETE, a batch upsert). */
  readonly idempotent?: boolean;
  /** Statuses answered as `undefined` (typically 404). */
  readonly allow?: readonly number[];
  readonly anonymous?: boolean;
}

/**
 * A small Infisical REST client on undici (fact sheet shared/infisical-api.md): universal-auth login
 * with renewal at 80% of the token's life (a fresh login when renewal fails or the max TTL nears,
 * and once more on a 401), the shared retry policy for idempotent calls (429 with Retry-After or
 * Infisical's "try again in N seconds", 5xx, dropped connections), optional pacing per site, and
 * errors that carry Infisical's statusCode/error/message/reqId and never a body, value or token.
 */
export class InfisicalClient {
  private readonly base: string;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly policy: RetryPolicy;
  private readonly clock: RetryClock;
  private readonly timeoutMs: number;
  /** One shared pacer per category, and one over all requests (Cloud). */
  private readonly pacers?: Readonly<Record<Category, Pacer>>;
  private readonly overall?: Pacer;
  private token?: string;
  private refreshAt: number;
  /** When the token's max TTL ends: past it renewal cannot help. */
  private maxAt: number;
  private refreshing?: Promise<void>;

  constructor(private readonly options: InfisicalClientOptions) {
    this.base = normalizeSiteUrl(options.siteUrl);
    this.policy = retryPolicy(options.retry ?? {});
    this.clock = options.clock ?? systemRetryClock;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher = options.dispatcher ?? new Agent({ connections: 16, keepAliveTimeout: 30_000, connect: { ca: options.caCertPem || undefined } });
    this.refreshAt = Number.POSITIVE_INFINITY;
    this.maxAt = Number.POSITIVE_INFINITY;
    if (options.auth.method === "access-token") this.token = options.auth.accessToken;
    if (options.pacing) {
      const p = options.pacing;
      const windowMs = p.windowMs ?? 60_000;
      const pacer = (category: string, perWindow: number): Pacer => sharedPacer(`infisical|${this.base}|${category}`, Math.max(1, Math.floor(perWindow * (p.headroom ?? 0.95))), windowMs);
      this.pacers = { secrets: pacer("secrets", p.requestsPerMinute), read: pacer("read", p.readPerMinute ?? p.requestsPerMinute), write: pacer("write", p.writePerMinute ?? p.requestsPerMinute) };
      const cloud = this.base === INFISICAL_CLOUD_US || this.base === INFISICAL_CLOUD_EU;
      const overall = p.overallPerMinute ?? (cloud ? INFISICAL_CLOUD_OVERALL_PER_MINUTE : undefined);
      if (overall !== undefined) this.overall = pacer("overall", overall);
    }
  }

  get siteUrl(): string {
    return this.base;
  }

  // Projects, environments, folders (fact sheet §2).

  async getProjectBySlug(slug: string): Promise<InfisicalProject | undefined> {
    const r = await this.call<InfisicalProject | { project: InfisicalProject }>("GET", `v1/projects/slug/${encodeURIComponent(slug)}`, { allow: [404] });
    // The sheet says the object itself; accept `{project}` too.
    return r === undefined ? undefined : "project" in r ? r.project : r;
  }

  /** Creates the project with a fixed slug (how a re-run finds it again); an existing slug is found, not duplicated. */
  async ensureProject(slug: string, name: string): Promise<InfisicalProject> {
    const found = await this.getProjectBySlug(slug);
    if (found) return found;
    try {
      // Retried like an idempotent call: a repeat after a lost answer is a 400 "already exists", found below.
      const r = await this.call<{ project: InfisicalProject }>("POST", "v1/projects", { idempotent: true, body: { projectName: name, slug, type: "secret-manager", shouldCreateDefaultEnvs: false } });
      if (!r?.project?.id) throw infisicalInvalidResponse("POST", "v1/projects", 200, "no project");
      return r.project;
    } catch (e) {
      // A lost answer or a concurrent run: the project may exist now.
      const again = isClientError(e) ? await this.getProjectBySlug(slug) : undefined;
      if (again) return again;
      throw e;
    }
  }

  async getEnvironment(projectId: string, slug: string): Promise<{ id: string; slug: string } | undefined> {
    const r = await this.call<{ environment: { id: string; slug: string } }>("GET", `v1/projects/${encodeURIComponent(projectId)}/environments/slug/${encodeURIComponent(slug)}`, { allow: [404] });
    return r?.environment;
  }

  async ensureEnvironment(projectId: string, slug: string, name: string): Promise<void> {
    if (await this.getEnvironment(projectId, slug)) return;
    try {
      await this.call("POST", `v1/projects/${encodeURIComponent(projectId)}/environments`, { idempotent: true, body: { name, slug } });
    } catch (e) {
      if (isClientError(e) && (await this.getEnvironment(projectId, slug))) return;
      throw e;
    }
  }

  async listFolders(projectId: string, environment: string, path: string): Promise<string[]> {
    const r = await this.call<{ folders: { name: string }[] }>("GET", "v2/folders", { query: { projectId, environment, path }, allow: [404] });
    return (r?.folders ?? []).map((f) => f.name);
  }

  /** Creates `path` (absolute, `/a/b`) and its missing parents; an existing folder is fine. */
  async ensureFolder(projectId: string, environment: string, path: string): Promise<void> {
    const segments = path.split("/").filter(Boolean);
    let parent = "/";
    for (const name of segments) {
      const existing = await this.listFolders(projectId, environment, parent);
      if (!existing.includes(name)) await this.createFolder(projectId, environment, parent, name);
      parent = parent === "/" ? `/${name}` : `${parent}/${name}`;
    }
  }

  /** Creates folder `name` in `parent` (which must exist); one that exists already is fine. */
  async createFolder(projectId: string, environment: string, parent: string, name: string): Promise<void> {
    try {
      await this.call("POST", "v2/folders", { idempotent: true, body: { projectId, environment, name, path: parent } });
    } catch (e) {
      // 400 "already exists": a concurrent writer, or our own lost answer.
      if (!isInfisicalApiError(e, 400) || !(await this.listFolders(projectId, environment, parent)).includes(name)) throw e;
    }
  }

  // Secrets (fact sheet §3).

  /** Secrets of a folder (and below, with `recursive`), values as written (references not expanded). A missing folder is empty. */
  async listSecrets(scope: SecretScope, recursive = false): Promise<InfisicalSecret[]> {
    const r = await this.call<{ secrets: Partial<InfisicalSecret>[] }>("GET", "v4/secrets", {
      query: { projectId: scope.projectId, environment: scope.environment, secretPath: scope.secretPath, recursive, viewSecretValue: true, expandSecretReferences: false, include_imports: false },
      allow: [404],
    });
    return (r?.secrets ?? []).map((s) => ({
      secretKey: String(s.secretKey ?? ""),
      secretValue: typeof s.secretValue === "string" ? s.secretValue : "",
      secretPath: typeof s.secretPath === "string" ? s.secretPath : scope.secretPath,
      ...(typeof s.version === "number" ? { version: s.version } : {}),
      secretMetadata: Array.isArray(s.secretMetadata) ? s.secretMetadata.map((m) => ({ key: String(m.key), value: String(m.value ?? "") })) : [],
    }));
  }

  /** Creates or updates these keys in one request (`PATCH …/batch`, mode upsert): safe to repeat. */
  async upsertSecrets(scope: SecretScope, secrets: readonly SecretUpsert[]): Promise<void> {
    if (secrets.length === 0) return;
    await this.call("PATCH", "v4/secrets/batch", {
      idempotent: true,
      body: { projectId: scope.projectId, environment: scope.environment, secretPath: scope.secretPath, mode: "upsert", secrets: secrets.map((s) => ({ ...s, type: "shared" })) },
    });
  }

  /** Deletes these keys in one request. A key already gone is not an error (a retried delete). */
  async deleteSecrets(scope: SecretScope, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    try {
      await this.call("DELETE", "v4/secrets/batch", { body: { ...scope, secrets: keys.map((secretKey) => ({ secretKey, type: "shared" })) } });
    } catch (e) {
      if (!isInfisicalApiError(e, 404)) throw e;
      // Some were gone: delete the rest one by one.
      const present = new Set((await this.listSecrets(scope)).map((s) => s.secretKey));
      for (const k of keys) if (present.has(k)) await this.call("DELETE", `v4/secrets/${encodeURIComponent(k)}`, { body: { ...scope, type: "shared" }, allow: [404] });
    }
  }

  // HashiCorp Vault app connection (fact sheet §4). Creates and updates are not retried: a repeat
  // after a lost answer is a 400 "already exists" (create) or a second credential check (update).

  async createVaultConnection(body: VaultConnectionCreate): Promise<VaultAppConnection> {
    const r = await this.call<{ appConnection: Record<string, unknown> }>("POST", CONNECTIONS, { body, idempotent: false });
    if (!r?.appConnection?.id) throw infisicalInvalidResponse("POST", CONNECTIONS, 200, "no appConnection");
    return toVaultAppConnection(r.appConnection);
  }

  async getVaultConnection(id: string): Promise<VaultAppConnection | undefined> {
    const r = await this.call<{ appConnection: Record<string, unknown> }>("GET", `${CONNECTIONS}/${encodeURIComponent(id)}`, { allow: [404] });
    return r?.appConnection ? toVaultAppConnection(r.appConnection) : undefined;
  }

  async getVaultConnectionByName(name: string): Promise<VaultAppConnection | undefined> {
    const r = await this.call<{ appConnection: Record<string, unknown> }>("GET", `${CONNECTIONS}/connection-name/${encodeURIComponent(name)}`, { allow: [404] });
    return r?.appConnection ? toVaultAppConnection(r.appConnection) : undefined;
  }

  async updateVaultConnection(id: string, body: VaultConnectionUpdate): Promise<VaultAppConnection> {
    const path = `${CONNECTIONS}/${encodeURIComponent(id)}`;
    const r = await this.call<{ appConnection: Record<string, unknown> }>("PATCH", path, { body, idempotent: body.credentials === undefined });
    if (!r?.appConnection?.id) throw infisicalInvalidResponse("PATCH", path, 200, "no appConnection");
    return toVaultAppConnection(r.appConnection);
  }

  /** A connection already gone is not an error; one a sync still uses is Infisical's 400. */
  async deleteVaultConnection(id: string): Promise<void> {
    await this.call("DELETE", `${CONNECTIONS}/${encodeURIComponent(id)}`, { allow: [404] });
  }

  // HashiCorp Vault secret sync (fact sheet §5).

  async createVaultSync(body: VaultSyncCreate): Promise<VaultSecretSync> {
    const r = await this.call<{ secretSync: Record<string, unknown> }>("POST", SYNCS, { body, idempotent: false });
    if (!r?.secretSync?.id) throw infisicalInvalidResponse("POST", SYNCS, 200, "no secretSync");
    return toVaultSecretSync(r.secretSync);
  }

  async getVaultSync(id: string): Promise<VaultSecretSync | undefined> {
    const r = await this.call<{ secretSync: Record<string, unknown> }>("GET", `${SYNCS}/${encodeURIComponent(id)}`, { allow: [404] });
    return r?.secretSync ? toVaultSecretSync(r.secretSync) : undefined;
  }

  async getVaultSyncByName(projectId: string, name: string): Promise<VaultSecretSync | undefined> {
    const r = await this.call<{ secretSync: Record<string, unknown> }>("GET", `${SYNCS}/sync-name/${encodeURIComponent(name)}`, { query: { projectId }, allow: [404] });
    return r?.secretSync ? toVaultSecretSync(r.secretSync) : undefined;
  }

  async listVaultSyncs(projectId: string): Promise<VaultSecretSync[]> {
    const r = await this.call<{ secretSyncs: Record<string, unknown>[] }>("GET", SYNCS, { query: { projectId } });
    return (r?.secretSyncs ?? []).map(toVaultSecretSync);
  }

  async updateVaultSync(id: string, body: VaultSyncUpdate): Promise<VaultSecretSync> {
    const path = `${SYNCS}/${encodeURIComponent(id)}`;
    // The same PATCH twice leaves the same sync: safe to repeat.
    const r = await this.call<{ secretSync: Record<string, unknown> }>("PATCH", path, { body, idempotent: true });
    if (!r?.secretSync?.id) throw infisicalInvalidResponse("PATCH", path, 200, "no secretSync");
    return toVaultSecretSync(r.secretSync);
  }

  /** `removeSecrets`: Infisical removes the synced keys from Vault first (default: leaves them). A sync already gone is fine. */
  async deleteVaultSync(id: string, removeSecrets = false): Promise<void> {
    await this.call("DELETE", `${SYNCS}/${encodeURIComponent(id)}`, { query: { removeSecrets }, allow: [404] });
  }

  /** Queues a sync now; it runs asynchronously (poll {@link getVaultSync}). A repeat only queues it again. */
  async triggerVaultSync(id: string): Promise<VaultSecretSync | undefined> {
    const r = await this.call<{ secretSync: Record<string, unknown> }>("POST", `${SYNCS}/${encodeURIComponent(id)}/sync-secrets`, { idempotent: true });
    return r?.secretSync ? toVaultSecretSync(r.secretSync) : undefined;
  }

  /**
   * Polls the sync until `syncStatus` is `succeeded` or `failed`, at most `timeoutMs`; answers the
   * last state seen (its status may still be `pending`/`running` when the wait ran out).
   */
  async waitForVaultSync(id: string, opts: { timeoutMs: number; intervalMs?: number; since?: string | null }): Promise<VaultSecretSync | undefined> {
    const deadline = this.clock.now() + opts.timeoutMs;
    let interval = opts.intervalMs ?? 250;
    for (;;) {
      const s = await this.getVaultSync(id);
      const done = s !== undefined && (s.syncStatus === "succeeded" || s.syncStatus === "failed") && (opts.since === undefined || s.lastSyncedAt !== opts.since || s.syncStatus === "failed");
      if (!s || done || this.clock.now() >= deadline) return s;
      await this.clock.sleep(Math.min(interval, Math.max(0, deadline - this.clock.now())));
      interval = Math.min(interval * 2, 2_000);
    }
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  // Transport.

  private async call<T>(method: Method, path: string, opts: CallOptions = {}): Promise<T | undefined> {
    const idempotent = opts.idempotent ?? (method === "GET" || method === "DELETE");
    let reauthenticated = false;
    let loginFailed = false;
    return withRetry(
      async () => {
        if (!opts.anonymous) {
          try {
            await this.ensureToken();
          } catch (e) {
            loginFailed = true;
            throw e;
          }
        }
        try {
          return await this.attempt<T>(method, path, opts);
        } catch (e) {
          // An access token the server no longer accepts (expired early, revoked): one fresh login.
          if (!reauthenticated && !opts.anonymous && this.options.auth.method === "universal-auth" && isInfisicalApiError(e, 401)) {
            reauthenticated = true;
            this.token = undefined;
            await this.ensureToken();
            return this.attempt<T>(method, path, opts);
          }
          throw e;
        }
      },
      {
        policy: this.policy,
        clock: this.clock,
        classify: (e): AttemptOutcome =>
          loginFailed || !isClientError(e)
            ? { error: e, idempotent, retryable: false }
            : clientErrorOutcome(e, idempotent),
        // The limit is the site's, not this call's: every caller waits the service's time.
        // A 429 does not say which limit it hit: hold this category and the overall one.
        onRetry: ({ delayMs, hinted }) => {
          if (!hinted) return;
          this.pacers?.[infisicalCategory(method, path)].pauseFor(delayMs);
          this.overall?.pauseFor(delayMs);
        },
      },
    );
  }

  private async attempt<T>(method: Method, path: string, opts: CallOptions): Promise<T | undefined> {
    const run = async (): Promise<T | undefined> => {
      const headers: Record<string, string> = { accept: "application/json" };
      if (!opts.anonymous && this.token) headers.authorization = `Bearer ${this.token}`;
      let body: string | undefined;
      if (opts.body !== undefined) {
        body = JSON.stringify(opts.body);
        headers["content-type"] = "application/json";
      }
      const q = Object.entries(opts.query ?? {}).filter((e): e is [string, string | boolean] => e[1] !== undefined);
      const url = `${this.base}/api/${path}${q.length ? `?${new URLSearchParams(q.map(([k, v]): [string, string] => [k, String(v)])).toString()}` : ""}`;
      let res: Dispatcher.ResponseData;
      try {
        res = await request(url, { method, headers, body, dispatcher: this.dispatcher, headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs });
      } catch (e) {
        throw infisicalConnectionError(this.base, method, path, e);
      }
      const text = await res.body.text();
      const status = res.statusCode;
      if (status >= 200 && status < 300) {
        if (!text) return undefined;
        try {
          return JSON.parse(text) as T;
        } catch {
          throw infisicalInvalidResponse(method, path, status, "a body that is not JSON");
        }
      }
      if (opts.allow?.includes(status)) return undefined;
      throw infisicalApiError(method, path, status, text, retryHintMs(status, res.headers, this.clock.now()));
    };
    if (!this.pacers) return run();
    // Category first, then overall: a request waiting for its category holds no overall slot.
    const overall = this.overall;
    return this.pacers[infisicalCategory(method, path)].run(overall ? () => overall.run(run) : run);
  }

  private async ensureToken(): Promise<void> {
    const auth = this.options.auth;
    if (auth.method !== "universal-auth") return;
    if (this.token && this.clock.now() < this.refreshAt) return;
    this.refreshing ??= (this.token && this.clock.now() < this.maxAt ? this.renewOrLogin(auth) : this.login(auth)).finally(() => (this.refreshing = undefined));
    await this.refreshing;
  }

  private async renewOrLogin(auth: Extract<InfisicalAuth, { method: "universal-auth" }>): Promise<void> {
    try {
      const r = await this.attempt<TokenAnswer>("POST", "v1/auth/token/renew", { anonymous: true, body: { accessToken: this.token } });
      if (r?.accessToken) {
        this.took(r, false);
        this.options.onTokenEvent?.("renew");
        return;
      }
    } catch {
      // Renewal refused (past its max TTL, revoked): log in again.
    }
    await this.login(auth);
  }

  private async login(auth: Extract<InfisicalAuth, { method: "universal-auth" }>): Promise<void> {
    const path = "v1/auth/universal-auth/login";
    const r = await this.attempt<TokenAnswer>("POST", path, { anonymous: true, body: { clientId: auth.clientId, clientSecret: auth.clientSecret } });
    if (!r?.accessToken) throw infisicalInvalidResponse("POST", path, 200, "no access token (universal-auth login)");
    this.took(r, true);
    this.options.onTokenEvent?.("login");
  }

  private took(r: TokenAnswer, login: boolean): void {
    this.token = r.accessToken;
    const now = this.clock.now();
    // Refresh at 80% of the token's life, so no request carries an expired one.
    this.refreshAt = typeof r.expiresIn === "number" && r.expiresIn > 0 ? now + r.expiresIn * 800 : Number.POSITIVE_INFINITY;
    if (login) this.maxAt = typeof r.accessTokenMaxTTL === "number" && r.accessTokenMaxTTL > 0 ? now + r.accessTokenMaxTTL * 800 : Number.POSITIVE_INFINITY;
  }
}

interface TokenAnswer {
  accessToken?: string;
  expiresIn?: number;
  accessTokenMaxTTL?: number;
}

/** `https://app.infisical.com/api/` → `https://app.infisical.com`. */
export function normalizeSiteUrl(url: string): string {
  return url.replace(/\/+$/, "").replace(/\/api$/, "");
}

/** Problems of a site URL (no network): https, or http on a loopback host only. */
export function siteUrlProblem(url: unknown): string | undefined {
  if (typeof url !== "string" || !url) return "is required (https://app.infisical.com, https://eu.infisical.com or a self-hosted site)";
  try {
    const u = new URL(url);
    if (u.username || u.password) return "must not carry credentials";
    const loopback = u.hostname === "127.0.0.1" || u.hostname === "localhost" || u.hostname === "[::1]";
    if (u.protocol !== "https:" && !(u.protocol === "http:" && loopback)) return `must be https (http only on a loopback host): ${url}`;
    return undefined;
  } catch {
    return `is not a URL: ${url}`;
  }
}
