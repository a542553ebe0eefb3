import type { TokenCredential } from "@azure/core-auth";
import { SecretClient, type DeletedSecret, type SecretClientOptions, type SecretProperties } from "@azure/keyvault-secrets";
import { retryHintMs, retryPolicy, retrySession, systemRetryClock, withRetry, type AttemptOutcome, type RetryPolicy } from "../http/retry";
import {
  KEY_VAULT_DATA_ACTIONS,
  errorFacts,
  isKeyVaultError,
  keyVaultError,
  toKeyVaultError,
  type KeyVaultOperation,
} from "./errors";
import { sharedPacer, type Pacer } from "../http/pacer";

/** Key Vault's documented limits per vault per 10 s (fact sheet §4). */
export const KEY_VAULT_WRITE_LIMIT = 300;
export const KEY_VAULT_OTHER_LIMIT = 4_000;
export const KEY_VAULT_LIMIT_WINDOW_MS = 10_000;

/**
 * Client-side pacing so a big run stays under the service limits instead of causing a 429 storm.
 * Each class gets `floor(limit × headroom)` operations per sliding window.
 */
export interface KeyVaultPacing {
  /** Secret writes (PUT) per window. Default 300. */
  readonly writeLimit?: number;
  /** All other transactions per window. Default 4,000. */
  readonly otherLimit?: number;
  /** Default 10,000 ms. */
  readonly windowMs?: number;
  /** Fraction of the limits used, leaving room for other clients of the vault. Default 0.95. */
  readonly headroom?: number;
}

/**
 * Our retry of transient failures (429 with or without Retry-After, 5xx, 408, dropped connections):
 * the clients' shared policy (`DEFAULT_RETRY_POLICY` in ../http/retry.ts) with these overrides.
 */
export interface KeyVaultRetryOptions {
  /** Retries after the first attempt. Default 8. */
  readonly retries?: number;
  /** Backoff base (full jitter, doubling). Default 500 ms. */
  readonly baseMs?: number;
  /** Backoff cap. Default 30,000 ms. */
  readonly maxMs?: number;
  /** A Retry-After longer than this is not waited for. Default 120,000 ms. */
  readonly maxRetryAfterMs?: number;
  /** No retry starts later than this after the first attempt. Default 300,000 ms. */
  readonly maxTotalMs?: number;
}

export interface KeyVaultSecretsClientOptions {
  /** `https://<name>.vault.azure.net` (or a sovereign-cloud / test URL). */
  readonly vaultUrl: string;
  readonly credential: TokenCredential;
  /**
   * PEM CA bundle to trust for this client only, replacing the default store (a private endpoint
   * behind a TLS-inspecting proxy, a local double). TLS verification is never turned off.
   */
  readonly caCertPem?: string;
  /**
   * Skip the SDK's check that the vault host ends with the challenge resource's domain
   * (`.vault.azure.net`). Needed only for a vault URL on another name, such as a local test double
   * on 127.0.0.1. Default false: keep it off against real Azure, where it guards against sending
   * a token to the wrong host.
   */
  readonly disableChallengeResourceVerification?: boolean;
  /** Default: the service limits × 0.95; `false` turns pacing off. */
  readonly pacing?: KeyVaultPacing | false;
  readonly retry?: KeyVaultRetryOptions;
  /**
   * How long a write denied with 403 ForbiddenByRbac is retried (with backoff) before failing:
   * Azure RBAC role assignments take minutes to propagate. Default 300,000 ms (5 min); 0 = no retry.
   */
  readonly rbacMaxWaitMs?: number;
  /**
   * How long a 409 for a name that is being deleted or recovered (or a purge while deleting) is
   * waited out. Default 120,000 ms.
   */
  readonly conflictMaxWaitMs?: number;
  /** Poll interval of the delete/recover pollers. Default 2,000 ms (the SDK's). */
  readonly pollIntervalMs?: number;
  /**
   * How long one HTTP request may wait for the answer's headers before it is abandoned (then
   * retried like a dropped connection, and finally failed with code `timeout`). Default 60,000 ms;
   * the SDK itself has none, so a stalled connection would hold a run forever.
   */
  readonly requestTimeoutMs?: number;
}

type PipelinePolicy = NonNullable<SecretClientOptions["additionalPolicies"]>[number]["policy"];

/** What a request abandoned by {@link requestTimeout} fails with: a transport failure, code ETIMEDOUT. */
const TIMEOUT_ERROR = "KeyVaultRequestTimeout";

/**
 * Sets every request's timeout (each attempt, the challenge round trip and the pollers' GETs
 * included) and turns the SDK's resulting AbortError into a timeout the retry loop knows.
 */
function requestTimeout(timeoutMs: number): PipelinePolicy {
  return {
    name: "vaultMigrationRequestTimeout",
    async sendRequest(request, next) {
      request.timeout = timeoutMs;
      try {
        return await next(request);
      } catch (e) {
        // No caller of this client passes an abort signal: an abort here is the timeout firing.
        if ((e as { name?: unknown } | null)?.name !== "AbortError" || request.abortSignal?.aborted) throw e;
        throw Object.assign(new Error(`no answer within ${timeoutMs} ms (ETIMEDOUT)`), { name: TIMEOUT_ERROR, code: "ETIMEDOUT" });
      }
    },
  };
}

/** Properties of a secret or of one version; never a value. */
export interface KeyVaultSecretInfo {
  readonly name: string;
  /** Set on version listings. */
  readonly version?: string;
  readonly enabled: boolean;
  /** Certificate-backed (managed by Key Vault); never writable. */
  readonly managed: boolean;
  readonly contentType?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly createdOn?: Date;
  readonly updatedOn?: Date;
  readonly expiresOn?: Date;
}

/** What a write answered: the new version's properties, and whether its answer holds the value as sent. */
export interface KeyVaultWriteInfo extends KeyVaultSecretInfo {
  /**
   * Key Vault answers a write with the version it stored, value included: true when that value is
   * exactly the one sent, so the write itself proves what the version holds (no read back needed).
   */
  readonly storedAsSent: boolean;
}

export interface SetSecretOptions {
  readonly contentType?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly expiresOn?: Date;
  readonly enabled?: boolean;
}

/** A secret's value and the properties needed to interpret it. Keep it only as long as needed. */
export interface KeyVaultSecretValue {
  readonly value: string;
  readonly contentType?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

export interface DeletedSecretInfo {
  readonly name: string;
  readonly deletedOn?: Date;
  readonly scheduledPurgeDate?: Date;
  readonly tags?: Readonly<Record<string, string>>;
}

type Pace = "write" | "other";

interface CallOptions {
  /** Strings (values) cut out of any error message. */
  readonly secrets?: readonly string[];
  /** Retry 403 ForbiddenByRbac up to rbacMaxWaitMs (writes only: see the option). */
  readonly rbacRetry?: boolean;
  /** Error codes that mean "busy, wait": retried until conflictMaxWaitMs. */
  readonly busyCodes?: readonly string[];
}

/**
 * The policy's view of a failed attempt. Every call of this client is safe to repeat: GET, PUT of
 * the same value and tags, DELETE, and the recover POST (a repeat can do no second recovery; after a
 * lost answer it fails with 404 instead of succeeding).
 */
function transientOutcome(e: unknown): AttemptOutcome {
  // Already final (a nested call gave up): never retried again.
  if (isKeyVaultError(e)) return { error: e, idempotent: true, retryable: false };
  const f = errorFacts(e);
  if (f.statusCode) return { status: f.statusCode, ...(f.headers ? { headers: f.headers } : {}), error: e, idempotent: true };
  // No status: only the SDK's own request errors (and our timeout) can be transient, not credential or programming errors.
  const name = (e as { name?: unknown } | null)?.name;
  if (name !== "RestError" && name !== TIMEOUT_ERROR) return { error: e, idempotent: true, retryable: false };
  return { error: e, idempotent: true };
}

/**
 * The bounded waits for a cause that takes minutes to clear (an RBAC role assignment propagating, a
 * name being deleted or recovered): backoff from 250 ms to 30 s, each failure kind naming its own
 * total (`maxTotalMs` of the outcome), none by default.
 */
const PROPAGATION_WAIT: RetryPolicy = retryPolicy({ retries: Number.MAX_SAFE_INTEGER, baseMs: 1_000, maxMs: 30_000, minDelayMs: 250, maxTotalMs: 0, maxRetryAfterMs: Number.MAX_SAFE_INTEGER });

function info(p: SecretProperties): KeyVaultSecretInfo {
  const out: { -readonly [K in keyof KeyVaultSecretInfo]: KeyVaultSecretInfo[K] } = {
    name: p.name,
    enabled: p.enabled !== false,
    managed: p.managed === true,
  };
  if (p.version) out.version = p.version;
  if (p.contentType !== undefined) out.contentType = p.contentType;
  if (p.tags) out.tags = p.tags;
  if (p.createdOn) out.createdOn = p.createdOn;
  if (p.updatedOn) out.updatedOn = p.updatedOn;
  if (p.expiresOn) out.expiresOn = p.expiresOn;
  return out;
}

/**
 * Azure Key Vault secrets, with pacing under the service limits, bounded retries (Retry-After
 * honoured, bare 429s and dropped connections backed off), a bounded wait for RBAC propagation on
 * writes, and errors that name the operation, the secret and Key Vault's code — never a value.
 */
export class KeyVaultSecretsClient {
  readonly vaultUrl: string;
  private readonly client: SecretClient;
  private readonly writes?: Pacer;
  private readonly others?: Pacer;
  private readonly policy: RetryPolicy;
  private readonly rbacMaxWaitMs: number;
  private readonly conflictMaxWaitMs: number;
  private readonly pollIntervalMs: number;
  private challenge?: Promise<void>;

  constructor(options: KeyVaultSecretsClientOptions) {
    this.vaultUrl = options.vaultUrl.replace(/\/+$/, "");
    if (options.requestTimeoutMs !== undefined && !(options.requestTimeoutMs > 0)) throw new RangeError(`requestTimeoutMs must be positive (got ${options.requestTimeoutMs})`);
    const sdk: SecretClientOptions = {
      // No SDK retries: its retries would bypass our pacer (a 429 answered by an unpaced resend
      // trips the limit again) and it gives up on bare 429s anyway. Our loop in `call` retries
      // 408/429/5xx and dropped connections, honouring Retry-After, each attempt re-paced.
      retryOptions: { maxRetries: 0 },
      additionalPolicies: [{ policy: requestTimeout(options.requestTimeoutMs ?? 60_000), position: "perRetry" }],
    };
    if (options.caCertPem !== undefined) sdk.tlsOptions = { ca: options.caCertPem };
    if (options.disableChallengeResourceVerification === true) sdk.disableChallengeResourceVerification = true;
    this.client = new SecretClient(this.vaultUrl, options.credential, sdk);
    if (options.pacing !== false) {
      const p = options.pacing ?? {};
      const headroom = p.headroom ?? 0.95;
      const windowMs = p.windowMs ?? KEY_VAULT_LIMIT_WINDOW_MS;
      const scaled = (limit: number): number => Math.max(1, Math.floor(limit * headroom));
      // Per vault, not per client: every client of this vault in the process takes turns in one pacer.
      this.writes = sharedPacer(`keyvault|${this.vaultUrl.toLowerCase()}|write`, scaled(p.writeLimit ?? KEY_VAULT_WRITE_LIMIT), windowMs);
      this.others = sharedPacer(`keyvault|${this.vaultUrl.toLowerCase()}|other`, scaled(p.otherLimit ?? KEY_VAULT_OTHER_LIMIT), windowMs);
    }
    const r = options.retry ?? {};
    this.policy = retryPolicy({ retries: r.retries, baseMs: r.baseMs, maxMs: r.maxMs, maxRetryAfterMs: r.maxRetryAfterMs, maxTotalMs: r.maxTotalMs });
    this.rbacMaxWaitMs = options.rbacMaxWaitMs ?? 300_000;
    this.conflictMaxWaitMs = options.conflictMaxWaitMs ?? 120_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 2_000;
  }

  /**
   * Properties of every secret, page by page (never values). Needs
   * `Microsoft.KeyVault/vaults/secrets/readMetadata/action`.
   */
  listProperties(): AsyncIterable<KeyVaultSecretInfo> {
    return this.paged("listSecrets", "", () => this.client.listPropertiesOfSecrets().byPage());
  }

  /**
   * Properties of every soft-deleted secret (its last version's tags, never a value), page by page.
   * Needs `Microsoft.KeyVault/vaults/deletedSecrets/read`.
   */
  listDeletedProperties(): AsyncIterable<KeyVaultSecretInfo> {
    return this.paged("listDeletedSecrets", "", () => deletedPages(this.client.listDeletedSecrets().byPage()));
  }

  /**
   * Properties of every version of `name` (empty when absent), in the service's order (not by
   * time: sort by `createdOn`). Needs `Microsoft.KeyVault/vaults/secrets/readMetadata/action`.
   */
  listVersionProperties(name: string): AsyncIterable<KeyVaultSecretInfo> {
    return this.paged("listSecretVersions", name, () => this.client.listPropertiesOfSecretVersions(name).byPage());
  }

  /**
   * Writes a new version (PUT; safe to repeat with the same value and tags). Needs
   * `Microsoft.KeyVault/vaults/secrets/setSecret/action`. Waits out a name being deleted or
   * recovered; a soft-deleted name fails with code `ObjectIsDeletedButRecoverable`.
   */
  async setSecret(name: string, value: string, options: SetSecretOptions = {}): Promise<KeyVaultWriteInfo> {
    const sdkOptions: { contentType?: string; tags?: Record<string, string>; expiresOn?: Date; enabled?: boolean } = {};
    if (options.contentType !== undefined) sdkOptions.contentType = options.contentType;
    if (options.tags !== undefined) sdkOptions.tags = { ...options.tags };
    if (options.expiresOn !== undefined) sdkOptions.expiresOn = options.expiresOn;
    if (options.enabled !== undefined) sdkOptions.enabled = options.enabled;
    const result = await this.call("setSecret", name, "write", () => this.client.setSecret(name, value, sdkOptions), {
      secrets: [value],
      rbacRetry: true,
      busyCodes: ["ObjectIsBeingDeleted", "ObjectIsBeingRecovered"],
    });
    // Only properties leave this method: the returned bundle's value is compared, then dropped here.
    return { ...info(result.properties), storedAsSent: result.value === value };
  }

  /**
   * The latest (or given) version's value, or undefined when the name does not exist. Needs
   * `Microsoft.KeyVault/vaults/secrets/getSecret/action`. A disabled secret fails with code
   * `SecretDisabled`.
   */
  async getSecret(name: string, version?: string): Promise<KeyVaultSecretValue | undefined> {
    try {
      const s = await this.call("getSecret", name, "other", () => this.client.getSecret(name, version ? { version } : {}));
      if (s.value === undefined) return undefined;
      const out: { value: string; contentType?: string; tags?: Record<string, string> } = { value: s.value };
      if (s.properties.contentType !== undefined) out.contentType = s.properties.contentType;
      if (s.properties.tags) out.tags = s.properties.tags;
      return out;
    } catch (e) {
      if (isKeyVaultError(e) && e.status === 404) return undefined;
      throw e;
    }
  }

  /**
   * The latest version's properties (never its value: read, then dropped here), or undefined when
   * the name does not exist (a soft-deleted name included). One GET, paced as "other"; a disabled
   * secret cannot be read, so its versions are listed instead (the newest by `createdOn`). Needs
   * `Microsoft.KeyVault/vaults/secrets/getSecret/action` (and `…/readMetadata/action` when disabled).
   */
  async getProperties(name: string): Promise<KeyVaultSecretInfo | undefined> {
    try {
      const s = await this.call("getSecret", name, "other", () => this.client.getSecret(name));
      return info(s.properties);
    } catch (e) {
      if (isKeyVaultError(e) && e.status === 404) return undefined;
      if (!isKeyVaultError(e, "SecretDisabled")) throw e;
    }
    let newest: KeyVaultSecretInfo | undefined;
    for await (const v of this.listVersionProperties(name)) if (!newest || (v.createdOn?.getTime() ?? 0) >= (newest.createdOn?.getTime() ?? 0)) newest = v;
    return newest;
  }

  /**
   * Soft-deletes `name` and waits (SDK poller) until the deletion completes; with `purge`, then
   * purges it. Returns false when the name did not exist. Needs
   * `Microsoft.KeyVault/vaults/secrets/delete` (and `…/deletedSecrets/read` for the poller,
   * `…/deletedSecrets/purge/action` to purge).
   */
  async deleteSecret(name: string, options: { readonly purge?: boolean } = {}): Promise<boolean> {
    let existed = true;
    try {
      await this.call("deleteSecret", name, "other", async () => {
        const poller = await this.client.beginDeleteSecret(name, { intervalInMs: this.pollIntervalMs });
        await poller.pollUntilDone();
      }, { rbacRetry: true });
    } catch (e) {
      if (!(isKeyVaultError(e) && e.status === 404)) throw e;
      existed = false;
    }
    if (options.purge) {
      try {
        // "Secret is currently being deleted." is a plain 409 Conflict (fact sheet §3).
        await this.call("purgeDeletedSecret", name, "other", () => this.client.purgeDeletedSecret(name), { rbacRetry: true, busyCodes: ["Conflict", "ObjectIsBeingDeleted"] });
      } catch (e) {
        if (!(isKeyVaultError(e) && e.status === 404)) throw e;
      }
    }
    return existed;
  }

  /**
   * The soft-deleted secret's properties, or undefined when `name` is not soft-deleted. Needs
   * `Microsoft.KeyVault/vaults/deletedSecrets/read`.
   */
  async getDeletedSecret(name: string): Promise<DeletedSecretInfo | undefined> {
    try {
      const d = await this.call("getDeletedSecret", name, "other", () => this.client.getDeletedSecret(name));
      const out: { -readonly [K in keyof DeletedSecretInfo]: DeletedSecretInfo[K] } = { name: d.name };
      if (d.properties.deletedOn) out.deletedOn = d.properties.deletedOn;
      if (d.properties.scheduledPurgeDate) out.scheduledPurgeDate = d.properties.scheduledPurgeDate;
      if (d.properties.tags) out.tags = d.properties.tags;
      return out;
    } catch (e) {
      if (isKeyVaultError(e) && e.status === 404) return undefined;
      throw e;
    }
  }

  /**
   * Recovers a soft-deleted secret and waits (SDK poller) until it is readable again; waits out a
   * deletion still in progress. Needs `Microsoft.KeyVault/vaults/secrets/recover/action` (and
   * `…/secrets/getSecret/action` for the poller).
   */
  async recoverDeletedSecret(name: string): Promise<void> {
    await this.call("recoverDeletedSecret", name, "other", async () => {
      const poller = await this.client.beginRecoverDeletedSecret(name, { intervalInMs: this.pollIntervalMs });
      await poller.pollUntilDone();
    }, { rbacRetry: true, busyCodes: ["ObjectIsBeingDeleted"] });
  }

  /** Nothing to release today (the SDK pools connections per process); kept so callers stay correct. */
  async close(): Promise<void> {
    // No SDK close(); idle keep-alive sockets do not hold the process open.
  }

  /** Pages of a list: paced per page; on a transient failure the listing restarts and skips what was yielded. */
  private paged(op: KeyVaultOperation, name: string, open: () => AsyncIterableIterator<SecretProperties[]>): AsyncIterable<KeyVaultSecretInfo> {
    return pagedList(
      {
        authenticate: () => this.authenticate(),
        nextPage: (f) => (this.others ? this.others.run(f) : f()),
        policy: this.policy,
        onFailure: (e) => this.notePause("other", e),
        fail: (e) => this.fail(op, name, e, {}),
      },
      open,
    );
  }

  /**
   * Completes the SDK's authentication challenge with one bodyless GET before anything else runs.
   * Works around a race in @azure/keyvault-common's challenge policy: when several first requests
   * are in flight and another one completes the challenge first, the request that started it is
   * re-sent with its body still null (`challengeState` is no longer "started"), so a concurrent
   * first PUT reaches the service empty and fails with 400 BadParameter.
   */
  private authenticate(): Promise<void> {
    this.challenge ??= this.client.getSecret("vault-migration-challenge-probe").then(
      () => undefined,
      () => undefined, // 404, 403…: the challenge is done either way; real failures surface on the call itself
    );
    return this.challenge;
  }

  /**
   * One paced call under the shared retry policy (each attempt re-paced), inside bounded waits for
   * RBAC propagation (writes) and busy names.
   */
  private async call<T>(op: KeyVaultOperation, name: string, pace: Pace, fn: () => Promise<T>, options: CallOptions = {}): Promise<T> {
    await this.authenticate();
    const started = Date.now();
    const pacer = pace === "write" ? this.writes : this.others;
    const attempt = async (): Promise<T> => {
      try {
        return await (pacer ? pacer.run(fn) : fn());
      } catch (e) {
        this.notePause(pace, e);
        throw e;
      }
    };
    try {
      return await withRetry(() => withRetry(attempt, { policy: this.policy, classify: transientOutcome }), {
        policy: PROPAGATION_WAIT,
        classify: (e): AttemptOutcome => {
          const f = errorFacts(e);
          const rbac = options.rbacRetry === true && f.statusCode === 403 && f.code === "ForbiddenByRbac";
          const busy = f.statusCode === 409 && (options.busyCodes ?? []).includes(f.code);
          return { error: e, idempotent: true, retryable: rbac || busy, maxTotalMs: rbac ? this.rbacMaxWaitMs : busy ? this.conflictMaxWaitMs : 0 };
        },
      });
    } catch (e) {
      throw this.fail(op, name, e, options, options.rbacRetry ? Date.now() - started : undefined);
    }
  }

  private fail(op: KeyVaultOperation, name: string, e: unknown, options: CallOptions, rbacWaitedMs?: number): Error {
    const f = errorFacts(e);
    const retryAfterMs = f.statusCode ? retryHintMs(f.statusCode, f.headers, Date.now()) : undefined;
    const details = { ...(f.requestId ? { requestId: f.requestId } : {}), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    if (f.statusCode === 403 && f.code === "ForbiddenByRbac") {
      const waited = rbacWaitedMs && rbacWaitedMs > 0 ? ` (still denied after retrying for ${(rbacWaitedMs / 1000).toFixed(1)} s for role assignments to propagate)` : "";
      return keyVaultError(
        op,
        name,
        403,
        f.code,
        `the caller lacks the Azure RBAC data action ${KEY_VAULT_DATA_ACTIONS[op]} on ${this.vaultUrl}${waited}; ` +
          `assign a role that grants it on the vault (e.g. "Key Vault Secrets Officer")`,
        details,
      );
    }
    return toKeyVaultError(op, name, e, options.secrets ?? [], details);
  }

  /** A 429 with Retry-After holds every caller of that class: the limit is per vault, not per task. */
  private notePause(pace: Pace, e: unknown): void {
    const f = errorFacts(e);
    if (f.statusCode !== 429) return;
    const ms = retryHintMs(429, f.headers, Date.now());
    if (ms !== undefined) (pace === "write" ? this.writes : this.others)?.pauseFor(ms);
  }
}

/** What {@link pagedList} needs from its client. */
interface PagingContext {
  authenticate(): Promise<void>;
  nextPage<T>(f: () => Promise<T>): Promise<T>;
  policy: RetryPolicy;
  /** Called on every failed page, before the retry decision (pauses the pacer on a 429). */
  onFailure(e: unknown): void;
  fail(e: unknown): Error;
}

// Deleted secrets' pages as the properties they carry, so one paging loop serves both listings.
async function* deletedPages(pages: AsyncIterableIterator<DeletedSecret[]>): AsyncIterableIterator<SecretProperties[]> {
  for await (const page of pages) yield page.map((d) => d.properties);
}

// A free async generator, not a class method: Pulumi's closure serializer cannot re-create
// async-generator methods (dynamic providers run serialized code).
async function* pagedList(ctx: PagingContext, open: () => AsyncIterableIterator<SecretProperties[]>): AsyncGenerator<KeyVaultSecretInfo> {
  await ctx.authenticate();
  // Mapped pages lose their continuation token in this SDK version, so resuming means restarting;
  // names are unique per listing (versions per name), which makes skipping exact.
  const seen = new Set<string>();
  const retries = retrySession(ctx.policy);
  for (;;) {
    const pages = open();
    try {
      for (;;) {
        const step = await ctx.nextPage(() => pages.next());
        if (step.done) return;
        for (const p of step.value) {
          const key = `${p.name.toLowerCase()}/${p.version ?? ""}`;
          if (seen.has(key)) continue;
          seen.add(key);
          yield info(p);
        }
      }
    } catch (e) {
      ctx.onFailure(e);
      const d = retries.next(transientOutcome(e));
      if (!d.retry) throw ctx.fail(e);
      await systemRetryClock.sleep(d.delayMs);
    }
  }
}
