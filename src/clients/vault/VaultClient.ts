import { Agent, request, type Dispatcher } from "undici";
import { badSegment } from "../../engine/paths";
import { clientError, isClientError, stripQuery } from "../http/errors";
import { retryHintMs, retryPolicy, systemRetryClock, withRetry, type AttemptOutcome, type RetryClock, type RetryPolicy } from "../http/retry";
import type { VaultAuth, VaultConnection, VaultEndpoint } from "./connection";
import { vaultApiError, vaultConnectionError, vaultInvalidResponse } from "./errors";

export interface VaultClientOptions {
  /** Connections kept alive to the server (bounded parallelism lives with the caller). Default 32. */
  connections?: number;
  /** Per-request timeout in milliseconds. Default 30 s. */
  timeoutMs?: number;
  /** Retries for idempotent calls on 408, 429, 500, 502–504 and dropped connections. Default 4. */
  retries?: number;
  /** The rest of the retry policy (backoff, bounds); see {@link VAULT_RETRY_POLICY}. `retries` wins over `retry.retries`. */
  retry?: Partial<RetryPolicy>;
  /** Time, sleeps and jitter: token lifetimes and retry waits (tests pass a fake clock). */
  clock?: RetryClock;
  /**
   * Sends the requests instead of the client's own keep-alive Agent (tests: undici's MockAgent).
   * The endpoint's TLS settings are then the dispatcher's business, and `close()` leaves it open.
   */
  dispatcher?: Dispatcher;
}

/**
 * Vault's retry policy: the shared one with short waits, because a Vault or OpenBao server answers
 * 429/5xx for short spells (standby forwarding, leader election, rate-limit quotas of seconds).
 */
export const VAULT_RETRY_POLICY: RetryPolicy = retryPolicy({ retries: 4, baseMs: 100, maxMs: 5_000, maxRetryAfterMs: 60_000, maxTotalMs: 120_000 });

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
 * AppRole auth (with re-login at 80% of the token's lease), the clients' shared retry policy for
 * idempotent calls, and errors that never carry a token or a body.
 */
export class VaultClient {
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly policy: RetryPolicy;
  private readonly clock: RetryClock;
  private token?: string;
  private tokenExpiresAt: number;
  private login?: Promise<void>;

  private constructor(
    private readonly endpoint: VaultEndpoint,
    private readonly auth: VaultAuth | undefined,
    options: VaultClientOptions,
    defaultConnections: number,
  ) {
    this.base = endpoint.address.replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.policy = retryPolicy({ ...options.retry, ...(options.retries !== undefined ? { retries: options.retries } : {}) }, VAULT_RETRY_POLICY);
    this.clock = options.clock ?? systemRetryClock;
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher =
      options.dispatcher ??
      new Agent({
        connections: options.connections ?? defaultConnections,
        keepAliveTimeout: 30_000,
        connect: {
          ca: endpoint.caCertPem || undefined,
          // Verification stays on unless the user set the explicit option.
          rejectUnauthorized: !endpoint.insecureSkipTlsVerify,
        },
      });
    this.tokenExpiresAt = Number.POSITIVE_INFINITY;
    if (auth?.method === "token") this.token = auth.token;
  }

  /** A client for an authenticated connection. AppRole login happens on first use. */
  static connect(conn: VaultConnection, options: VaultClientOptions = {}): VaultClient {
    return new VaultClient(conn, conn.auth, options, 32);
  }

  /** A client without credentials (health checks, sys/init). */
  static anonymous(endpoint: VaultEndpoint, options: VaultClientOptions = {}): VaultClient {
    return new VaultClient(endpoint, undefined, options, 4);
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

  /**
   * One API call. `path` is relative to `/v1/`. Idempotent calls (GET and DELETE by default, or
   * `opts.idempotent`) are retried under {@link VAULT_RETRY_POLICY}; a failed AppRole login is not.
   */
  async request<T>(method: Method, path: string, opts: RequestOptions = {}): Promise<T | undefined> {
    const apiPath = path.replace(/^\/+/, "").replace(/^v1\//, "");
    refuseEscapingPath(method, apiPath);
    const idempotent = opts.idempotent ?? (method === "GET" || method === "DELETE");
    let loginFailed = false;
    return withRetry(
      async () => {
        if (!opts.anonymous && this.auth) {
          try {
            await this.ensureToken();
          } catch (e) {
            loginFailed = true;
            throw e;
          }
        }
        return this.attempt<T>(method, apiPath, opts);
      },
      {
        policy: this.policy,
        clock: this.clock,
        classify: (e): AttemptOutcome =>
          // A login is not idempotent (a secret_id may have a use count), so its failure ends the call.
          loginFailed || !isClientError(e)
            ? { error: e, idempotent, retryable: false }
            : { ...(e.status !== undefined ? { status: e.status } : {}), ...(e.retryAfterMs !== undefined ? { hintMs: e.retryAfterMs } : {}), error: e, idempotent },
      },
    );
  }

  /** Releases the keep-alive connections (an injected dispatcher is left to its owner). */
  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  /** One HTTP exchange: the parsed 2xx body, `undefined` for 204 and allowed statuses, else a ClientError. */
  private async attempt<T>(method: Method, apiPath: string, opts: RequestOptions): Promise<T | undefined> {
    const shownMethod = method === "GET" && apiPath.endsWith("?list=true") ? "LIST" : method;
    const shownPath = stripQuery(apiPath);
    const namespace = opts.namespace ?? this.endpoint.namespace;
    const headers: Record<string, string> = { accept: "application/json" };
    if (!opts.anonymous && this.auth) headers["x-vault-token"] = this.token as string;
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
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
    } catch (e) {
      throw vaultConnectionError(this.base, shownMethod, shownPath, e);
    }
    const status = res.statusCode;
    if (status >= 200 && status < 300) {
      if (status === 204) {
        await res.body.dump();
        return undefined;
      }
      const text = await res.body.text();
      if (!text) return undefined;
      try {
        return JSON.parse(text) as T;
      } catch {
        // JSON.parse's message quotes the start of the text, which may be a secret: say only what failed.
        throw vaultInvalidResponse(shownMethod, shownPath, status, "a body that is not JSON");
      }
    }
    const text = await res.body.text();
    if (opts.allow?.includes(status)) return undefined;
    const retryAfterMs = retryHintMs(status, res.headers, this.clock.now());
    throw vaultApiError(shownMethod, shownPath, status, parseErrors(text), {
      ...(namespace ? { namespace } : {}),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
  }

  private async ensureToken(): Promise<void> {
    if (this.auth?.method !== "approle") return;
    if (this.token && this.clock.now() < this.tokenExpiresAt) return;
    this.login ??= this.appRoleLogin(this.auth).finally(() => (this.login = undefined));
    await this.login;
  }

  private async appRoleLogin(auth: Extract<VaultAuth, { method: "approle" }>): Promise<void> {
    const mount = (auth.mount ?? "approle").replace(/^\/+|\/+$/g, "");
    const loginPath = `auth/${mount}/login`;
    const res = await this.request<VaultResponse<unknown>>("PUT", loginPath, {
      anonymous: true,
      idempotent: false,
      namespace: auth.namespace ?? this.endpoint.namespace,
      body: { role_id: auth.roleId, secret_id: auth.secretId },
    });
    const token = res?.auth?.client_token;
    if (!token) throw vaultInvalidResponse("PUT", loginPath, 200, "no client token (AppRole login)");
    this.token = token;
    const lease = res?.auth?.lease_duration ?? 0;
    // Log in again at 80% of the lease so a long run never uses an expired token.
    this.tokenExpiresAt = lease > 0 ? this.clock.now() + lease * 800 : Number.POSITIVE_INFINITY;
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

/**
 * The last line of defence against a path escaping its mount: the URL parser resolves `.` and `..`
 * segments before the request is sent (`secret/../sys/policy/default` reaches `sys/policy/default`),
 * and Vault decodes `%2e%2e` before routing, so such a path is never sent, whatever built it. A
 * trailing `/` (a folder, a LIST) is the one empty segment allowed.
 */
function refuseEscapingPath(method: string, apiPath: string): void {
  const bare = stripQuery(apiPath).replace(/\/$/, "");
  for (const segment of bare.split("/")) {
    const why = badSegment(segment);
    if (why) {
      throw clientError({ code: "invalid_path", service: "vault", method, path: bare, retryable: false }, `Vault ${method} ${bare} refused before sending: the path holds ${why}, which would escape its mount`);
    }
  }
}
