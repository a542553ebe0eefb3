// The one retry policy of the service clients. Modelled on Azure core's throttling strategy and
// undici's retry handler: honour the service's wait (Retry-After in seconds or as an HTTP date) on
// 429/503, otherwise capped full-jitter backoff; retry only idempotent requests; and bound both the
// attempts and the total time, so a stuck service fails a run instead of hanging it.

import { isClientError, isTransientTransport, RETRYABLE_STATUSES, TRANSPORT_CODES, transportCode, type ClientError, type ClientErrorCode } from "./errors";

export interface RetryPolicy {
  /** Retries after the first attempt. */
  readonly retries: number;
  /** Backoff: retry n waits uniformly in [minDelayMs, min(maxMs, baseMs·2ⁿ)). */
  readonly baseMs: number;
  readonly maxMs: number;
  readonly minDelayMs: number;
  /** A service wait longer than this is not waited for: the call fails at once, saying so. */
  readonly maxRetryAfterMs: number;
  /** Time from the first attempt after which no retry starts; a backoff is shortened to fit. */
  readonly maxTotalMs: number;
  /**
   * Retries of a refused connection. Nothing listening is a wrong address, port or firewall far
   * more often than a blip (real front ends do not refuse), so a mistyped URL fails in about a
   * second instead of after the whole backoff.
   */
  readonly refusedRetries: number;
  /** Statuses worth retrying. */
  readonly retryStatuses: readonly number[];
}

/** Defaults sized for cloud services (Key Vault, Infisical, ScaiVault): waits of seconds, five minutes at most. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  retries: 8,
  baseMs: 500,
  maxMs: 30_000,
  minDelayMs: 0,
  maxRetryAfterMs: 120_000,
  maxTotalMs: 300_000,
  refusedRetries: 2,
  retryStatuses: RETRYABLE_STATUSES,
};

/** Response headers as undici gives them (a record) or as fetch and the Azure SDK do (`get`). */
export type HeaderSource = Readonly<Record<string, string | string[] | undefined>> | { get(name: string): string | null | undefined };

/** What one failed attempt tells the policy. */
export interface AttemptOutcome {
  /** HTTP status, when an answer arrived. */
  readonly status?: number;
  readonly headers?: HeaderSource;
  /** The error thrown, when no answer arrived (or the client's error for this attempt). */
  readonly error?: unknown;
  /** Whether sending the request twice is safe. Nothing else is ever retried. */
  readonly idempotent: boolean;
  /** A wait the service named outside the headers, e.g. Infisical's "try again in N seconds". */
  readonly hintMs?: number;
  /** Overrides the classification by status or transport failure (e.g. a service's own error code). */
  readonly retryable?: boolean;
  /** Overrides the policy's `retries` for this failure (ScaiVault: `internal_error` once). */
  readonly retries?: number;
  /** Overrides the policy's `maxTotalMs` for this failure (Key Vault: RBAC propagation). */
  readonly maxTotalMs?: number;
}

/** A client's own error as the policy sees it: its status and the service's named wait, if any. */
export function clientErrorOutcome(e: ClientError, idempotent: boolean): AttemptOutcome {
  return { error: e, idempotent, ...(e.status !== undefined ? { status: e.status } : {}), ...(e.retryAfterMs !== undefined ? { hintMs: e.retryAfterMs } : {}) };
}

export type StopReason = "not_retryable" | "not_idempotent" | "attempts_exhausted" | "retry_after_too_long" | "deadline";

export type RetryDecision =
  | { readonly retry: true; readonly delayMs: number; /** the delay is the service's wait, not our backoff */ readonly hinted: boolean }
  | { readonly retry: false; readonly reason: StopReason };

/** Time and chance, injectable so tests need no real delays. */
export interface RetryClock {
  /** Milliseconds since the epoch (HTTP dates are compared with it). */
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Uniform in [0, 1). */
  random(): number;
}

export const systemRetryClock: RetryClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
  random: () => Math.random(),
};

/**
 * What to do after a failed attempt. `attempt` counts the retries already made (0 after the first
 * failure); `elapsedMs` is the time since the first attempt started.
 */
export function decide(
  attempt: number,
  outcome: AttemptOutcome,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  clock: Pick<RetryClock, "now" | "random"> = systemRetryClock,
  elapsedMs = 0,
): RetryDecision {
  if (!(outcome.retryable ?? isRetryableFailure(outcome, attempt, policy))) return { retry: false, reason: "not_retryable" };
  if (!outcome.idempotent) return { retry: false, reason: "not_idempotent" };
  if (attempt >= (outcome.retries ?? policy.retries)) return { retry: false, reason: "attempts_exhausted" };
  const hint = outcome.hintMs ?? (outcome.status !== undefined ? retryHintMs(outcome.status, outcome.headers, clock.now()) : undefined);
  if (hint !== undefined && hint > policy.maxRetryAfterMs) return { retry: false, reason: "retry_after_too_long" };
  const remaining = (outcome.maxTotalMs ?? policy.maxTotalMs) - elapsedMs;
  if (remaining <= 0) return { retry: false, reason: "deadline" };
  if (hint !== undefined) {
    // Retrying before the service's wait is over only earns another refusal.
    return hint > remaining ? { retry: false, reason: "deadline" } : { retry: true, delayMs: hint, hinted: true };
  }
  return { retry: true, delayMs: Math.min(remaining, backoffMs(attempt, policy, clock.random)), hinted: false };
}

/** Full-jitter backoff for retry `attempt`: uniform in [minDelayMs, min(maxMs, baseMs·2^attempt)). */
export function backoffMs(attempt: number, policy: Pick<RetryPolicy, "baseMs" | "maxMs" | "minDelayMs">, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
  return Math.max(policy.minDelayMs, Math.floor(random() * cap));
}

/**
 * The wait a 429 or 503 answer asks for, in ms from `nowMs`: `Retry-After` (delta-seconds or an HTTP
 * date), Azure's `retry-after-ms` / `x-ms-retry-after-ms`, or — on a 429 without them —
 * `X-RateLimit-Reset` (ScaiVault: Unix seconds; a small value is taken as delta-seconds). Other
 * statuses, absent or unparseable headers: `undefined`. A date in the past gives 0.
 */
export function retryHintMs(status: number, headers: HeaderSource | undefined, nowMs: number): number | undefined {
  if ((status !== 429 && status !== 503) || !headers) return undefined;
  for (const name of ["retry-after-ms", "x-ms-retry-after-ms"]) {
    const v = header(headers, name)?.trim();
    if (v && /^\d+$/.test(v)) return Number(v);
  }
  const after = parseRetryAfter(header(headers, "retry-after"), nowMs);
  if (after !== undefined || status !== 429) return after;
  const reset = header(headers, "x-ratelimit-reset")?.trim();
  if (!reset || !/^\d+$/.test(reset)) return undefined;
  const n = Number(reset);
  // Epoch seconds are > 10⁹ since 2001; anything smaller is a delta.
  return n > 1e9 ? Math.max(0, n * 1000 - nowMs) : n * 1000;
}

/** An HTTP `Retry-After` value — delta-seconds or an HTTP date — in ms from `nowMs`. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** Retries made and time spent for one call; {@link withRetry} runs on it, loops that cannot be wrapped (paged listings) use it directly. */
export interface RetrySession {
  /** Decides after a failed attempt and counts the retry when there is one. */
  next(outcome: AttemptOutcome): RetryDecision;
  /** Retries made so far. */
  readonly attempt: number;
  /** Milliseconds since the session started. */
  elapsedMs(): number;
}

/** Starts a session now. */
export function retrySession(policy: RetryPolicy = DEFAULT_RETRY_POLICY, clock: RetryClock = systemRetryClock): RetrySession {
  const started = clock.now();
  let attempt = 0;
  return {
    next(outcome) {
      const d = decide(attempt, outcome, policy, clock, clock.now() - started);
      if (d.retry) attempt++;
      return d;
    },
    get attempt() {
      return attempt;
    },
    elapsedMs: () => clock.now() - started,
  };
}

export interface WithRetryOptions {
  readonly policy?: RetryPolicy;
  readonly clock?: RetryClock;
  /** What a thrown error means to the policy (its status, headers, idempotency…). */
  readonly classify: (error: unknown) => AttemptOutcome;
  /** Called before each wait, e.g. to pause a pacer for the service's wait. */
  readonly onRetry?: (info: { readonly attempt: number; readonly delayMs: number; readonly hinted: boolean; readonly error: unknown }) => void;
}

/**
 * Calls `fn` (with the number of retries made) until it succeeds or the policy stops; then throws
 * the last error unchanged.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: WithRetryOptions): Promise<T> {
  const clock = options.clock ?? systemRetryClock;
  const session = retrySession(options.policy ?? DEFAULT_RETRY_POLICY, clock);
  for (;;) {
    const attempt = session.attempt;
    try {
      return await fn(attempt);
    } catch (error) {
      const d = session.next(options.classify(error));
      if (!d.retry) throw error;
      options.onRetry?.({ attempt, delayMs: d.delayMs, hinted: d.hinted, error });
      await clock.sleep(d.delayMs);
    }
  }
}

/** A policy with some fields replaced; `undefined` fields keep the base's. */
export function retryPolicy(overrides: Partial<RetryPolicy> = {}, base: RetryPolicy = DEFAULT_RETRY_POLICY): RetryPolicy {
  const out: { -readonly [K in keyof RetryPolicy]: RetryPolicy[K] } = { ...base };
  for (const key of Object.keys(overrides) as (keyof RetryPolicy)[]) {
    const v = overrides[key];
    if (v !== undefined) (out as Record<keyof RetryPolicy, unknown>)[key] = v;
  }
  return out;
}

function isRetryableFailure(outcome: AttemptOutcome, attempt: number, policy: RetryPolicy): boolean {
  if (outcome.status !== undefined) return policy.retryStatuses.includes(outcome.status);
  if (outcome.error === undefined) return false;
  const code = failureTransportCode(outcome.error);
  if (code === undefined || !isTransientTransport(code)) return false;
  return code !== "connection_refused" || attempt < policy.refusedRetries;
}

/**
 * The transport code of a failure without a status: a client's own transport error as is; a raw
 * error only when it carries a system/library `code` (a programming error is never "transient").
 */
function failureTransportCode(e: unknown): ClientErrorCode | undefined {
  if (isClientError(e)) return TRANSPORT_CODES.includes(e.code) ? e.code : undefined;
  const own = (e as { code?: unknown } | null)?.code;
  const inner = (e as { cause?: { code?: unknown } } | null)?.cause?.code;
  return typeof own === "string" || typeof inner === "string" ? transportCode(e) : undefined;
}

function header(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === "function") return (headers as { get(n: string): string | null | undefined }).get(name) ?? undefined;
  const record = headers as Readonly<Record<string, string | string[] | undefined>>;
  const v = record[name] ?? record[Object.keys(record).find((k) => k.toLowerCase() === name) ?? ""];
  return Array.isArray(v) ? v[0] : v;
}
