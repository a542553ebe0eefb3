import type { TokenCredential } from "@azure/core-auth";
import {
  KeyVaultSecretsClient,
  isKeyVaultError,
  type KeyVaultPacing,
  type KeyVaultRetryOptions,
  type KeyVaultSecretInfo,
} from "../../../clients/keyvault";
import {
  KEY_VAULT_MAX_VALUE_SIZE,
  fingerprintValue,
  fullSourcePath,
  parseMarkers,
  shapeValue,
  type DestinationEntry,
  type ExpiryOptions,
  type FingerprintKey,
  type Markers,
  type ShapedValue,
  type SizeUnit,
} from "../../../engine";
import type { DestinationWrite, MigrationDestination } from "../../destination";
import { APPEARED_SINCE_PLANNING, appearedMessage, writtenByMigration } from "../../writes";
import { namedError } from "../../../engine/errors";
import { encodeMarkers } from "./markers";
import { keyVaultNaming } from "./naming";

export interface KeyVaultDestinationOptions {
  /** `https://<name>.vault.azure.net`. */
  readonly vaultUrl: string;
  /** From `keyVaultCredential(...)`. Needs the data actions listed on `createKeyVaultDestination`. */
  readonly credential: TokenCredential;
  /** PEM CA bundle trusted for this vault only (TLS verification is never turned off). */
  readonly caCertPem?: string;
  /** Only for a vault URL not ending in `.vault.azure.net` (e.g. a local double). Default false. */
  readonly disableChallengeResourceVerification?: boolean;
  /** Per-stack key of the keyed fingerprints (at least 16 bytes). */
  readonly fingerprintKey: FingerprintKey;
  /** When a secret has this key, write only that key's value (as `text/plain`). */
  readonly unwrapKey?: string;
  /** custom_metadata key giving the expiry (see engine `resolveExpiry`). */
  readonly expiry?: ExpiryOptions;
  /** Default {@link KEY_VAULT_MAX_VALUE_SIZE} (25,600). */
  readonly maxValueSize?: number;
  /** Default `utf8` (the stricter reading of the limit). */
  readonly sizeUnit?: SizeUnit;
  /**
   * A write onto a soft-deleted name (the plan allowed it: our removed copy, or `existing: adopt`/
   * `overwrite`): recover it then write (default), or fail saying how to free it.
   */
  readonly softDeleted?: "recover" | "fail";
  /** Default: the service limits × 0.95; `false` = off. */
  readonly pacing?: KeyVaultPacing | false;
  readonly retry?: KeyVaultRetryOptions;
  /** Bounded retry of 403 ForbiddenByRbac on writes while role assignments propagate. Default 5 min. */
  readonly rbacMaxWaitMs?: number;
  /** Bounded wait for a name being deleted/recovered. Default 2 min. */
  readonly conflictMaxWaitMs?: number;
  /** Delete/recover poll interval. Default 2,000 ms. */
  readonly pollIntervalMs?: number;
}

function destinationError(name: string, code: string, message: string): Error & { code: string; secretName: string } {
  return namedError("KeyVaultDestinationError", message, { code, secretName: name });
}

function entryOf(p: KeyVaultSecretInfo): DestinationEntry {
  return { name: p.name, markers: parseMarkers(p.tags), enabled: p.enabled, managed: p.managed };
}

/**
 * Azure Key Vault as a migration destination: single-key secrets as plain `text/plain` values,
 * multi-key as canonical JSON (`application/json`), markers and custom_metadata as tags.
 *
 * RBAC data actions needed (role "Key Vault Secrets Officer" has all): `secrets/readMetadata/action`
 * + `deletedSecrets/read` (entries), `secrets/readMetadata/action` (inspectUnmarked), `secrets/getSecret/action` (storedFingerprint, recover poller, a create's check of its name),
 * `secrets/setSecret/action` (write), `secrets/delete` + `deletedSecrets/read` (remove),
 * `secrets/recover/action` (write onto a soft-deleted name with `softDeleted: "recover"`).
 */
export function createKeyVaultDestination(options: KeyVaultDestinationOptions): MigrationDestination {
  const clientOptions: ConstructorParameters<typeof KeyVaultSecretsClient>[0] = {
    vaultUrl: options.vaultUrl,
    credential: options.credential,
    ...(options.caCertPem !== undefined ? { caCertPem: options.caCertPem } : {}),
    ...(options.disableChallengeResourceVerification !== undefined ? { disableChallengeResourceVerification: options.disableChallengeResourceVerification } : {}),
    ...(options.pacing !== undefined ? { pacing: options.pacing } : {}),
    ...(options.retry !== undefined ? { retry: options.retry } : {}),
    ...(options.rbacMaxWaitMs !== undefined ? { rbacMaxWaitMs: options.rbacMaxWaitMs } : {}),
    ...(options.conflictMaxWaitMs !== undefined ? { conflictMaxWaitMs: options.conflictMaxWaitMs } : {}),
    ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
  };
  const client = new KeyVaultSecretsClient(clientOptions);
  const softDeleted = options.softDeleted ?? "recover";
  const location = client.vaultUrl;
  const shapeOptions = {
    ...(options.unwrapKey !== undefined ? { unwrapKey: options.unwrapKey } : {}),
    maxSize: options.maxValueSize ?? KEY_VAULT_MAX_VALUE_SIZE,
    sizeUnit: options.sizeUnit ?? "utf8",
  };

  // Refused before any request, as the Vault driver does: the service's answer to a bad name is a
  // 400 (or, for an empty name, a 405 naming no secret) after a wasted round trip.
  const nameProblem = (w: DestinationWrite): string | undefined =>
    keyVaultNaming.isValid(w.name) ? undefined : `${location}: '${w.name}' (from ${fullSourcePath(w.source)}) is not a valid Key Vault secret name (1-127 characters of 0-9, a-z, A-Z and '-')`;

  const shape = (w: DestinationWrite): ShapedValue => {
    const r = shapeValue(fullSourcePath(w.source), w.data, shapeOptions);
    // Rebuilt on a plain Error: the engine's error class would lose its message once serialized.
    if (!r.ok) throw destinationError(w.name, "VALUE_TOO_LARGE", `${location}: secret '${w.name}': ${r.error.message}`);
    return r;
  };

  return {
    kind: "azure-keyvault",
    location,
    naming: keyVaultNaming,
    capabilities: async () => ({ softDelete: true, versions: true, checkAndSet: false, metadata: true, expiry: true, maxValueBytes: options.maxValueSize ?? KEY_VAULT_MAX_VALUE_SIZE }),

    entries: () => entriesOf(client),

    async inspectUnmarked(entry) {
      // Version lists carry tags, so no value is read. The entry (latest version) is unmarked, so
      // any marked version is older: ours, edited since. Newest marked one wins; versions are listed
      // by id, not time (fact sheet §2), and `createdOn` has 1 s resolution, so order by it only.
      let markers: Markers | undefined;
      let newest = -Infinity;
      for await (const v of client.listVersionProperties(entry.name)) {
        const m = parseMarkers(v.tags);
        const t = v.createdOn?.getTime() ?? 0;
        if (m && t >= newest) {
          markers = m;
          newest = t;
        }
      }
      return markers ? { ...entry, markers, handEdited: true } : entry;
    },

    validate(w) {
      const bad = nameProblem(w);
      if (bad) return bad;
      const r = shapeValue(fullSourcePath(w.source), w.data, shapeOptions);
      return r.ok ? undefined : r.error.message;
    },

    async write(w) {
      const bad = nameProblem(w);
      if (bad) throw destinationError(w.name, "INVALID_NAME", bad);
      const shaped = shape(w);
      const encoded = encodeMarkers({ secret: w.source, fingerprint: w.fingerprint, mappingHash: w.mappingHash, migrationId: w.migrationId, ...(options.expiry ? { expiry: options.expiry } : {}) });
      const warnings = { warnings: encoded.warnings.map((x) => `${location}: secret '${w.name}': ${x.message}`) };
      const put = () =>
        client.setSecret(w.name, shaped.value, {
          contentType: shaped.contentType,
          tags: encoded.tags,
          enabled: true,
          ...(encoded.expiresOn ? { expiresOn: encoded.expiresOn } : {}),
        });
      // Planned as a create: someone else's secret that appeared since planning is not overwritten.
      // Key Vault has no check-and-set, so one read (paced as "other") just before the write, on
      // creates only; a soft-deleted name costs one more before it is recovered (below).
      const appeared = (tags: Readonly<Record<string, string>> | undefined): boolean => !writtenByMigration(parseMarkers(tags), w.migrationId);
      if (w.expectAbsent) {
        const live = await client.getProperties(w.name);
        if (live && appeared(live.tags)) throw destinationError(w.name, APPEARED_SINCE_PLANNING, appearedMessage(location, w.name));
      }
      // Verified by the write's own answer (the version stored, value included), as a read back
      // would: one request per secret less, and no read against the service's "other" limit.
      try {
        return { ...warnings, verified: (await put()).storedAsSent };
      } catch (e) {
        if (!isKeyVaultError(e, "ObjectIsDeletedButRecoverable")) throw e;
      }
      // A create over our own removed copy recovers it; a stranger's deleted since planning is left deleted.
      if (w.expectAbsent) {
        const deleted = await client.getDeletedSecret(w.name);
        if (deleted && appeared(deleted.tags)) throw destinationError(w.name, APPEARED_SINCE_PLANNING, appearedMessage(location, w.name));
      }
      if (softDeleted === "fail") {
        throw destinationError(
          w.name,
          "SOFT_DELETED",
          `${location}: secret '${w.name}' is soft-deleted (deleted but recoverable), so its name cannot be reused. ` +
            `Recover it (az keyvault secret recover --vault-name <vault> --name ${w.name}, or softDeleted: "recover") ` +
            `or purge it (az keyvault secret purge --vault-name <vault> --name ${w.name}; irreversible), then retry.`,
        );
      }
      // Recover keeps the old history; the write then adds our version on top.
      await client.recoverDeletedSecret(w.name);
      return { ...warnings, verified: (await put()).storedAsSent };
    },

    expectedFingerprint(w) {
      return fingerprintValue(options.fingerprintKey, shape(w).value);
    },

    async storedFingerprint(name) {
      try {
        const s = await client.getSecret(name);
        return s === undefined ? undefined : fingerprintValue(options.fingerprintKey, s.value);
      } catch (e) {
        // A disabled secret cannot be read: treat as absent, so the plan rewrites it.
        if (isKeyVaultError(e, "SecretDisabled")) return undefined;
        throw e;
      }
    },

    async remove(name) {
      await client.deleteSecret(name);
    },

    close: () => client.close(),
  };
}

// A free async generator, not an object method: Pulumi's closure serializer cannot re-create
// async-generator methods (dynamic providers run serialized code).
async function* entriesOf(client: KeyVaultSecretsClient): AsyncGenerator<DestinationEntry> {
  for await (const p of client.listProperties()) yield entryOf(p);
  // Soft-deleted names are taken too (a write would recover the old secret): listed, flagged, so
  // the planner can tell our removed copy from a stranger's deleted secret.
  for await (const p of client.listDeletedProperties()) yield { ...entryOf(p), deleted: true };
}
