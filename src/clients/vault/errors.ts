// Vault/OpenBao failures in the clients' one error shape (../http/errors.ts): a `ClientError` with
// `service: "vault"`, plus Vault's own error strings. The guards below narrow to the Vault kinds.

import { clientError, codeForStatus, describeTransportFailure, isClientError, isTransientTransport, RETRYABLE_STATUSES, TRANSPORT_CODES, transportCode, type ClientError, type ClientErrorCode } from "../http/errors";

/**
 * A Vault/OpenBao API call answered with an error status. The message names the method, the API
 * path, the status and Vault's own error strings (e.g. "permission denied"); it never carries a
 * token, a request body or a response body, because the Pulumi host prints `${e}: ${e.stack}`.
 */
export interface VaultApiError extends ClientError {
  service: "vault";
  status: number;
  /** Vault's `errors` strings (each capped at 500 characters). */
  errors: readonly string[];
  namespace?: string;
}

/** The request never got an HTTP answer: DNS, TCP, TLS or timeout (`code` says which). */
export interface VaultConnectionError extends ClientError {
  service: "vault";
  /** The server's base URL. */
  address: string;
}

export interface VaultApiErrorOptions {
  readonly namespace?: string;
  readonly retryAfterMs?: number;
}

export function vaultApiError(method: string, path: string, status: number, errors: readonly string[], options: VaultApiErrorOptions = {}): VaultApiError {
  const namespace = options.namespace;
  const where = namespace ? `${path} (namespace ${namespace})` : path;
  const why = errors.length ? `: ${errors.join("; ")}` : "";
  const hint =
    status === 403 ? " (the token's policies do not allow this, or the token is invalid or expired)" : status === 503 ? " (the server is sealed, a standby, or overloaded)" : "";
  return clientError<VaultApiError>(
    {
      code: vaultCodeFor(status, errors),
      service: "vault",
      method,
      path,
      status,
      retryable: RETRYABLE_STATUSES.includes(status),
      ...(options.retryAfterMs !== undefined ? { retryAfterMs: options.retryAfterMs } : {}),
    },
    `Vault ${method} ${where} failed with ${status}${why}${hint}`,
    { errors, ...(namespace ? { namespace } : {}) },
  );
}

export function vaultConnectionError(address: string, method: string, path: string, cause: unknown): VaultConnectionError {
  const code = transportCode(cause);
  return clientError<VaultConnectionError>(
    { code, service: "vault", method, path, retryable: isTransientTransport(code) },
    `cannot reach Vault at ${address} (${method} ${path}): ${describeTransportFailure(cause)}`,
    { address },
  );
}

/** A 2xx answer that cannot be used (not JSON, a login without a token). Names no part of the body. */
export function vaultInvalidResponse(method: string, path: string, status: number, what: string): ClientError {
  return clientError({ code: "invalid_response", service: "vault", method, path, status, retryable: false }, `Vault ${method} ${path} answered ${status} with ${what}`);
}

export function isVaultApiError(e: unknown): e is VaultApiError {
  return isClientError(e) && e.service === "vault" && Array.isArray((e as Partial<VaultApiError>).errors);
}

export function isVaultConnectionError(e: unknown): e is VaultConnectionError {
  return isClientError(e) && e.service === "vault" && TRANSPORT_CODES.includes(e.code);
}

/** Stable code of a Vault error answer: by status, refined where Vault's strings are unambiguous. */
function vaultCodeFor(status: number, errors: readonly string[]): ClientErrorCode {
  // KV v2 check-and-set refusals are 400s; callers branch on them (isCasMismatch).
  if (status === 400 && errors.some((s) => /check-and-set/i.test(s))) return "cas_mismatch";
  return codeForStatus(status);
}
