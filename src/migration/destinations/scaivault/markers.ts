/**
 * Markers codec of ScaiVault: a secret's metadata is a description and a list of string tags
 * (fact sheet §2), so the markers travel as `key=value` tags beside the configured plain tags
 * (default `migrated-from-vault`, as in seed 001), and the source's custom_metadata as
 * `vault-<key>=<value>` tags.
 *
 * Budget rule (ScaiVault documents no tag limits; the driver keeps to a conservative 64 tags of at
 * most 600 characters):
 * 1. The configured plain tags (a tag holding `=` is refused by the spec check).
 * 2. Reserved markers, in the order of `MARKER_KEYS`: `migrated-from`, `vault-path` (truncated to
 *    512 characters), `original-version` (KV v2), `migration-fingerprint`, `migration-mapping`,
 *    `migration-metadata`, `migration-id`.
 * 3. custom_metadata keys sorted; a key whose tag would pass 600 characters has its value cut (a
 *    warning says so) or, when the name alone is too long, is dropped; keys past the budget are
 *    dropped. Every drop and cut is a warning.
 */
import { MARKER_KEYS, MIGRATED_FROM, fullSourcePath, metadataHash, parseMarkers, shortKey, truncateSourcePath, type MarkerWarning, type Markers, type SourceSecret } from "../../../engine";

export const SCAIVAULT_TAG_LIMITS = { maxTags: 64, maxTagLength: 600 } as const;
export const CUSTOM_TAG_PREFIX = "vault-";
const RESERVED: readonly string[] = Object.values(MARKER_KEYS);

export interface EncodeScaiVaultMarkersInput {
  readonly secret: SourceSecret;
  readonly fingerprint: string;
  readonly mappingHash: string;
  readonly migrationId?: string;
  /** Plain tags written first (seed 001: `migrated-from-vault`). */
  readonly plainTags: readonly string[];
}

/** The tag list of one copy and what could not be carried. */
export function encodeScaiVaultMarkers(input: EncodeScaiVaultMarkersInput): { tags: string[]; warnings: MarkerWarning[] } {
  const { secret } = input;
  const path = fullSourcePath(secret);
  const tags: string[] = [...input.plainTags];
  const warnings: MarkerWarning[] = [];
  const put = (k: string, v: string): void => void tags.push(`${k}=${v}`);
  put(MARKER_KEYS.migratedFrom, MIGRATED_FROM);
  const stored = truncateSourcePath(path, 512);
  if (stored !== path) warnings.push({ kind: "path-truncated", message: `secret [${stored}…]: source path is ${path.length} characters; tag [${MARKER_KEYS.vaultPath}] holds its first 512` });
  put(MARKER_KEYS.vaultPath, stored);
  if (secret.kvVersion === 2 && secret.currentVersion !== undefined) put(MARKER_KEYS.originalVersion, String(secret.currentVersion));
  put(MARKER_KEYS.fingerprint, input.fingerprint);
  put(MARKER_KEYS.mappingHash, input.mappingHash);
  put(MARKER_KEYS.metadataHash, metadataHash(secret.customMetadata));
  if (input.migrationId) put(MARKER_KEYS.migrationId, input.migrationId);
  const max = SCAIVAULT_TAG_LIMITS.maxTagLength;
  for (const key of Object.keys(secret.customMetadata).sort()) {
    const value = secret.customMetadata[key] as string;
    const name = `${CUSTOM_TAG_PREFIX}${key}`;
    const k = shortKey(key);
    if (RESERVED.includes(name)) {
      warnings.push({ kind: "name-collision", key, message: `secret [${path}]: custom_metadata [${k}] dropped: tag [${name}] is a reserved marker` });
    } else if (name.length + 1 >= max) {
      warnings.push({ kind: "name-too-long", key, message: `secret [${path}]: custom_metadata [${k}] dropped: its tag would be over ${max} characters` });
    } else if (tags.length >= SCAIVAULT_TAG_LIMITS.maxTags) {
      warnings.push({ kind: "over-budget", key, message: `secret [${path}]: custom_metadata [${k}] dropped: the driver writes at most ${SCAIVAULT_TAG_LIMITS.maxTags} tags` });
    } else {
      const room = max - name.length - 1;
      if (value.length > room) warnings.push({ kind: "value-truncated", key, message: `secret [${path}]: custom_metadata [${k}] truncated from ${value.length} to ${room} characters` });
      put(name, value.slice(0, room));
    }
  }
  return { tags, warnings };
}

/** The `key=value` tags as a record (plain tags and unknown keys left out). */
export function tagRecord(tags: readonly unknown[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) {
    if (typeof t !== "string") continue;
    const i = t.indexOf("=");
    if (i <= 0) continue;
    const k = t.slice(0, i);
    if (RESERVED.includes(k) || k.startsWith(CUSTOM_TAG_PREFIX)) out[k] = t.slice(i + 1);
  }
  return out;
}

/** Markers of a copy's tags, or undefined when it carries none. */
export function parseScaiVaultMarkers(tags: readonly unknown[] | undefined): Markers | undefined {
  return parseMarkers(tagRecord(tags));
}
