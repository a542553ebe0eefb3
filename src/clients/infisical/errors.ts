// Infisical failures in the clients' one error shape (../http/errors.ts): a `ClientError` with
// `service: "infisical"`, carrying Infisical's `statusCode`, `error` (as serviceCode), `message`
// and `reqId` (as requestId). Never a request body, a header, a token or a secret value.
import { clientError, codeForStatus, describeTransportFailure, isClientError, isTransientTransport, RETRYABLE_STATUSES, transportCode, type ClientError } from "../http/errors";

export interface InfisicalApiError extends ClientError {
  service: "infisical";
  status: number;
  /** Infisical's `message`: a string, or the field errors of a 422 joined (each capped). */
  serviceMessage: string;
}

/** Infisical's error envelope (fact sheet §0). */
interface Envelope {
  reqId?: unknown;
  statusCode?: unknown;
  message?: unknown;
  error?: unknown;
}

/** Reads the envelope's message; a 422's array of field errors keeps only their paths and messages. */
function messageOf(m: unknown): string {
  if (typeof m === "string") return m.slice(0, 300);
  if (Array.isArray(m)) {
    return m
      .map((x) => (typeof x === "object" && x !== null ? `${Array.isArray((x as { path?: unknown }).path) ? `${((x as { path: unknown[] }).path).join(".")}: ` : ""}${String((x as { message?: unknown }).message ?? "")}` : ""))
      .filter(Boolean)
      .join("; ")
      .slice(0, 300);
  }
  return "";
}

/** "Rate limit exceeded. Please try again in N seconds" → N s in ms. */
export function tryAgainHintMs(message: string): number | undefined {
  const m = /try again in (\d+(?:\.\d+)?) ?(seconds?|s|minutes?|m)\b/i.exec(message);
  if (!m) return undefined;
  const n = Number(m[1]);
  return Math.ceil(/^m/i.test(m[2] ?? "") ? n * 60_000 : n * 1000);
}

export function infisicalApiError(method: string, path: string, status: number, text: string, retryAfterMs?: number): InfisicalApiError {
  let env: Envelope = {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === "object" && parsed !== null) env = parsed as Envelope;
  } catch {
    // not JSON (a proxy's page): status only
  }
  const serviceMessage = messageOf(env.message);
  const hint = retryAfterMs ?? (status === 429 ? tryAgainHintMs(serviceMessage) : undefined);
  const serviceCode = typeof env.error === "string" ? env.error.slice(0, 64) : undefined;
  const requestId = typeof env.reqId === "string" ? env.reqId.slice(0, 80) : undefined;
  return clientError<InfisicalApiError>(
    {
      code: codeForStatus(status),
      service: "infisical",
      method,
      path,
      status,
      retryable: RETRYABLE_STATUSES.includes(status),
      ...(serviceCode !== undefined ? { serviceCode } : {}),
      ...(requestId !== undefined ? { requestId } : {}),
      ...(hint !== undefined ? { retryAfterMs: hint } : {}),
    },
    `Infisical ${method} ${path} failed with ${status}${serviceCode ? ` ${serviceCode}` : ""}${serviceMessage ? `: ${serviceMessage}` : ""}${requestId ? ` (reqId ${requestId})` : ""}`,
    { serviceMessage },
  );
}

export function infisicalConnectionError(site: string, method: string, path: string, cause: unknown): ClientError {
  const code = transportCode(cause);
  return clientError({ code, service: "infisical", method, path, retryable: isTransientTransport(code) }, `cannot reach Infisical at ${site} (${method} ${path}): ${describeTransportFailure(cause)}`);
}

/** A 2xx answer that cannot be used. Names no part of the body. */
export function infisicalInvalidResponse(method: string, path: string, status: number, what: string): ClientError {
  return clientError({ code: "invalid_response", service: "infisical", method, path, status, retryable: false }, `Infisical ${method} ${path} answered ${status} with ${what}`);
}

export function isInfisicalApiError(e: unknown, status?: number): e is InfisicalApiError {
  return isClientError(e) && e.service === "infisical" && typeof (e as Partial<InfisicalApiError>).status === "number" && (status === undefined || (e as InfisicalApiError).status === status);
}
