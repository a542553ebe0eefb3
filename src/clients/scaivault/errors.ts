// ScaiVault failures in the clients' one error shape (../http/errors.ts): a `ClientError` with
// `service: "scaivault"`. ScaiVault says what went wrong in its error envelope's `error.code`
// (fact sheet §1), so the stable code is mapped from that, the status only when it is missing.
import { clientError, codeForStatus, describeTransportFailure, isClientError, isTransientTransport, transportCode, type ClientError, type ClientErrorCode } from "../http/errors";

/** A ScaiVault call answered with an error envelope (or an error status without one). */
export interface ScaiVaultApiError extends ClientError {
  service: "scaivault";
  status: number;
}

/** ScaiVault's `error.code` → the clients' stable code (fact sheet §1's table). */
export function scaiVaultCode(serviceCode: string | undefined, status: number): ClientErrorCode {
  switch (serviceCode) {
    case "secret_not_found":
    case "version_not_found":
    case "backend_not_found":
    case "not_found":
      return "not_found";
    case "invalid_path":
      return "invalid_path";
    case "invalid_request":
    case "invalid_secret_type":
    case "invalid_duration":
    case "invalid_glob":
    case "invalid_config":
      return "bad_request";
    case "authentication_required":
    case "token_expired":
    case "token_invalid":
    case "token_revoked":
      return "unauthenticated";
    case "access_denied":
    case "insufficient_scope":
    case "forbidden":
      return "permission_denied";
    case "secret_exists":
    case "version_conflict":
    case "policy_in_use":
      return "conflict";
    case "validation_error":
      return "validation_failed";
    case "rate_limited":
      return "rate_limited";
    case "service_unavailable":
      return "unavailable";
    case "internal_error":
      return "server_error";
    default:
      return codeForStatus(status);
  }
}

/**
 * Whether ScaiVault's answer is worth retrying (fact sheet §1: `rate_limited` and
 * `service_unavailable`; `internal_error` once, see the client). Branches on the code, not the status.
 */
export function isRetryableScaiVaultCode(serviceCode: string | undefined, status: number): boolean {
  if (serviceCode !== undefined) return serviceCode === "rate_limited" || serviceCode === "service_unavailable" || serviceCode === "internal_error";
  // No envelope (a proxy in front answered): the statuses that mean the same.
  return status === 429 || status === 503;
}

/**
 * The error of an answer. The message names the method, the path, the status, ScaiVault's code,
 * its message (capped) and the request id; never a body, a header, a value or the token.
 */
export function scaiVaultApiError(
  method: string,
  path: string,
  status: number,
  envelope: { code?: string; message?: string; requestId?: string },
  retryAfterMs?: number,
): ScaiVaultApiError {
  const code = scaiVaultCode(envelope.code, status);
  const why = envelope.message ? `: ${envelope.message.slice(0, 300)}` : "";
  const rid = envelope.requestId ? ` (request id ${envelope.requestId})` : "";
  return clientError<ScaiVaultApiError>(
    {
      code,
      service: "scaivault",
      method,
      path,
      status,
      ...(envelope.code !== undefined ? { serviceCode: envelope.code } : {}),
      ...(envelope.requestId !== undefined ? { requestId: envelope.requestId } : {}),
      retryable: isRetryableScaiVaultCode(envelope.code, status),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    },
    `ScaiVault ${method} ${path} failed with ${status}${envelope.code ? ` ${envelope.code}` : ""}${why}${rid}`,
  );
}

/** No HTTP answer arrived (DNS, TCP, TLS, timeout). */
export function scaiVaultConnectionError(base: string, method: string, path: string, cause: unknown): ClientError {
  const code = transportCode(cause);
  return clientError({ code, service: "scaivault", method, path, retryable: isTransientTransport(code) }, `cannot reach ScaiVault at ${base} (${method} ${path}): ${describeTransportFailure(cause)}`);
}

/** A 2xx answer the client cannot use; names no part of the body. */
export function scaiVaultInvalidResponse(method: string, path: string, status: number, what: string): ClientError {
  return clientError({ code: "invalid_response", service: "scaivault", method, path, status, retryable: false }, `ScaiVault ${method} ${path} answered ${status} with ${what}`);
}

/** A request refused before sending (a path outside ScaiVault's grammar). */
export function scaiVaultRefused(method: string, path: string, why: string): ClientError {
  return clientError({ code: "invalid_path", service: "scaivault", method, path, retryable: false }, `ScaiVault ${method} ${path} refused before sending: ${why}`);
}

/** True for a ScaiVault `ClientError`, optionally with ScaiVault's own `error.code`. */
export function isScaiVaultError(e: unknown, serviceCode?: string): e is ClientError {
  return isClientError(e) && e.service === "scaivault" && (serviceCode === undefined || e.serviceCode === serviceCode);
}
