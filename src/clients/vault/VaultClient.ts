import { Agent, request, type Dispatcher } from "undici";
import type { VaultAuth, VaultConnection, VaultEndpoint } from "./connection";
import { vaultApiError, vaultConnectionError } from "./errors";

export interface VaultClientOptions {
  /** Connections kept alive to the server (bounded parallelism lives with the caller). Default 32. */
  connections?: number;
  /** Per-request timeout in milliseconds. Default 30 s. */
  timeoutMs?: number;
  /** Retries for idempotent calls on 429, 5xx and dropped connections. Default 4. */
  retries?: number;
}

export interface RequestOptions {
  body?: unknown;
  /** Overrides the connection's namespace for this call (`""` = root namespace). */
  namespace?: string;
  /** A PUT/POST that is safe to send twice may be retried. */
  idempotent?: boolean;
  /** Statuses to return as `undefined` instead of throwing (typically 404). */
  allow?: number[];
  /** Send no token (login calls). */
  anonymous?: boolean;
}

type Method = "GET" | "PUT" | "POST" | "DELETE";

/**
 * A small Vault/OpenBao HTTP API client on undici: keep-alive connections, namespaces, token or
 * AppRole auth (with re-login before the token's lease runs out), retries with jittered backoff for
 * idempotent calls, and errors that never carry a token or a body.
 */
export class VaultClient {
  private readonly dispatcher: Dispatcher;
  private readonly base: string;
  private token?: string;
  private tokenExpiresAt = Number.POSITIVE_INFINITY;
  private login?: Promise<void>;

  private constructor(
    private readonly endpoint: VaultEndpoint,
    private readonly auth: VaultAuth | undefined,
    private readonly options: Required<VaultClientOptions>,
  ) {
    this.base = endpoint.address.replace(/\/+$/, "");
    this.dispatcher = new Agent({
      connections: options.connections,
      keepAliveTimeout: 30_000,
      connect: {
        ca: endpoint.caCertPem || undefined,
        // Verification stays on unless the user set the explicit option.
        rejectUnauthorized: !endpoint.insecureSkipTlsVerify,
      },
    });
    if (auth?.method === "token") this.token = auth.token;
  }

  /** A client for an authenticated connection. AppRole login happens on first use. */
  static connect(conn: VaultConnection, options: VaultClientOptions = {}): VaultClient {
    return new VaultClient(conn, conn.auth, {
      connections: options.connections ?? 32,
      timeoutMs: options.timeoutMs ?? 30_000,
      retries: options.retries ?? 4,
    });
  }

  /** A client without credentials (health checks, sys/init). */
  static anonymous(endpoint: VaultEndpoint, options: VaultClientOptions = {}): VaultClient {
    return new VaultClient(endpoint, undefined, {
      connections: options.connections ?? 4,
      timeoutMs: options.timeoutMs ?? 30_000,
      retries: options.retries ?? 4,
    });
  }

  get address(): string {
    return this.base;
  }

  get namespace(): string | undefined {
    return this.endpoint.namespace;
  }

  /** GET; `undefined` when the path does not exist. */
  async read<T = Record<string, unknown>>(path: string, opts: Omit<RequestOptions, "body"> = {}): Promise<VaultResponse<T> | undefined> {
    return this.request<VaultResponse<T>>("GET", path, { ...opts, allow: [404, ...(opts.allow ?? [])] });
  }

  /** LIST (sent as `GET ?list=true`); the keys, or `[]` when nothing is there. */
  async list(path: string, opts: Omit<RequestOptions, "body"> = {}): Promise<string[]> {
    const res = await this.request<VaultResponse<{ keys?: string[] }>>("GET", `${path.replace(/\/+$/, "")}/?list=true`, {
      ...opts,
      allow: [404, ...(opts.allow ?? [])],
    });
    return res?.data?.keys ?? [];
  }

  async write<T = Record<string, unknown>>(path: string, body: unknown, opts: Omit<RequestOptions, "body"> = {}): Promise<VaultResponse<T> | undefined> {
    return this.request<VaultResponse<T>>("PUT", path, { ...opts, body });
  }

  async delete(path: string, opts: Omit<RequestOptions, "body"> = {}): Promise<void> {
    await this.request("DELETE", path, { idempotent: true, ...opts, allow: [404, ...(opts.allow ?? [])] });
  }

  /** One API call. `path` is relative to `/v1/`. */
  async request<T>(method: Method, path: string, opts: RequestOptions = {}): Promise<T | undefined> {
    const apiPath = path.replace(/^\/+/, "").replace(/^v1\//, "");
    const idempotent = opts.idempotent ?? (method === "GET" || method === "DELETE");
    const namespace = opts.namespace ?? this.endpoint.namespace;
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { accept: "application/json" };
      if (!opts.anonymous && this.auth) {
        await this.ensureToken();
        headers["x-vault-token"] = this.token as string;
      }
      if (namespace) headers["x-vault-namespace"] = namespace;
      let body: string | undefined;
      if (opts.body !== undefined) {
        body = JSON.stringify(opts.body);
        headers["content-type"] = "application/json";
      }
      let res: Dispatcher.ResponseData;
      try {
        res = await request(`${this.base}/v1/${apiPath}`, {
          method,
          headers,
          body,
          dispatcher: this.dispatcher,
          headersTimeout: this.options.timeoutMs,
          bodyTimeout: this.options.timeoutMs,
        });
      } catch (e) {
        if (idempotent && attempt < this.options.retries) {
          await sleep(backoffMs(attempt));
          continue;
        }
        throw vaultConnectionError(this.base, stripQuery(apiPath), e);
      }
      const status = res.statusCode;
      if (status >= 200 && status < 300) {
        if (status === 204) {
          await res.body.dump();
          return undefined;
        }
        const text = await res.body.text();
        return text ? (JSON.parse(text) as T) : undefined;
      }
      const text = await res.body.text();
      if ((status === 429 || status >= 500) && idempotent && attempt < this.options.retries) {
        await sleep(retryAfterMs(res.headers["retry-after"]) ?? backoffMs(attempt));
        continue;
      }
      if (opts.allow?.includes(status)) return undefined;
      throw vaultApiError(method === "GET" && apiPath.endsWith("?list=true") ? "LIST" : method, stripQuery(apiPath), status, parseErrors(text), namespace || undefined);
    }
  }

  /** Releases the keep-alive connections. */
  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private async ensureToken(): Promise<void> {
    if (this.auth?.method !== "approle") return;
    if (this.token && Date.now() < this.tokenExpiresAt) return;
    this.login ??= this.appRoleLogin(this.auth).finally(() => (this.login = undefined));
    await this.login;
  }

  private async appRoleLogin(auth: Extract<VaultAuth, { method: "approle" }>): Promise<void> {
    const mount = (auth.mount ?? "approle").replace(/^\/+|\/+$/g, "");
    const res = await this.request<VaultResponse<unknown>>("PUT", `auth/${mount}/login`, {
      anonymous: true,
      idempotent: false,
      namespace: auth.namespace ?? this.endpoint.namespace,
      body: { role_id: auth.roleId, secret_id: auth.secretId },
    });
    const token = res?.auth?.client_token;
    if (!token) throw new Error(`AppRole login at auth/${mount}/login returned no token`);
    this.token = token;
    const lease = res?.auth?.lease_duration ?? 0;
    // Log in again at 80% of the lease so a long run never uses an expired token.
    this.tokenExpiresAt = lease > 0 ? Date.now() + lease * 800 : Number.POSITIVE_INFINITY;
  }
}

/** The envelope of a Vault API response. */
export interface VaultResponse<T> {
  data: T;
  auth?: { client_token: string; accessor: string; lease_duration: number; policies?: string[] };
  warnings?: string[] | null;
}

function parseErrors(text: string): string[] {
  try {
    const parsed = JSON.parse(text) as { errors?: unknown };
    if (Array.isArray(parsed.errors)) return parsed.errors.map(String).map((s) => s.slice(0, 500));
  } catch {
    // not JSON: fall through
  }
  return [];
}

function stripQuery(p: string): string {
  const i = p.indexOf("?");
  return i < 0 ? p : p.slice(0, i);
}

function backoffMs(attempt: number): number {
  // Full jitter, 100 ms base, capped at 5 s.
  return Math.random() * Math.min(5_000, 100 * 2 ** attempt);
}

function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const v = Array.isArray(header) ? header[0] : header;
  if (!v) return undefined;
  const secs = Number(v);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const date = Date.parse(v);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
