// Errors are built by factories on a real `Error`, not by `class … extends Error`: Pulumi's closure
// serializer rewrites subclass constructors as `Error.call(this, msg)`, which drops the message, and
// dynamic providers run serialized code (same pattern as ../vault/errors.ts).

import { namedError } from "../../engine/errors";

/** Key Vault operations this client performs, as named in messages. */
export type KeyVaultOperation =
  | "setSecret"
  | "getSecret"
  | "listSecrets"
  | "listSecretVersions"
  | "deleteSecret"
  | "getDeletedSecret"
  | "recoverDeletedSecret"
  | "purgeDeletedSecret";

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
};

/**
 * A Key Vault call that failed. The message names the operation, the secret name and Key Vault's
 * error code; it never carries a secret value, a token or a request body, because the Pulumi host
 * prints `${e}: ${e.stack}`.
 */
export interface KeyVaultError extends Error {
  name: "KeyVaultError";
  operation: KeyVaultOperation;
  /** Secret name, or "" for vault-wide calls (listing). */
  secretName: string;
  /** HTTP status; 0 when no HTTP answer arrived (DNS, TCP, TLS, timeout). */
  statusCode: number;
  /**
   * Most specific code: Key Vault's `innererror.code` when present (`ForbiddenByRbac`,
   * `ObjectIsDeletedButRecoverable`, `SecretDisabled`…), else `error.code`, else a network code.
   */
  code: string;
}

/** Builds a {@link KeyVaultError}; `message` must already be free of values (see `describeServiceMessage`). */
export function keyVaultError(op: KeyVaultOperation, name: string, statusCode: number, code: string, message: string): KeyVaultError {
  const subject = name ? `secret '${name}'` : "the vault";
  const status = statusCode ? `${statusCode} ${code}` : code;
  return namedError<KeyVaultError>("KeyVaultError", `Key Vault ${op} on ${subject} failed (${status})${message ? `: ${message}` : ""}`, { operation: op, secretName: name, statusCode, code });
}

export function isKeyVaultError(e: unknown, code?: string): e is KeyVaultError {
  return e instanceof Error && e.name === "KeyVaultError" && (code === undefined || (e as KeyVaultError).code === code);
}

/** Shape of the parts of the SDK's RestError we read; typed locally so nothing else is touched. */
interface RestErrorLike {
  message?: unknown;
  code?: unknown;
  statusCode?: unknown;
  details?: unknown;
  response?: { headers?: { get(name: string): string | undefined } };
}

/** Status, most specific code and Retry-After header of any thrown value. Never reads `.request`. */
export function errorFacts(e: unknown): { statusCode: number; code: string; message: string; retryAfter?: string } {
  const r = (typeof e === "object" && e !== null ? e : {}) as RestErrorLike;
  const statusCode = typeof r.statusCode === "number" ? r.statusCode : 0;
  const details = r.details as { error?: { code?: unknown; innerError?: { code?: unknown } } } | undefined;
  const inner = details?.error?.innerError?.code;
  const outer = details?.error?.code ?? r.code;
  const causeCode = (r as { cause?: { code?: unknown } }).cause?.code;
  const code = typeof inner === "string" ? inner : typeof outer === "string" ? outer : typeof causeCode === "string" ? causeCode : statusCode ? "Error" : "ConnectionError";
  const message = typeof r.message === "string" ? r.message : String(e);
  const retryAfter = r.response?.headers?.get("retry-after") ?? undefined;
  return retryAfter === undefined ? { statusCode, code, message } : { statusCode, code, message, retryAfter };
}

/**
 * Key Vault's own message reduced to safe, short text: first line only (RBAC denials continue
 * with caller/assignment lines), capped, with every known secret string cut out in case a
 * service or proxy ever echoes the body.
 */
export function describeServiceMessage(message: string, secrets: readonly string[] = []): string {
  let text = (message.split(/\r?\n/)[0] ?? "").trim();
  for (const s of secrets) if (s.length > 0) text = text.split(s).join("[redacted]");
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** Converts anything the SDK threw into a {@link KeyVaultError}; `secrets` are cut from the text. */
export function toKeyVaultError(op: KeyVaultOperation, name: string, e: unknown, secrets: readonly string[] = []): KeyVaultError {
  if (isKeyVaultError(e)) return e;
  const f = errorFacts(e);
  return keyVaultError(op, name, f.statusCode, f.code, describeServiceMessage(f.message, secrets));
}
