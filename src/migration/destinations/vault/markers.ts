/**
 * Markers codec for Vault/OpenBao KV v2 destinations: the markers live in the secret's
 * `custom_metadata`, next to the copied source `custom_metadata`.
 *
 * Budget rule (Vault: at most 64 keys, keys ≤128 characters, values ≤512 characters):
 * 1. Reserved keys first — the tag names of `markers.ts` (`migrated-from`, `vault-path`,
 *    `original-version`, `migration-fingerprint`, `migration-mapping`, `migration-metadata`,
 *    `migration-id`)
 *    plus `migration-dest-version` (the destination version our write creates: the markers are
 *    written BEFORE the data, see destination.ts; a lower `current_version` means that write did
 *    not finish, a higher one that someone wrote after us), `migration-replay` (`<after>:<base>`,
 *    only on a version replay: the source version the replay starts after and the destination
 *    version it starts on, so an interrupted replay resumes without writing a version twice) and,
 *    when something was dropped, `migration-dropped-keys`. (`migration-previous-fingerprint` is
 *    the KV v1 marker file's: reserved here too, so a source key can never pose as it.)
 * 2. Then the source's `custom_metadata`, keys sorted, copied as-is (no prefix: Vault to Vault).
 *    RESERVED KEYS WIN: a source key equal to a reserved key is dropped (else a copy of a copy
 *    would carry its source's markers and be mistaken for ours). A key over 128 characters is
 *    dropped, a value over 512 is truncated, and keys beyond the 64-key budget are dropped.
 * 3. Nothing is lost silently: dropped keys are listed (comma-separated, truncated to 512) in
 *    `migration-dropped-keys`, and every drop or truncation is returned in `warnings`.
 */
import { MARKER_KEYS, MIGRATED_FROM, fullSourcePath, metadataHash, parseMarkers, truncateSourcePath, type MarkerWarning, type Markers, type SourceSecret } from "../../../engine";

/** Vault KV v2 custom_metadata limits. */
export const KV_METADATA_LIMITS = { maxKeys: 64, maxKeyLength: 128, maxValueLength: 512 } as const;

/** Reserved custom_metadata keys beyond the tag names. */
export const KV_MARKER_KEYS = { ...MARKER_KEYS, destinationVersion: "migration-dest-version", replay: "migration-replay", previousFingerprint: "migration-previous-fingerprint", droppedKeys: "migration-dropped-keys" } as const;

const RESERVED: readonly string[] = Object.values(KV_MARKER_KEYS);

/** Input of {@link encodeKvMarkers}. */
export interface EncodeKvMarkersInput {
  readonly secret: SourceSecret;
  readonly fingerprint: string;
  readonly mappingHash: string;
  /** The migration's identity (`migration-id`). */
  readonly migrationId?: string;
  /** KV v2 destination version the write creates (written before the data). */
  readonly destinationVersion?: number;
  /** KV v2 version replay: source version the replay starts after, destination version it starts on. */
  readonly replay?: KvReplayMarker;
  /** Copy the source custom_metadata (default true); the metadata hash marker is written either way. */
  readonly copyCustomMetadata?: boolean;
}

/** The custom_metadata to write, and what could not be copied as-is. */
export interface EncodedKvMarkers {
  readonly customMetadata: Record<string, string>;
  readonly warnings: readonly MarkerWarning[];
}

/** Whether a custom_metadata key is one of the migration's reserved keys. */
export function isReservedKvKey(key: string): boolean {
  return RESERVED.includes(key);
}

/** Builds a destination's custom_metadata under the module comment's budget rule. */
export function encodeKvMarkers(input: EncodeKvMarkersInput): EncodedKvMarkers {
  const { secret } = input;
  const path = fullSourcePath(secret);
  const limit = KV_METADATA_LIMITS.maxValueLength;
  const out: Record<string, string> = {};
  const warnings: MarkerWarning[] = [];
  out[KV_MARKER_KEYS.migratedFrom] = MIGRATED_FROM;
  out[KV_MARKER_KEYS.vaultPath] = truncateSourcePath(path, limit);
  if (out[KV_MARKER_KEYS.vaultPath] !== path) warnings.push({ kind: "path-truncated", message: `secret [${path.slice(0, limit)}…]: source path truncated to ${limit} characters` });
  if (secret.kvVersion === 2 && secret.currentVersion !== undefined) out[KV_MARKER_KEYS.originalVersion] = String(secret.currentVersion);
  out[KV_MARKER_KEYS.fingerprint] = input.fingerprint;
  out[KV_MARKER_KEYS.mappingHash] = input.mappingHash;
  // Same hash the planner expects (no expiry: Vault destinations have none).
  out[KV_MARKER_KEYS.metadataHash] = metadataHash(secret.customMetadata);
  if (input.migrationId) out[KV_MARKER_KEYS.migrationId] = input.migrationId;
  if (input.destinationVersion !== undefined) out[KV_MARKER_KEYS.destinationVersion] = String(input.destinationVersion);
  if (input.replay) out[KV_MARKER_KEYS.replay] = `${input.replay.after}:${input.replay.base}`;
  if (input.copyCustomMetadata === false) return { customMetadata: out, warnings };

  const dropped: string[] = [];
  // One slot kept back for `migration-dropped-keys`.
  let budget = KV_METADATA_LIMITS.maxKeys - Object.keys(out).length - 1;
  for (const key of Object.keys(secret.customMetadata).sort()) {
    const value = secret.customMetadata[key] as string;
    const k = key.length > 64 ? `${key.slice(0, 64)}…` : key;
    if (isReservedKvKey(key)) {
      warnings.push({ kind: "name-collision", key, message: `secret [${path}]: custom_metadata [${k}] dropped: it is a reserved migration key` });
    } else if (key.length > KV_METADATA_LIMITS.maxKeyLength) {
      warnings.push({ kind: "name-too-long", key, message: `secret [${path}]: custom_metadata [${k}] dropped: key over ${KV_METADATA_LIMITS.maxKeyLength} characters` });
    } else if (budget <= 0) {
      warnings.push({ kind: "over-budget", key, message: `secret [${path}]: custom_metadata [${k}] dropped: at most ${KV_METADATA_LIMITS.maxKeys} keys` });
    } else {
      if (value.length > limit) warnings.push({ kind: "value-truncated", key, message: `secret [${path}]: custom_metadata [${k}] truncated to ${limit} characters` });
      out[key] = value.slice(0, limit);
      budget--;
      continue;
    }
    dropped.push(key);
  }
  if (dropped.length) out[KV_MARKER_KEYS.droppedKeys] = dropped.join(",").slice(0, limit);
  return { customMetadata: out, warnings };
}

/** Where a KV v2 version replay started: after source version `after`, on destination version `base`. */
export interface KvReplayMarker {
  readonly after: number;
  readonly base: number;
}

/** Markers of a KV v2 destination's custom_metadata, plus the destination version our write creates and the replay's start. */
export function parseKvMarkers(customMetadata: Readonly<Record<string, string>> | undefined): { markers: Markers | undefined; destinationVersion?: number; replay?: KvReplayMarker } {
  const markers = parseMarkers(customMetadata);
  const v = customMetadata?.[KV_MARKER_KEYS.destinationVersion];
  const r = /^([0-9]+):([0-9]+)$/.exec(customMetadata?.[KV_MARKER_KEYS.replay] ?? "");
  return {
    markers,
    ...(v !== undefined && /^[0-9]+$/.test(v) ? { destinationVersion: Number(v) } : {}),
    ...(r ? { replay: { after: Number(r[1]), base: Number(r[2]) } } : {}),
  };
}

/** The custom_metadata a copy holds besides the reserved keys (what was copied from the source). */
export function copiedKvMetadata(customMetadata: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(customMetadata)) if (!isReservedKvKey(k)) out[k] = v;
  return out;
}
