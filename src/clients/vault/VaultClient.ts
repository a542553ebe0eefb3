import { Agent, request, type Dispatcher } from "undici";
import { badSegment } from "../../engine/paths";
import { clientError, isClientError, stripQuery, type ClientError } from "../http/errors";
import { clientErrorOutcome, retryHintMs, retryPolicy, systemRetryClock, withRetry, type AttemptOutcome, type RetryClock, type RetryPolicy } from "../http/retry";
import type { VaultAuth, VaultConnection, VaultEndpoint } from "./connection";
import { isVaultApiError, vaultApiError, vaultConnectionError, vaultInvalidResponse } from "./errors";

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
  /** Told of each token the client obtains, renews or revokes (never the token itself): for tests and logs. */
  onTokenEvent?: (event: VaultTokenEvent) => void;
}

/** What the client did with its AppRole token. */
export type VaultTokenEvent = "login" | "renew" | "revoke";

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
  /** When the token is renewed or replaced: 80% into its lease, so no request carries an expired one. */
  private tokenExpiresAt: number;
  /** The token came from this client's own AppRole login (so it is this client's to revoke). */
  private loggedIn = false;
  /** The login's lease: a renewal granting less has hit the role's token_max_ttl. */
  private loginLease = 0;
  private renewable = false;
  private login?: Promise<void>;
  private readonly onTokenEvent: (event: VaultTokenEvent) => void;

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
    this.onTokenEvent = options.onTokenEvent ?? (() => undefined);
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
            : clientErrorOutcome(e, idempotent),
      },
    );
  }

  /**
   * Revokes the token this client obtained by AppRole login (`auth/token/revoke-self`), so it does
   * not outlive the run; a token given in the connection is never revoked. Then releases the
   * keep-alive connections (an injected dispatcher is left to its owner).
   */
  async close(): Promise<void> {
    if (this.loggedIn && this.token) {
      const token = this.token;
      this.token = undefined;
      this.loggedIn = false;
      try {
        await this.attempt("PUT", "auth/token/revoke-self", { namespace: this.tokenNamespace() }, token);
        this.onTokenEvent("revoke");
      } catch {
        // Best effort: the run's result stands, and the token still dies at the end of its TTL.
      }
    }
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  /** One HTTP exchange: the parsed 2xx body, `undefined` for 204 and allowed statuses, else a ClientError. */
  private async attempt<T>(method: Method, apiPath: string, opts: RequestOptions, token = this.token): Promise<T | undefined> {
    const shownMethod = method === "GET" && apiPath.endsWith("?list=true") ? "LIST" : method;
    const shownPath = stripQuery(apiPath);
    const namespace = opts.namespace ?? this.endpoint.namespace;
    const headers: Record<string, string> = { accept: "application/json" };
    if (!opts.anonymous && token !== undefined) headers["x-vault-token"] = token;
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
    const auth = this.auth;
    if (auth?.method !== "approle") return;
    if (this.token && this.clock.now() < this.tokenExpiresAt) return;
    // One refresh at a time; concurrent requests wait for it.
    this.login ??= (this.token && this.renewable ? this.renewOrLogin(auth) : this.appRoleLogin(auth)).finally(() => (this.login = undefined));
    await this.login;
  }

  /** Where the AppRole token was issued (its own token calls go there). */
  private tokenNamespace(): string | undefined {
    return (this.auth?.method === "approle" ? this.auth.namespace : undefined) ?? this.endpoint.namespace;
  }

  /** `auth/token/renew-self` while Vault grants a full lease, else (or on any failure) a fresh login. */
  private async renewOrLogin(auth: Extract<VaultAuth, { method: "approle" }>): Promise<void> {
    let lease: number | undefined;
    try {
      const res = await this.attempt<VaultResponse<unknown>>("PUT", "auth/token/renew-self", { body: {}, namespace: this.tokenNamespace() });
      lease = res?.auth?.lease_duration;
    } catch {
      // Expired, revoked or not renewable after all: log in again below.
    }
    if (lease === undefined || lease <= 0) return this.appRoleLogin(auth);
    this.onTokenEvent("renew");
    // A shorter lease than the login's means token_max_ttl is near: the next refresh logs in again.
    if (lease < this.loginLease) this.renewable = false;
    this.tokenExpiresAt = this.clock.now() + lease * 800;
  }

  private async appRoleLogin(auth: Extract<VaultAuth, { method: "approle" }>): Promise<void> {
    const mount = (auth.mount ?? "approle").replace(/^\/+|\/+$/g, "");
    const loginPath = `auth/${mount}/login`;
    let res: VaultResponse<unknown> | undefined;
    try {
      res = await this.request<VaultResponse<unknown>>("PUT", loginPath, {
        anonymous: true,
        idempotent: false,
        namespace: auth.namespace ?? this.endpoint.namespace,
        body: { role_id: auth.roleId, secret_id: auth.secretId },
      });
    } catch (e) {
      throw secretIdRefused(e, loginPath) ?? e;
    }
    const token = res?.auth?.client_token;
    if (!token) throw vaultInvalidResponse("PUT", loginPath, 200, "no client token (AppRole login)");
    // The token it replaces is left to expire (within 20% of its lease): requests still in flight carry it.
    this.token = token;
    this.loggedIn = true;
    this.onTokenEvent("login");
    const lease = res?.auth?.lease_duration ?? 0;
    this.loginLease = lease;
    this.renewable = res?.auth?.renewable === true;
    // Renew (or log in again) at 80% of the lease so a long run never uses an expired token.
    this.tokenExpiresAt = lease > 0 ? this.clock.now() + lease * 800 : Number.POSITIVE_INFINITY;
  }
}

/** The envelope of a Vault API response. */
export interface VaultResponse<T> {
  data: T;
  auth?: { client_token: string; accessor: string; lease_duration: number; renewable?: boolean; policies?: string[] };
  warnings?: string[] | null;
}

/**
 * A login refused because of the secret_id (expired past its secret_id_ttl, used up its
 * secret_id_num_uses, or destroyed): says how to get a new one, instead of a bare 400.
 */
function secretIdRefused(e: unknown, loginPath: string): ClientError | undefined {
  if (!isVaultApiError(e) || e.status !== 400 || !e.errors.some((m) => /secret[ _]?id/i.test(m))) return undefined;
  return clientError(
    { code: e.code, service: "vault", method: "PUT", path: loginPath, status: e.status, retryable: false },
    `Vault AppRole login at ${loginPath} was refused (${e.errors.join("; ")}): the secret_id has expired (secret_id_ttl), ` +
      "is used up (secret_id_num_uses) or was destroyed. Rotate it: change the reader's rotationTrigger " +
      "(vault-migration:reader.rotationTrigger) and run `pulumi up`, or issue a new secret_id for the role.",
  );
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
