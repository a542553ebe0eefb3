/**
 * Destination-neutral markers: the reserved key names every destination writes (as tags, as
 * custom_metadata, as a marker file), their parsing back from a flat key/value map, and the expiry
 * rule. Each destination's own encoding (tag budget, metadata budget) lives in its driver folder
 * under `src/migration/destinations/<kind>/markers.ts`.
 *
 * Expiry rule: when `expiry.metadataKey` is set and the secret's custom metadata
 * has that key, its value is either
 * - an absolute ISO 8601 date (`2027-01-31`, midnight UTC) or date-time with a
 *   zone (`2027-01-31T12:00:00Z`, `…+02:00`) — local times are rejected because
 *   they would depend on the host's time zone; or
 * - a duration, ISO 8601 (`P1Y2M10DT2H`, `P6W`) or Vault/Go style (`720h`,
 *   `90d`, `1h30m`; units w d h m s), added to the source's `updatedTime` (the
 *   time the copied source version was written).
 * Durations are relative to `updatedTime`, not to "now" (seed 003 used now + N
 * days), so re-planning is deterministic; without `updatedTime` (KV v1) a
 * duration cannot be resolved. Unparseable values give a warning and no expiry.
 */
import { metadataHash } from "./fingerprint";
import { fullSourcePath } from "./mapping";
import { MIGRATED_FROM } from "./types";
import type { Markers, SourceSecret } from "./types";

/** Reserved marker names (Key Vault tags, Vault custom_metadata keys); seed 003's names kept. */
export const MARKER_KEYS = {
  migratedFrom: "migrated-from",
  vaultPath: "vault-path",
  originalVersion: "original-version",
  fingerprint: "migration-fingerprint",
  mappingHash: "migration-mapping",
  metadataHash: "migration-metadata",
  migrationId: "migration-id",
  migrationDate: "migration-date",
} as const;

/** Longest `vault-path` a marker holds (Key Vault's tag value limit, Vault's metadata value limit). */
export const MARKER_VALUE_LIMIT = 512;

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

/** Shortens a custom_metadata key for a message. */
export function shortKey(key: string): string {
  return key.length > 64 ? `${key.slice(0, 64)}…` : key;
}

/** Truncates `mount/path` to the marker value limit. */
export function truncateSourcePath(path: string, max: number = MARKER_VALUE_LIMIT): string {
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

/**
 * Parses markers back from a flat key/value map (Key Vault tags, KV custom_metadata, a marker
 * file). Returns `undefined` unless `migrated-from` is `hashicorp-vault` and `vault-path` is
 * present. Copies made by seed 003's script parse too, but without `mappingHash` — which is how
 * the planner tells them from copies written by this tool.
 */
export function parseMarkers(tags: Readonly<Record<string, string>> | undefined): Markers | undefined {
  if (!tags || tags[MARKER_KEYS.migratedFrom] !== MIGRATED_FROM) return undefined;
  const sourcePath = tags[MARKER_KEYS.vaultPath];
  if (!sourcePath) return undefined;
  const version = tags[MARKER_KEYS.originalVersion];
  const optional: { -readonly [K in keyof Markers]?: Markers[K] } = {};
  if (version !== undefined && /^[0-9]+$/.test(version)) optional.sourceVersion = Number(version);
  if (tags[MARKER_KEYS.fingerprint]) optional.fingerprint = tags[MARKER_KEYS.fingerprint];
  if (tags[MARKER_KEYS.mappingHash]) optional.mappingHash = tags[MARKER_KEYS.mappingHash];
  if (tags[MARKER_KEYS.metadataHash]) optional.metadataHash = tags[MARKER_KEYS.metadataHash];
  if (tags[MARKER_KEYS.migrationId]) optional.migrationId = tags[MARKER_KEYS.migrationId];
  if (tags[MARKER_KEYS.migrationDate]) optional.migratedOn = tags[MARKER_KEYS.migrationDate];
  return { origin: MIGRATED_FROM, sourcePath, ...optional };
}
