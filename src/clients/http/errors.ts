// One error shape for every service client (Vault/OpenBao, Key Vault, and the Infisical and
// ScaiVault clients to come), so callers branch on a stable `code` and one guard instead of a
// family per service with its own code style.
//
// Built by a factory on a real `Error` (`namedError`), not by `class … extends Error`: Pulumi's
// closure serializer rewrites subclass constructors as `Error.call(this, msg)`, which drops the
// message, and the clients run inside dynamic providers, whose code is serialized.

import { namedError } from "../../engine/errors";

/** The services this project has clients for. */
export type ClientService = "vault" | "keyvault" | "infisical" | "scaivault";

/**
 * Stable, snake_case codes. HTTP answers map by status ({@link codeForStatus}); a client may refine
 * one where the service says more (`cas_mismatch`, the `mount_*` codes). Transport codes mean no
 * HTTP answer arrived.
 */
export type ClientErrorCode =
  // HTTP answers
  | "bad_request"
  | "unauthenticated"
  | "permission_denied"
  | "not_found"
  | "unsupported_operation"
  | "conflict"
  | "precondition_failed"
  | "too_large"
  | "validation_failed"
  | "rate_limited"
  | "unavailable"
  | "server_error"
  | "client_error"
  // refinements a client makes from the service's answer
  | "cas_mismatch"
  | "mount_not_found"
  | "not_kv"
  | "not_a_mount"
  | "mount_unknown"
  | "token_rejected"
  // refused before sending: the path holds an empty, `.` or `..` segment (it would escape its mount)
  | "invalid_path"
  // a 2xx answer the client cannot use (not JSON, a login without a token…)
  | "invalid_response"
  // no HTTP answer
  | "connection_refused"
  | "connection_failed"
  | "timeout"
  | "tls_failed"
  | "dns_failed"
  | "invalid_address";

/** Statuses that mean "try again later": timeouts, rate limits, server errors and gateways. */
export const RETRYABLE_STATUSES: readonly number[] = [408, 429, 500, 502, 503, 504];

/** The transport codes: the request got no HTTP answer. */
export const TRANSPORT_CODES: readonly ClientErrorCode[] = ["connection_refused", "connection_failed", "timeout", "tls_failed", "dns_failed", "invalid_address"];

/**
 * A failed service call. The message is built only from known-safe fields — the method, the path,
 * the status, the service's error code and the service's own error message string — never from a
 * request or response body, a header or a token, because the Pulumi host prints `${e}: ${e.stack}`.
 */
export interface ClientError extends Error {
  name: "ClientError";
  /** Stable code to branch on. */
  code: ClientErrorCode;
  service: ClientService;
  /** HTTP method (`GET`, `PUT`…, Vault's `LIST`). */
  method: string;
  /** API path without query string (Vault: relative to `/v1/`; Key Vault: `secrets/<name>`…). */
  path: string;
  /** HTTP status; absent when no answer arrived. */
  status?: number;
  /** The service's own error code (`ForbiddenByRbac`, `RateLimitExceeded`, `secret_not_found`…). */
  serviceCode?: string;
  /** The service's request id, to quote to its support. */
  requestId?: string;
  /** The failure is transient (rate limit, 5xx, dropped connection): the same call may succeed later. */
  retryable: boolean;
  /** The wait the service asked for (Retry-After and the like), when it named one. */
  retryAfterMs?: number;
}

/** What a client knows about a failure; everything but `message` lands on the error as is. */
export interface ClientErrorFacts {
  readonly code: ClientErrorCode;
  readonly service: ClientService;
  readonly method: string;
  readonly path: string;
  readonly status?: number;
  readonly serviceCode?: string;
  readonly requestId?: string;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
}

/**
 * Builds a {@link ClientError}. `message` is the whole human text and must already be safe (see the
 * interface); `extra` adds a service's own fields (Vault's `errors`, Key Vault's `operation`).
 */
export function clientError<E extends ClientError = ClientError>(facts: ClientErrorFacts, message: string, extra?: Omit<E, keyof ClientError>): E {
  const fields: Record<string, unknown> = { code: facts.code, service: facts.service, method: facts.method, path: stripQuery(facts.path), retryable: facts.retryable };
  // Optional fields only when known, so `"status" in e` and deepEqual stay meaningful.
  if (facts.status !== undefined) fields.status = facts.status;
  if (facts.serviceCode !== undefined) fields.serviceCode = facts.serviceCode;
  if (facts.requestId !== undefined) fields.requestId = facts.requestId;
  if (facts.retryAfterMs !== undefined) fields.retryAfterMs = facts.retryAfterMs;
  return namedError<E>("ClientError", message, { ...fields, ...(extra ?? {}) } as Omit<E, keyof Error>);
}

/** True when `e` is a {@link ClientError} of any service, optionally with the given code. */
export function isClientError(e: unknown, code?: ClientErrorCode): e is ClientError {
  if (!(e instanceof Error) || e.name !== "ClientError") return false;
  const c = (e as Error & { code?: unknown }).code;
  return typeof c === "string" && (code === undefined || c === code);
}

/** The code of an HTTP error status. */
export function codeForStatus(status: number): ClientErrorCode {
  switch (status) {
    case 400: return "bad_request";
    case 401: return "unauthenticated";
    case 403: return "permission_denied";
    case 404: return "not_found";
    case 405: return "unsupported_operation";
    case 409: return "conflict";
    case 412: return "precondition_failed";
    case 413: return "too_large";
    case 422: return "validation_failed";
    case 429: return "rate_limited";
    case 503: return "unavailable";
    default: return status >= 500 ? "server_error" : "client_error";
  }
}

/**
 * The transport code of an error thrown before any HTTP answer (Node's, undici's or the Azure
 * SDK's), read from its `code`, its cause's `code` and its message.
 */
export function transportCode(e: unknown): ClientErrorCode {
  const text = networkText(e);
  if (/ECONNREFUSED/.test(text)) return "connection_refused";
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL|EPROTO/i.test(text)) return "tls_failed";
  if (/ENOTFOUND|EAI_AGAIN|EAI_NONAME/.test(text)) return "dns_failed";
  if (/ERR_INVALID_URL|Invalid URL/i.test(text)) return "invalid_address";
  if (/TIMEOUT|ETIMEDOUT|timed? ?out/i.test(text)) return "timeout";
  return "connection_failed";
}

/**
 * Whether a transport failure is worth retrying. Trust (TLS) and name (DNS, URL) failures are not:
 * a retry cannot fix a wrong certificate or host name, and failing at once names the real cause.
 * A refused connection is, a few times (see `refusedRetries` in the retry policy).
 */
export function isTransientTransport(code: ClientErrorCode): boolean {
  return code === "connection_refused" || code === "connection_failed" || code === "timeout";
}

/**
 * A short, safe description of a transport failure for messages: the error's own message (Node's
 * and undici's name the address and the system call, nothing sent) and its code.
 */
export function describeTransportFailure(e: unknown): string {
  if (!(e instanceof Error)) return String(e).slice(0, 200);
  const inner = (e as Error & { cause?: unknown }).cause;
  const code = stringField(e, "code") ?? stringField(inner, "code");
  const first = (e.message.split(/\r?\n/)[0] ?? "").slice(0, 300);
  return code && !first.includes(code) ? `${first} [${code}]` : first;
}

/** `a/b?list=true` → `a/b`. */
export function stripQuery(p: string): string {
  const i = p.indexOf("?");
  return i < 0 ? p : p.slice(0, i);
}

function networkText(e: unknown): string {
  const inner = (e as { cause?: unknown } | null | undefined)?.cause;
  const message = e instanceof Error ? e.message : typeof e === "string" ? e : "";
  return [stringField(e, "code"), stringField(inner, "code"), message, inner instanceof Error ? inner.message : ""].filter(Boolean).join(" ");
}

function stringField(o: unknown, key: string): string | undefined {
  if (typeof o !== "object" || o === null) return undefined;
  const v = (o as Record<string, unknown>)[key];
  return typeof v === "string" ? v : undefined;
}
