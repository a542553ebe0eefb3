/**
 * Error replies of the Key Vault double, in the service's shape `{"error":{"code","message","innererror"?}}`
 * (fact sheet §3). Statuses, codes and messages are the observed ones; where the sheet marks a
 * fact "unverified", the comment on the builder says which choice was made and why.
 */

export interface KvErrorBody {
  error: { code: string; message: string; innererror?: { code: string } };
}

/** Thrown anywhere in request handling; the server turns it into the HTTP reply. */
export class KvHttpError extends Error {
  override readonly name = "KvHttpError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly innerCode?: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }

  body(): KvErrorBody {
    const error: KvErrorBody["error"] = { code: this.code, message: this.message };
    if (this.innerCode) error.innererror = { code: this.innerCode };
    return { error };
  }
}

const FWLINK = "https://go.microsoft.com/fwlink/?linkid=2125182";

export const kvErrors = {
  /** §3: unknown secret (also GET/DELETE/recover of an unknown name); `nameOrId` is `n` or `n/v`. */
  secretNotFound: (nameOrId: string) =>
    new KvHttpError(
      404,
      "SecretNotFound",
      `A secret with (name/id) ${nameOrId} was not found in this key vault. If you recently deleted this secret ` +
        `you may be able to recover it using the correct recovery command. For help resolving this issue, please see ${FWLINK}`,
    ),
  /** §3: `GET|DELETE /deletedsecrets/{n}` of a name that is not (yet) soft-deleted. */
  deletedSecretNotFound: (name: string) => new KvHttpError(404, "SecretNotFound", `Deleted Secret not found: ${name}`),
  /** §3, §8: the name is soft-deleted; only recover or purge free it. */
  deletedButRecoverable: (name: string) =>
    new KvHttpError(
      409,
      "Conflict",
      `Secret ${name} is currently in a deleted but recoverable state, and its name cannot be reused; ` +
        "in this state, the secret can only be recovered or purged.",
      "ObjectIsDeletedButRecoverable",
    ),
  /** §3: PUT (or restore, or recover — our choice) while the delete or purge is still in progress. */
  beingDeleted: (name: string) =>
    new KvHttpError(
      409,
      "Conflict",
      `Secret ${name} is currently being deleted and cannot be re-created; retry later.`,
      "ObjectIsBeingDeleted",
    ),
  /** §3: purge while the delete is still in progress. */
  purgeWhileDeleting: () => new KvHttpError(409, "Conflict", "Secret is currently being deleted."),
  /**
   * Unverified: a write to a name whose recovery has not finished (§6 says GET is 404 meanwhile).
   * A 409 is the safest choice: a client must wait for the recover poller instead of racing it.
   */
  beingRecovered: (name: string) =>
    new KvHttpError(
      409,
      "Conflict",
      `Secret ${name} is currently being recovered and cannot be modified; retry later.`,
      "ObjectIsBeingRecovered",
    ),
  /** Unverified: restore onto a live name. 409 so a client never silently merges histories. */
  restoreConflict: (name: string) =>
    new KvHttpError(
      409,
      "Conflict",
      `Secret ${name} already exists; a backup can only be restored when no secret of that name exists.`,
    ),
  /** §3, §4: a name outside 1–127 characters of `0-9a-zA-Z-`. */
  invalidName: (name: string) =>
    new KvHttpError(400, "BadParameter", `The request URI contains an invalid name: ${name}`),
  /** §3: `PUT /secrets/` (empty name) and any other method the route does not take. */
  methodNotAllowed: (method: string) => new KvHttpError(405, "MethodNotAllowed", `HTTP ${method} not allowed`),
  /** §3, §4: value over 25,600; 400 is inferred by the sheet. */
  secretTooLarge: () =>
    new KvHttpError(
      400,
      "BadParameter",
      "Secret is beyond the maximum permitted length of 25600 characters.",
      "SecretTooLarge",
    ),
  /**
   * §3: more than 15 tags. The same text is used (our choice; unverified) for a tag name/value over
   * 512, a contentType over 255 and a mistyped property, since the service's texts for those are unknown.
   */
  invalidProperty: () => new KvHttpError(400, "BadParameter", "Property has invalid value"),
  /** Unverified text: a body that is not JSON, or a PUT without `value`. */
  badBody: (why: string) => new KvHttpError(400, "BadParameter", why),
  /** §3: GET of a disabled version. */
  secretDisabled: () =>
    new KvHttpError(403, "Forbidden", "Operation get is not allowed on a disabled secret.", "SecretDisabled"),
  /** §3: RBAC denial; the line layout follows user logs (exact text unverified by Microsoft). */
  forbiddenByRbac: (details: { caller: string; action: string; resource: string; vault: string }) =>
    new KvHttpError(
      403,
      "Forbidden",
      [
        "Caller is not authorized to perform action on resource.",
        "If role assignments, deny assignments or role definitions were changed recently, please observe propagation time.",
        `Caller: ${details.caller}`,
        `Action: '${details.action}'`,
        `Resource: '${details.resource}'`,
        "Assignment: (not found)",
        "DenyAssignmentId: null",
        "DecisionReason: null ",
        `Vault: ${details.vault};location=local`,
        "",
      ].join("\r\n"),
      "ForbiddenByRbac",
    ),
  /** §3: purge on a vault with purge protection. */
  purgeProtected: () =>
    new KvHttpError(
      403,
      "Forbidden",
      'Operation "purge" is not allowed because purge protection is enabled for this vault. ' +
        "Key Vault service will automatically purge it after the retention period has passed.",
    ),
  /** §3: restore of a blob that is not a backup from this double. */
  malformedBackup: () =>
    new KvHttpError(400, "Malformed backup blob", "Backup blob contains invalid or corrupt version."),
  /** §3, §4: over the throughput limit. The Retry-After header is our choice (unverified on the service). */
  throttled: (retryAfterSeconds?: number) =>
    new KvHttpError(
      429,
      "Throttled",
      "Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached",
      undefined,
      retryAfterSeconds === undefined ? {} : { "Retry-After": String(retryAfterSeconds) },
    ),
  /** Injected fault only; the text is ours. */
  unavailable: (retryAfterSeconds: number) =>
    new KvHttpError(
      503,
      "ServiceUnavailable",
      "The service is temporarily unavailable. Retry the request later.",
      undefined,
      { "Retry-After": String(retryAfterSeconds) },
    ),
  /** Unverified text; the sheet's SDK only ever sends known api-versions. */
  badApiVersion: (given: string | null) =>
    new KvHttpError(
      400,
      "BadParameter",
      given === null
        ? "The api-version query parameter is required."
        : `The specified version (${given}) is not recognized. Consider using the latest supported version (2025-07-01).`,
    ),
  /** Unverified: maxresults outside 1–25 is rejected rather than clamped, so a client bug shows. */
  badMaxResults: () => new KvHttpError(400, "BadParameter", "The value of maxresults must be between 1 and 25."),
  badSkipToken: () => new KvHttpError(400, "BadParameter", "The $skiptoken is invalid."),
  notFound: () => new KvHttpError(404, "NotFound", "The requested resource was not found."),
  tooLargeBody: () => new KvHttpError(413, "RequestEntityTooLarge", "The request body is too large."),
};
