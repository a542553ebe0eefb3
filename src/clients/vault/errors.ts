// Errors are built by factories on a real `Error`, not by `class … extends Error`: Pulumi's closure
// serializer rewrites subclass constructors as `Error.call(this, msg)`, which drops the message, and
// dynamic providers run serialized code.

import { namedError } from "../../engine/errors";

/**
 * A Vault/OpenBao API call answered with an error status. The message names the method, the API
 * path, the status and Vault's own error strings (e.g. "permission denied"); it never carries a
 * token, a request body or a response body, because the Pulumi host prints `${e}: ${e.stack}`.
 */
export interface VaultApiError extends Error {
  name: "VaultApiError";
  method: string;
  path: string;
  statusCode: number;
  errors: readonly string[];
  namespace?: string;
  /** Stable: `permission_denied`, `not_found`, `bad_request`, `sealed_or_standby`, `server_error`, ... */
  code: string;
}

/** The request never got an HTTP answer: DNS, TCP, TLS or timeout. */
export interface VaultConnectionError extends Error {
  name: "VaultConnectionError";
  address: string;
  path: string;
}

export function vaultApiError(method: string, path: string, statusCode: number, errors: readonly string[], namespace?: string): VaultApiError {
  const where = namespace ? `${path} (namespace ${namespace})` : path;
  const why = errors.length ? `: ${errors.join("; ")}` : "";
  const hint = statusCode === 403 ? " (the token's policies do not allow this, or the token is invalid or expired)" : "";
  return namedError<VaultApiError>("VaultApiError", `Vault ${method} ${where} failed with ${statusCode}${why}${hint}`, {
    method,
    path,
    statusCode,
    errors,
    ...(namespace ? { namespace } : {}),
    code: codeFor(statusCode),
  });
}

export function vaultConnectionError(address: string, path: string, cause: unknown): VaultConnectionError {
  return namedError<VaultConnectionError>("VaultConnectionError", `cannot reach Vault at ${address} (${path}): ${describeCause(cause)}`, { address, path });
}

export function isVaultApiError(e: unknown): e is VaultApiError {
  return e instanceof Error && e.name === "VaultApiError";
}

export function isVaultConnectionError(e: unknown): e is VaultConnectionError {
  return e instanceof Error && e.name === "VaultConnectionError";
}

function codeFor(status: number): string {
  switch (status) {
    case 400: return "bad_request";
    case 403: return "permission_denied";
    case 404: return "not_found";
    case 405: return "unsupported_operation";
    case 412: return "precondition_failed";
    case 429: return "rate_limited";
    case 503: return "sealed_or_standby";
    default: return status >= 500 ? "server_error" : "client_error";
  }
}

function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner = (cause as Error & { cause?: unknown }).cause;
  const code = (cause as Error & { code?: string }).code ?? (inner as { code?: string } | undefined)?.code;
  return code ? `${cause.message} [${code}]` : cause.message;
}
