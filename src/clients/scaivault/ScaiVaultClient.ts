// A small ScaiVault REST client on undici (fact sheet: shared/scaivault-api.md): bearer token,
// keep-alive connections, the clients' shared retry policy branching on ScaiVault's `error.code`,
// client-side pacing under the per-category rate limits, and errors that never carry a token, a
// body or a value.
import { Agent, request, type Dispatcher } from "undici";
import { clientErrorOutcome, retryHintMs, retryPolicy, systemRetryClock, withRetry, type AttemptOutcome, type RetryClock, type RetryPolicy } from "../http/retry";
import { isClientError } from "../http/errors";
import { scaiVaultApiError, scaiVaultConnectionError, scaiVaultInvalidResponse, scaiVaultRefused } from "./errors";
import type { Pacer } from "../http/pacer";
import { pacingLimits, sharedCategoryPacer, type ScaiVaultCategory, type ScaiVaultPacing } from "./pacer";
import { scaiVaultPathProblem } from "./paths";

export interface ScaiVaultClientOptions {
  /** e.g. `https://scaivault.scailabs.ai` (self-hosted: port 8443). */
  readonly url: string;
  /** A personal `skt_…` token or a ScaiKey JWT. Sent only in the Authorization header. */
  readonly token: string;
  /** PEM bundle trusted for this server only (TLS verification is never turned off). */
  readonly caCertPem?: string;
  /** Client-side pacing under the limits (default: the documented limits × 0.95); `false` = off. */
  readonly pacing?: ScaiVaultPacing | false;
  /** Per-request timeout, ms. Default 30 s. */
  readonly timeoutMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  readonly clock?: RetryClock;
  /** Keep-alive connections. Default 16. */
  readonly connections?: number;
}

/** PUT body (fact sheet §2). */
export interface ScaiVaultSecretInput {
  readonly data: Readonly<Record<string, unknown>>;
  readonly secret_type?: string;
  readonly metadata?: { readonly description?: string; readonly tags?: readonly string[] };
  readonly options?: { readonly max_versions?: number; readonly expires_in?: string };
}

/** GET answer (fact sheet §2). */
export interface ScaiVaultSecret {
  readonly path: string;
  readonly secret_type?: string;
  readonly version: number;
  readonly data: Record<string, unknown>;
  readonly metadata?: { readonly description?: string; readonly tags?: readonly string[]; readonly owner?: string };
  readonly created_at?: string;
  readonly updated_at?: string;
  readonly expires_at?: string | null;
}

export interface ScaiVaultListItem {
  readonly path: string;
  readonly version?: number;
}

export interface ScaiVaultBatchResult {
  readonly secrets: Record<string, { data: Record<string, unknown>; version: number; secret_type?: string; metadata?: ScaiVaultSecret["metadata"] }>;
  readonly errors: Record<string, { code: string; message?: string }>;
}

/** A federation backend as sent (fact sheet §3). */
export interface ScaiVaultBackendInput {
  readonly name: string;
  readonly type: string;
  readonly config: { readonly endpoint: string; readonly auth_method: string; readonly auth_config_path: string; readonly tls_verify?: boolean; readonly namespace?: string };
  readonly path_mapping: Readonly<Record<string, string>>;
  readonly mode: "proxy" | "sync";
  readonly sync_interval?: string;
  readonly conflict_resolution?: string;
}

export interface ScaiVaultBackend extends Partial<ScaiVaultBackendInput> {
  readonly id: string;
  readonly status?: string;
}

export interface ScaiVaultBackendStatus {
  readonly id: string;
  readonly name?: string;
  readonly status: string;
  readonly last_sync?: string | null;
  readonly last_sync_duration_ms?: number | null;
  readonly secrets_synced?: number;
  readonly connection?: { readonly status: string; readonly latency_ms?: number };
}

type Method = "GET" | "PUT" | "POST" | "PATCH" | "DELETE";

interface CallOptions {
  readonly body?: unknown;
  readonly category: ScaiVaultCategory;
  /** Statuses answered as `undefined` instead of thrown (with these service codes only, when given). */
  readonly allow?: readonly number[];
  /**
   * Retry also on answers that may have been processed (`internal_error`, a dropped connection).
   * Never for PUT/POST of a secret: every PUT appends a version, so a blind repeat could add two.
   */
  readonly repeatable: boolean;
}

/** ScaiVault's retry policy: the shared one (waits of seconds, five minutes at most). */
export const SCAIVAULT_RETRY_POLICY: RetryPolicy = retryPolicy({});

export class ScaiVaultClient {
  private readonly base: string;
  private readonly dispatcher: Dispatcher;
  private readonly policy: RetryPolicy;
  private readonly clock: RetryClock;
  private readonly timeoutMs: number;
  private readonly pacers: Partial<Record<ScaiVaultCategory, Pacer>>;

  constructor(private readonly options: ScaiVaultClientOptions) {
    this.base = options.url.replace(/\/+$/, "");
    this.policy = retryPolicy(options.retry ?? {}, SCAIVAULT_RETRY_POLICY);
    this.clock = options.clock ?? systemRetryClock;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.dispatcher = new Agent({ connections: options.connections ?? 16, keepAliveTimeout: 30_000, connect: { ca: options.caCertPem || undefined } });
    this.pacers = {};
    if (options.pacing !== false) {
      const { limits, windowMs } = pacingLimits(options.pacing ?? {});
      for (const c of Object.keys(limits) as ScaiVaultCategory[]) this.pacers[c] = sharedCategoryPacer(this.base, c, limits[c], windowMs);
    }
  }

  get url(): string {
    return this.base;
  }

  /** `GET /v1/auth/whoami`. */
  whoami(): Promise<{ identity_id: string; scopes: string[] } & Record<string, unknown>> {
    return this.call("GET", "auth/whoami", { category: "read", repeatable: true }) as Promise<{ identity_id: string; scopes: string[] }>;
  }

  /** `PUT /v1/secrets/{path}`: appends a version. Retried only on answers saying nothing was done. */
  async putSecret(path: string, body: ScaiVaultSecretInput): Promise<void> {
    await this.call("PUT", this.secretPath("PUT", path), { body, category: "write", repeatable: false });
  }

  /** `GET /v1/secrets/{path}[?version=N]`; undefined when absent (or soft-deleted). */
  async getSecret(path: string, version?: number): Promise<ScaiVaultSecret | undefined> {
    const p = this.secretPath("GET", path) + (version !== undefined ? `?version=${version}` : "");
    const r = (await this.call("GET", p, { category: "read", repeatable: true, allow: [404] })) as ScaiVaultSecret | undefined;
    if (r !== undefined && (typeof r !== "object" || r === null || typeof r.data !== "object")) throw scaiVaultInvalidResponse("GET", p, 200, "a secret without data");
    return r;
  }

  /** `POST /v1/secrets/batch`: up to 100 paths, partial success (fact sheet §2). */
  async batchRead(paths: readonly string[], includeMetadata = true): Promise<ScaiVaultBatchResult> {
    if (paths.length > 100) throw new RangeError("batchRead takes at most 100 paths");
    for (const p of paths) this.secretPath("POST", p);
    const r = (await this.call("POST", "secrets/batch", { body: { paths, options: { include_metadata: includeMetadata, fail_fast: false } }, category: "read", repeatable: true })) as Partial<ScaiVaultBatchResult> | undefined;
    return { secrets: r?.secrets ?? {}, errors: r?.errors ?? {} };
  }

  /** `GET /v1/secrets?prefix=…`, every page; accepts `data` (JS SDK) and `secrets` (CLI) as the list key. */
  listSecrets(prefix = "", pageSize = 100): AsyncGenerator<ScaiVaultListItem> {
    return listPages(this, prefix, pageSize);
  }

  /** One page of {@link listSecrets}. */
  async listPage(prefix: string, limit: number, cursor?: string): Promise<{ items: ScaiVaultListItem[]; cursor?: string }> {
    const q = new URLSearchParams({ prefix, limit: String(limit), ...(cursor ? { cursor } : {}) });
    const r = (await this.call("GET", `secrets?${q.toString()}`, { category: "list", repeatable: true })) as { data?: unknown; secrets?: unknown; cursor?: unknown; next_cursor?: unknown; has_more?: unknown } | undefined;
    const raw = Array.isArray(r?.secrets) ? r.secrets : Array.isArray(r?.data) ? r.data : undefined;
    if (!raw) throw scaiVaultInvalidResponse("GET", "secrets", 200, "a list without `secrets` or `data`");
    const items = raw.filter((x): x is ScaiVaultListItem => typeof x === "object" && x !== null && typeof (x as { path?: unknown }).path === "string");
    const next = typeof r?.cursor === "string" && r.cursor ? r.cursor : typeof r?.next_cursor === "string" && r.next_cursor ? r.next_cursor : undefined;
    // `has_more: false` ends the listing even if a cursor came back.
    return { items, ...(next && r?.has_more !== false ? { cursor: next } : {}) };
  }

  /** `DELETE /v1/secrets/{path}` (soft by default). Absent is not an error. */
  async deleteSecret(path: string): Promise<void> {
    await this.call("DELETE", this.secretPath("DELETE", path), { category: "delete", repeatable: true, allow: [404] });
  }

  // Federation (fact sheet §3).
  listBackends(): Promise<ScaiVaultBackend[]> {
    return this.call("GET", "federation/backends", { category: "federation", repeatable: true }).then((r) => {
      const x = r as { backends?: unknown; data?: unknown } | unknown[] | undefined;
      const list = Array.isArray(x) ? x : Array.isArray(x?.backends) ? x.backends : Array.isArray(x?.data) ? x.data : undefined;
      if (!list) throw scaiVaultInvalidResponse("GET", "federation/backends", 200, "a list without `backends`");
      return list as ScaiVaultBackend[];
    });
  }

  async createBackend(b: ScaiVaultBackendInput): Promise<ScaiVaultBackend> {
    const r = (await this.call("POST", "federation/backends", { body: b, category: "federation", repeatable: false })) as ScaiVaultBackend | undefined;
    if (!r || typeof r.id !== "string") throw scaiVaultInvalidResponse("POST", "federation/backends", 200, "no backend id");
    return r;
  }

  getBackend(id: string): Promise<ScaiVaultBackend | undefined> {
    return this.call("GET", `federation/backends/${encodeURIComponent(id)}`, { category: "federation", repeatable: true, allow: [404] }) as Promise<ScaiVaultBackend | undefined>;
  }

  /** Sends the full desired settings (fact sheet §7: whether PATCH merges is not documented). */
  async patchBackend(id: string, changes: Partial<ScaiVaultBackendInput>): Promise<void> {
    await this.call("PATCH", `federation/backends/${encodeURIComponent(id)}`, { body: changes, category: "federation", repeatable: true });
  }

  async deleteBackend(id: string): Promise<void> {
    await this.call("DELETE", `federation/backends/${encodeURIComponent(id)}`, { category: "federation", repeatable: true, allow: [404] });
  }

  backendStatus(id: string): Promise<ScaiVaultBackendStatus> {
    return this.call("GET", `federation/backends/${encodeURIComponent(id)}/status`, { category: "federation", repeatable: true }) as Promise<ScaiVaultBackendStatus>;
  }

  async syncBackend(id: string): Promise<void> {
    await this.call("POST", `federation/backends/${encodeURIComponent(id)}/sync`, { body: {}, category: "federation", repeatable: false });
  }

  backendConflicts(id: string): Promise<unknown> {
    return this.call("GET", `federation/backends/${encodeURIComponent(id)}/conflicts`, { category: "federation", repeatable: true });
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  /** `secrets/<path>` after checking the grammar: a bad path is never sent. */
  private secretPath(method: string, path: string): string {
    const why = scaiVaultPathProblem(path);
    if (why) throw scaiVaultRefused(method, `secrets/${path.slice(0, 120)}`, why);
    return `secrets/${path}`;
  }

  /** One API call under the pacer and the retry policy. `path` is relative to `/v1/`. */
  private async call(method: Method, path: string, o: CallOptions): Promise<unknown> {
    const pacer = this.pacers[o.category];
    return withRetry(() => (pacer ? pacer.run(() => this.attempt(method, path, o, pacer)) : this.attempt(method, path, o, undefined)), {
      policy: this.policy,
      clock: this.clock,
      classify: (e): AttemptOutcome => {
        if (!isClientError(e)) return { error: e, idempotent: false, retryable: false };
        const sc = e.serviceCode;
        // Answers that say the request was not processed are safe to send again, whatever the method.
        const refused = sc === "rate_limited" || sc === "service_unavailable" || (sc === undefined && (e.status === 429 || e.status === 503));
        if (refused) return { ...clientErrorOutcome(e, true), retryable: true };
        // internal_error: once, and only where a repeat cannot add a version.
        if (sc === "internal_error") return { ...clientErrorOutcome(e, o.repeatable), retryable: true, retries: 1 };
        if (e.status === undefined) return { error: e, idempotent: o.repeatable };
        return { ...clientErrorOutcome(e, o.repeatable), retryable: false };
      },
      onRetry: ({ delayMs, hinted }) => {
        if (hinted && pacer) pacer.pauseUntil(Date.now() + delayMs);
      },
    });
  }

  private async attempt(method: Method, path: string, o: CallOptions, pacer: Pacer | undefined): Promise<unknown> {
    const shown = path.split("?")[0] as string;
    const headers: Record<string, string> = { accept: "application/json", authorization: `Bearer ${this.options.token}` };
    let body: string | undefined;
    if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers["content-type"] = "application/json";
    }
    let res: Dispatcher.ResponseData;
    try {
      res = await request(`${this.base}/v1/${path}`, { method, headers, body, dispatcher: this.dispatcher, headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs });
    } catch (e) {
      throw scaiVaultConnectionError(this.base, method, shown, e);
    }
    const status = res.statusCode;
    // The service's own count: nothing left in this window pauses the category until its reset.
    const remaining = headerOf(res.headers, "x-ratelimit-remaining");
    const reset = headerOf(res.headers, "x-ratelimit-reset");
    if (pacer && remaining === "0" && reset && /^\d+$/.test(reset)) pacer.pauseUntil(Number(reset) * 1000);
    const text = await res.body.text();
    if (status >= 200 && status < 300) {
      if (!text) return undefined;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        // JSON.parse quotes the text, which may hold a value: say only what failed.
        throw scaiVaultInvalidResponse(method, shown, status, "a body that is not JSON");
      }
    }
    if (o.allow?.includes(status)) return undefined;
    throw scaiVaultApiError(method, shown, status, parseEnvelope(text), retryHintMs(status, res.headers, this.clock.now()));
  }
}

/** Every page of a listing; a free generator (the closure serializer cannot re-create generator methods). */
async function* listPages(client: ScaiVaultClient, prefix: string, pageSize: number): AsyncGenerator<ScaiVaultListItem> {
  let cursor: string | undefined;
  const seen = new Set<string>();
  do {
    const page = await client.listPage(prefix, pageSize, cursor);
    for (const i of page.items) yield i;
    // A cursor seen before would loop forever: stop instead.
    if (page.cursor && seen.has(page.cursor)) break;
    if (page.cursor) seen.add(page.cursor);
    cursor = page.cursor;
  } while (cursor);
}

function headerOf(h: Dispatcher.ResponseData["headers"], name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The error envelope `{error:{code, message, request_id}}`; only its string fields, capped. */
function parseEnvelope(text: string): { code?: string; message?: string; requestId?: string } {
  try {
    const e = (JSON.parse(text) as { error?: Record<string, unknown> }).error;
    if (!e || typeof e !== "object") return {};
    const s = (v: unknown, n: number): string | undefined => (typeof v === "string" ? v.slice(0, n) : undefined);
    const code = s(e.code, 64);
    const message = s(e.message, 300);
    const requestId = s(e.request_id, 128);
    return { ...(code !== undefined ? { code } : {}), ...(message !== undefined ? { message } : {}), ...(requestId !== undefined ? { requestId } : {}) };
  } catch {
    return {};
  }
}
