/**
 * Markers as a name → value map under a destination's limits (tag count, name and value length):
 * the codec of Key Vault tags and Infisical secretMetadata. Budget rule:
 * 1. Reserved migration markers first, in this order — `migrated-from`, `vault-path`,
 *    `original-version` (KV v2 only), `migration-fingerprint` (when known),
 *    `migration-mapping`, `migration-metadata`, `migration-id` (when given),
 *    `migration-date` (when given). Names and values of seed 003 are kept so its
 *    copies parse as markers.
 * 2. Then `custom_metadata`, keys sorted by UTF-16 code units, each as `vault-<key>` with its
 *    value truncated to the value limit (a warning says so).
 * 3. A key is dropped, with a warning, when its name is over the limit, when its name equals
 *    (ignoring case, to be safe) a reserved or an earlier one, or when the budget is used up.
 *    Nothing is lost silently: every drop and every truncation is returned in `warnings`.
 */
import { metadataHash } from "./fingerprint";
import { fullSourcePath } from "./mapping";
import { MARKER_KEYS, parseMarkers, resolveExpiry, shortKey, truncateSourcePath, type ExpiryOptions, type MarkerWarning } from "./markers";
import { MIGRATED_FROM, type Markers, type SourceSecret } from "./types";

/** Prefix of the names that carry `custom_metadata` keys (seed 003). */
export const CUSTOM_TAG_PREFIX = "vault-";

/** A destination's limits on its name → value metadata. */
export interface TagLimits {
  readonly maxTags: number;
  readonly maxNameLength: number;
  readonly maxValueLength: number;
}

/** Key Vault: at most 15 tags, names and values up to 512 characters (fact sheet §4). */
/** Input of {@link encodeMarkers}. */
export interface EncodeMarkersInput {
  readonly secret: SourceSecret;
  /** Keyed fingerprint of the data being written. */
  readonly fingerprint?: string;
  readonly mappingHash: string;
  /** The migration's identity (`migration-id`). */
  readonly migrationId?: string;
  readonly expiry?: ExpiryOptions;
  /** Write date for the informational `migration-date` tag; omitted when absent. */
  readonly migratedAt?: Date;
  readonly limits: TagLimits;
}

/** Tags, expiry and warnings for one destination copy. */
export interface EncodedMarkers {
  readonly tags: Record<string, string>;
  readonly expiresOn?: Date;
  readonly warnings: readonly MarkerWarning[];
}

/** Builds the tags of one destination copy under the documented budget rule. */
export function encodeMarkers(input: EncodeMarkersInput): EncodedMarkers {
  const { limits } = input;
  const { secret } = input;
  const path = fullSourcePath(secret);
  const warnings: MarkerWarning[] = [];
  const tags: Record<string, string> = {};
  const used = new Set<string>();
  const put = (name: string, value: string): void => {
    tags[name] = value;
    used.add(name.toLowerCase());
  };

  put(MARKER_KEYS.migratedFrom, MIGRATED_FROM);
  const storedPath = truncateSourcePath(path, limits.maxValueLength);
  if (storedPath !== path) {
    warnings.push({ kind: "path-truncated", message: `secret [${storedPath}…]: source path is ${path.length} characters; tag [${MARKER_KEYS.vaultPath}] holds its first ${limits.maxValueLength}` });
  }
  put(MARKER_KEYS.vaultPath, storedPath);
  if (secret.kvVersion === 2 && secret.currentVersion !== undefined) put(MARKER_KEYS.originalVersion, String(secret.currentVersion));
  if (input.fingerprint !== undefined) put(MARKER_KEYS.fingerprint, input.fingerprint);
  put(MARKER_KEYS.mappingHash, input.mappingHash);
  const expiry = resolveExpiry(secret, input.expiry);
  if (expiry.warning) warnings.push(expiry.warning);
  put(MARKER_KEYS.metadataHash, metadataHash(secret.customMetadata, expiry.expiresOn));
  if (input.migrationId) put(MARKER_KEYS.migrationId, input.migrationId);
  if (input.migratedAt) put(MARKER_KEYS.migrationDate, input.migratedAt.toISOString().slice(0, 10));

  let budget = limits.maxTags - Object.keys(tags).length;
  for (const key of Object.keys(secret.customMetadata).sort()) {
    const value = secret.customMetadata[key] as string;
    const name = `${CUSTOM_TAG_PREFIX}${key}`;
    const k = shortKey(key);
    if (name.length > limits.maxNameLength) {
      warnings.push({ kind: "name-too-long", key, message: `secret [${path}]: custom_metadata [${k}] dropped: tag name is ${name.length} characters, over ${limits.maxNameLength}` });
    } else if (used.has(name.toLowerCase())) {
      warnings.push({ kind: "name-collision", key, message: `secret [${path}]: custom_metadata [${k}] dropped: tag [${shortKey(name)}] is already used` });
    } else if (budget <= 0) {
      warnings.push({ kind: "over-budget", key, message: `secret [${path}]: custom_metadata [${k}] dropped: the destination allows ${limits.maxTags} tags` });
    } else {
      if (value.length > limits.maxValueLength) {
        warnings.push({ kind: "value-truncated", key, message: `secret [${path}]: custom_metadata [${k}] truncated from ${value.length} to ${limits.maxValueLength} characters` });
      }
      put(name, value.slice(0, limits.maxValueLength));
      budget--;
    }
  }
  return expiry.expiresOn ? { tags, expiresOn: expiry.expiresOn, warnings } : { tags, warnings };
}

/** The markers a copy written now would carry — what the planner compares against. */
export function expectedMarkers(input: EncodeMarkersInput): Markers {
  return parseMarkers(encodeMarkers(input).tags) as Markers;
}
