// Key Vault failures in the clients' one error shape (../http/errors.ts): a `ClientError` with
// `service: "keyvault"`, Key Vault's code in `serviceCode`, plus the operation and the secret name.

import { redact } from "../../engine/report";
import { clientError, codeForStatus, describeTransportFailure, isClientError, isTransientTransport, RETRYABLE_STATUSES, transportCode, type ClientError, type ClientErrorCode } from "../http/errors";

/** Key Vault operations this client performs, as named in messages. */
export type KeyVaultOperation =
  | "setSecret"
  | "getSecret"
  | "listSecrets"
  | "listSecretVersions"
  | "deleteSecret"
  | "getDeletedSecret"
  | "recoverDeletedSecret"
  | "purgeDeletedSecret"
  | "listDeletedSecrets";

/**
 * Azure RBAC data action each operation needs (built-in role "Key Vault Secrets Officer" has them
 * all; "Key Vault Secrets User" has only getSecret and readMetadata).
 */
export const KEY_VAULT_DATA_ACTIONS: Readonly<Record<KeyVaultOperation, string>> = {
  setSecret: "Microsoft.KeyVault/vaults/secrets/setSecret/action",
  getSecret: "Microsoft.KeyVault/vaults/secrets/getSecret/action",
  listSecrets: "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
  listSecretVersions: "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
  deleteSecret: "Microsoft.KeyVault/vaults/secrets/delete",
  getDeletedSecret: "Microsoft.KeyVault/vaults/deletedSecrets/read",
  recoverDeletedSecret: "Microsoft.KeyVault/vaults/secrets/recover/action",
  purgeDeletedSecret: "Microsoft.KeyVault/vaults/deletedSecrets/purge/action",
  listDeletedSecrets: "Microsoft.KeyVault/vaults/deletedSecrets/read",
};

/** HTTP method and REST path of each operation (for `method` and `path` of the errors). */
const KEY_VAULT_REQUESTS: Readonly<Record<KeyVaultOperation, { method: string; path: (name: string) => string }>> = {
  setSecret: { method: "PUT", path: (n) => `secrets/${n}` },
  getSecret: { method: "GET", path: (n) => `secrets/${n}` },
  listSecrets: { method: "GET", path: () => "secrets" },
  listSecretVersions: { method: "GET", path: (n) => `secrets/${n}/versions` },
  deleteSecret: { method: "DELETE", path: (n) => `secrets/${n}` },
  getDeletedSecret: { method: "GET", path: (n) => `deletedsecrets/${n}` },
  recoverDeletedSecret: { method: "POST", path: (n) => `deletedsecrets/${n}/recover` },
  purgeDeletedSecret: { method: "DELETE", path: (n) => `deletedsecrets/${n}` },
  listDeletedSecrets: { method: "GET", path: () => "deletedsecrets" },
};

/**
 * A Key Vault call that failed. The message names the operation, the secret name and Key Vault's
 * error code; it never carries a secret value, a token or a request body, because the Pulumi host
 * prints `${e}: ${e.stack}`.
 */
export interface KeyVaultError extends ClientError {
  service: "keyvault";
  operation: KeyVaultOperation;
  /** Secret name, or "" for vault-wide calls (listing). */
  secretName: string;
  /**
   * Most specific code Key Vault gave: its `innererror.code` when present (`ForbiddenByRbac`,
   * `ObjectIsDeletedButRecoverable`, `SecretDisabled`…), else `error.code`; for a failure without an
   * answer, the network code (`ECONNREFUSED`…).
   */
  serviceCode: string;
}

export interface KeyVaultErrorDetails {
  readonly requestId?: string;
  readonly retryAfterMs?: number;
}

/**
 * Builds a {@link KeyVaultError}; `message` must already be free of values (see
 * `describeServiceMessage`). `status` 0 means no HTTP answer arrived.
 */
export function keyVaultError(op: KeyVaultOperation, name: string, status: number, serviceCode: string, message: string, details: KeyVaultErrorDetails = {}): KeyVaultError {
  const subject = name ? `secret '${name}'` : "the vault";
  const shown = status ? `${status} ${serviceCode}` : serviceCode;
  const req = KEY_VAULT_REQUESTS[op];
  const transport = status ? undefined : transportCode({ code: serviceCode, message });
  // A 2xx the SDK could not use (a body that does not parse) is no HTTP error status.
  const code: ClientErrorCode = transport ?? (status >= 200 && status < 300 ? "invalid_response" : codeForStatus(status));
  return clientError<KeyVaultError>(
    {
      code,
      service: "keyvault",
      method: req.method,
      path: req.path(name),
      ...(status ? { status } : {}),
      serviceCode,
      ...(details.requestId !== undefined ? { requestId: details.requestId } : {}),
      retryable: transport ? isTransientTransport(transport) : RETRYABLE_STATUSES.includes(status),
      ...(details.retryAfterMs !== undefined ? { retryAfterMs: details.retryAfterMs } : {}),
    },
    `Key Vault ${op} on ${subject} failed (${shown})${message ? `: ${message}` : ""}`,
    { operation: op, secretName: name },
  );
}

/**
 * Whether `e` is a {@link KeyVaultError}, optionally with Key Vault's own code (`serviceCode`, e.g.
 * `ObjectIsDeletedButRecoverable`; for the stable code use `isClientError(e, code)`).
 */
export function isKeyVaultError(e: unknown, serviceCode?: string): e is KeyVaultError {
  return isClientError(e) && e.service === "keyvault" && (serviceCode === undefined || e.serviceCode === serviceCode);
}

/** Shape of the parts of the SDK's RestError we read; typed locally so nothing else is touched. */
interface RestErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  statusCode?: unknown;
  details?: unknown;
  response?: { headers?: { get(name: string): string | undefined } };
}

/** What {@link errorFacts} reads from a thrown value. */
export interface ErrorFacts {
  /** 0 when no HTTP answer arrived. */
  statusCode: number;
  code: string;
  /**
   * Text safe to show: Key Vault's own `error.message` from a parsed error body; for a failure
   * without an answer, Node's transport message (address and system call); otherwise "". Never the
   * SDK's `RestError.message`, which is the raw response body when that body is not Key Vault's
   * error shape, and quotes the whole body (a SecretBundle: the value) when it does not parse.
   */
  message: string;
  /** The answer's headers (Retry-After and the like are read by the retry policy). */
  headers?: { get(name: string): string | undefined };
  requestId?: string;
}

/** The SDK's code for a body that is not the JSON it announced (`RestError.PARSE_ERROR`). */
const PARSE_ERROR = "PARSE_ERROR";

/** Status, most specific code, a safe message and headers of any thrown value. Never reads `.request` nor a body. */
export function errorFacts(e: unknown): ErrorFacts {
  const r = (typeof e === "object" && e !== null ? e : {}) as RestErrorLike;
  const statusCode = typeof r.statusCode === "number" ? r.statusCode : 0;
  // `details` is the SDK's deserialization of a Key Vault error body ({ error: { code, message, innerError } }).
  const details = r.details as { error?: { code?: unknown; message?: unknown; innerError?: { code?: unknown } } } | undefined;
  const inner = details?.error?.innerError?.code;
  const outer = details?.error?.code ?? r.code;
  const causeCode = (r as { cause?: { code?: unknown } }).cause?.code;
  const code = typeof inner === "string" ? inner : typeof outer === "string" ? outer : typeof causeCode === "string" ? causeCode : statusCode ? "Error" : "ConnectionError";
  const serviceMessage = details?.error?.message;
  const message = statusCode
    ? typeof serviceMessage === "string" ? serviceMessage : code === PARSE_ERROR ? "the response body is not valid JSON" : ""
    : transportMessage(e);
  const headers = r.response?.headers;
  const requestId = headers?.get("x-ms-request-id") ?? undefined;
  return { statusCode, code, message, ...(headers ? { headers } : {}), ...(requestId ? { requestId } : {}) };
}

/**
 * The message of a failure that got no HTTP answer. The SDK's own request errors and Node's carry
 * the address and the system call (a PARSE_ERROR, which quotes the body, always has a status, but is
 * guarded anyway); anything else (a credential's error) keeps its name and message, cut to its first
 * line later.
 */
function transportMessage(e: unknown): string {
  if (!(e instanceof Error)) return "";
  const code = (e as { code?: unknown }).code;
  if (code === PARSE_ERROR) return "the response body is not valid JSON";
  // REQUEST_SEND_ERROR, ECONNREFUSED, DEPTH_ZERO_SELF_SIGNED_CERT…: the socket's own message.
  if (e.name === "RestError") return describeTransportFailure(e);
  if (e.name === "AbortError") return "the request was aborted";
  return `${e.name}: ${e.message}`;
}

/**
 * Key Vault's own message reduced to safe, short text: first line only (RBAC denials continue
 * with caller/assignment lines), capped, with every known secret string (every form, every line)
 * cut out in case a service or proxy ever echoes the body.
 */
export function describeServiceMessage(message: string, secrets: readonly string[] = []): string {
  const text = redact((message.split(/\r?\n/)[0] ?? "").trim(), secrets);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** Converts anything the SDK threw into a {@link KeyVaultError}, from known-safe fields only; `secrets` are cut from the text. */
export function toKeyVaultError(op: KeyVaultOperation, name: string, e: unknown, secrets: readonly string[] = [], details: KeyVaultErrorDetails = {}): KeyVaultError {
  if (isKeyVaultError(e)) return e;
  const f = errorFacts(e);
  return keyVaultError(op, name, f.statusCode, f.code, describeServiceMessage(f.message, secrets), { ...(f.requestId ? { requestId: f.requestId } : {}), ...details });
}
