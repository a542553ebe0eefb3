/**
 * Markers codec for tag-based destinations (Azure Key Vault).
 *
 * Tag budget rule (Key Vault: ≤15 tags, names and values ≤512 characters):
 * 1. Reserved migration tags first, in this order — `migrated-from`, `vault-path`,
 *    `original-version` (KV v2 only), `migration-fingerprint` (when known),
 *    `migration-mapping`, `migration-metadata`, `migration-date` (when given).
 *    Names and values of seed 003 are kept so its copies parse as markers.
 * 2. Then `custom_metadata`, keys sorted by UTF-16 code units, each as tag
 *    `vault-<key>` with its value truncated to 512 (a warning says so).
 * 3. A key is dropped, with a warning, when its tag name is over 512, when its tag
 *    name equals (ignoring case, to be safe) a reserved or an earlier tag, or when
 *    the tag budget is used up. Nothing is lost silently: every drop and every
 *    truncation is returned in `warnings`.
 *
 * `vault-path` holds `mount/path`; a longer path is truncated to 512 characters.
 * Identity then rests on the fingerprint and mapping hash: ownership compares the
 * truncated forms, so two paths sharing their first 512 characters would be
 * confused — which, given the name is derived from the path too, needs a collision
 * that the mapper reports first.
 *
 * Expiry rule: when `expiry.metadataKey` is set and the secret's custom metadata
 * has that key, its value is either
 * - an absolute ISO 8601 date (`2027-01-31`, midnight UTC) or date-time with a
 *   zone (`2027-01-31T12:00:00Z`, `…+02:00`) — local times are rejected because
 *   they would depend on the host's time zone; or
 * - a duration, ISO 8601 (`P1Y2M10DT2H`, `P6W`) or Vault/Go style (`720h`,
 *   `90d`, `1h30m`; units w d h m s), added to the source's `updatedTime`.
 * Durations are relative to `updatedTime`, not to "now" (seed 003 used now + N
 * days), so re-planning is deterministic; without `updatedTime` (KV v1) a
 * duration cannot be resolved. Unparseable values give a warning and no expiry.
 */
import { metadataHash } from "./fingerprint";
import { fullSourcePath } from "./mapping";
import { MIGRATED_FROM } from "./types";
import type { Markers, SourceSecret } from "./types";

/** Reserved tag names. */
export const TAGS = {
  migratedFrom: "migrated-from",
  vaultPath: "vault-path",
  originalVersion: "original-version",
  fingerprint: "migration-fingerprint",
  mappingHash: "migration-mapping",
  metadataHash: "migration-metadata",
  migrationDate: "migration-date",
} as const;

/** Prefix of tags copied from `custom_metadata` (seed 003). */
export const CUSTOM_TAG_PREFIX = "vault-";

/** Tag limits of a destination. */
export interface TagLimits {
  readonly maxTags: number;
  readonly maxNameLength: number;
  readonly maxValueLength: number;
}

/** Key Vault: at most 15 tags, names and values up to 512 characters (fact sheet §4). */
export const KEY_VAULT_TAG_LIMITS: TagLimits = { maxTags: 15, maxNameLength: 512, maxValueLength: 512 };

/** Where the expiry comes from. */
export interface ExpiryOptions {
  /** custom_metadata key holding an ISO date or a duration. */
  readonly metadataKey: string;
}

/** Why something was not copied as-is. Messages name paths and keys, never values. */
export interface MarkerWarning {
  readonly kind:
    | "name-too-long"
    | "name-collision"
    | "over-budget"
    | "value-truncated"
    | "path-truncated"
    | "expiry-invalid";
  /** custom_metadata key concerned, if any. */
  readonly key?: string;
  readonly message: string;
}

/** Input of {@link encodeMarkers}. */
export interface EncodeMarkersInput {
  readonly secret: SourceSecret;
  /** Keyed fingerprint of the data being written. */
  readonly fingerprint?: string;
  readonly mappingHash: string;
  readonly expiry?: ExpiryOptions;
  /** Write date for the informational `migration-date` tag; omitted when absent. */
  readonly migratedAt?: Date;
  readonly limits?: TagLimits;
}

/** Tags, expiry and warnings for one destination copy. */
export interface EncodedMarkers {
  readonly tags: Record<string, string>;
  readonly expiresOn?: Date;
  readonly warnings: readonly MarkerWarning[];
}

function shortKey(key: string): string {
  return key.length > 64 ? `${key.slice(0, 64)}…` : key;
}

/** Truncates `mount/path` to the tag value limit (see module comment). */
export function truncateSourcePath(path: string, max: number = KEY_VAULT_TAG_LIMITS.maxValueLength): string {
  return path.length > max ? path.slice(0, max) : path;
}

const DURATION_GO = /^(?:\d+[wdhms])+$/;
const DURATION_ISO = /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME_ZONED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;
const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const UNIT_MS: Readonly<Record<string, number>> = { w: WEEK, d: DAY, h: HOUR, m: MINUTE, s: SECOND };

/** Adds an expiry expression to `base`, or returns `undefined` when it is not one. */
function addDuration(base: Date, text: string): Date | undefined {
  if (DURATION_GO.test(text)) {
    let ms = 0;
    for (const m of text.matchAll(/(\d+)([wdhms])/g)) ms += Number(m[1]) * (UNIT_MS[m[2] ?? ""] ?? 0);
    return new Date(base.getTime() + ms);
  }
  const iso = DURATION_ISO.exec(text);
  if (!iso) return undefined;
  const n = (i: number): number => Number(iso[i] ?? 0);
  const d = new Date(base.getTime());
  // Calendar units in UTC so the result does not depend on the host's zone.
  d.setUTCFullYear(d.getUTCFullYear() + n(1), d.getUTCMonth() + n(2));
  return new Date(d.getTime() + n(3) * WEEK + n(4) * DAY + n(5) * HOUR + n(6) * MINUTE + n(7) * SECOND);
}

/** Resolves the expiry of a secret per the module comment's rule. */
export function resolveExpiry(secret: SourceSecret, options: ExpiryOptions | undefined): { expiresOn?: Date; warning?: MarkerWarning } {
  if (!options) return {};
  const raw = secret.customMetadata[options.metadataKey];
  if (raw === undefined) return {};
  const text = raw.trim();
  const path = fullSourcePath(secret);
  const invalid = (why: string): { warning: MarkerWarning } => ({
    warning: { kind: "expiry-invalid", key: options.metadataKey, message: `secret [${path}]: custom_metadata [${shortKey(options.metadataKey)}] ${why}; no expiry set` },
  });
  if (DATE_ONLY.test(text) || DATE_TIME_ZONED.test(text)) {
    const t = Date.parse(DATE_ONLY.test(text) ? `${text}T00:00:00Z` : text);
    return Number.isNaN(t) ? invalid("is not a valid date") : { expiresOn: new Date(t) };
  }
  if (DURATION_GO.test(text) || DURATION_ISO.test(text)) {
    const base = secret.updatedTime === undefined ? NaN : Date.parse(secret.updatedTime);
    if (Number.isNaN(base)) return invalid("is a duration but the secret has no updated time to count from");
    const at = addDuration(new Date(base), text);
    return at && !Number.isNaN(at.getTime()) ? { expiresOn: at } : invalid("is not a valid duration");
  }
  return invalid("is neither an ISO 8601 date (with zone) nor a duration");
}

/**
 * Hash of what the metadata tags and expiry of a copy should be; the planner
 * compares it with `Markers.metadataHash` to see metadata-only edits.
 */
export function sourceMetadataHash(secret: SourceSecret, expiry?: ExpiryOptions): string {
  return metadataHash(secret.customMetadata, resolveExpiry(secret, expiry).expiresOn);
}

/** Builds the tags of one destination copy under the documented budget rule. */
export function encodeMarkers(input: EncodeMarkersInput): EncodedMarkers {
  const limits = input.limits ?? KEY_VAULT_TAG_LIMITS;
  const { secret } = input;
  const path = fullSourcePath(secret);
  const warnings: MarkerWarning[] = [];
  const tags: Record<string, string> = {};
  const used = new Set<string>();
  const put = (name: string, value: string): void => {
    tags[name] = value;
    used.add(name.toLowerCase());
  };

  put(TAGS.migratedFrom, MIGRATED_FROM);
  const storedPath = truncateSourcePath(path, limits.maxValueLength);
  if (storedPath !== path) {
    warnings.push({ kind: "path-truncated", message: `secret [${storedPath}…]: source path is ${path.length} characters; tag [${TAGS.vaultPath}] holds its first ${limits.maxValueLength}` });
  }
  put(TAGS.vaultPath, storedPath);
  if (secret.kvVersion === 2 && secret.currentVersion !== undefined) put(TAGS.originalVersion, String(secret.currentVersion));
  if (input.fingerprint !== undefined) put(TAGS.fingerprint, input.fingerprint);
  put(TAGS.mappingHash, input.mappingHash);
  const expiry = resolveExpiry(secret, input.expiry);
  if (expiry.warning) warnings.push(expiry.warning);
  put(TAGS.metadataHash, metadataHash(secret.customMetadata, expiry.expiresOn));
  if (input.migratedAt) put(TAGS.migrationDate, input.migratedAt.toISOString().slice(0, 10));

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

/**
 * Parses markers back from tags. Returns `undefined` unless `migrated-from` is
 * `hashicorp-vault` and `vault-path` is present. Copies made by seed 003's script
 * parse too, but without `mappingHash` — which is how the planner tells them from
 * copies written by this tool.
 */
export function parseMarkers(tags: Readonly<Record<string, string>> | undefined): Markers | undefined {
  if (!tags || tags[TAGS.migratedFrom] !== MIGRATED_FROM) return undefined;
  const sourcePath = tags[TAGS.vaultPath];
  if (!sourcePath) return undefined;
  const version = tags[TAGS.originalVersion];
  const optional: { -readonly [K in keyof Markers]?: Markers[K] } = {};
  if (version !== undefined && /^[0-9]+$/.test(version)) optional.sourceVersion = Number(version);
  if (tags[TAGS.fingerprint]) optional.fingerprint = tags[TAGS.fingerprint];
  if (tags[TAGS.mappingHash]) optional.mappingHash = tags[TAGS.mappingHash];
  if (tags[TAGS.metadataHash]) optional.metadataHash = tags[TAGS.metadataHash];
  if (tags[TAGS.migrationDate]) optional.migratedOn = tags[TAGS.migrationDate];
  return { origin: MIGRATED_FROM, sourcePath, ...optional };
}

/** The markers a copy written now would carry — what the planner compares against. */
export function expectedMarkers(input: EncodeMarkersInput): Markers {
  return parseMarkers(encodeMarkers(input).tags) as Markers;
}
