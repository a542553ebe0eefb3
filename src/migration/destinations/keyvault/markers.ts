/**
 * Markers codec of Azure Key Vault: the markers and the source's custom_metadata as tags.
 *
 * Tag budget rule (Key Vault: ≤15 tags, names and values ≤512 characters):
 * 1. Reserved migration tags first, in this order — `migrated-from`, `vault-path`,
 *    `original-version` (KV v2 only), `migration-fingerprint` (when known),
 *    `migration-mapping`, `migration-metadata`, `migration-id` (when given),
 *    `migration-date` (when given). Names and values of seed 003 are kept so its
 *    copies parse as markers.
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
 * that the mapper reports first. The expiry rule is the engine's (`resolveExpiry`).
 */
import { encodeMarkers as encodeTags, expectedMarkers as expectedTags, type EncodeMarkersInput as TagMarkersInput, type EncodedMarkers, type Markers, type TagLimits } from "../../../engine";

export { CUSTOM_TAG_PREFIX, type EncodedMarkers, type TagLimits } from "../../../engine";

/** Key Vault: at most 15 tags, names and values up to 512 characters (fact sheet §4). */
export const KEY_VAULT_TAG_LIMITS: TagLimits = { maxTags: 15, maxNameLength: 512, maxValueLength: 512 };

/** Input of {@link encodeMarkers}: the engine's, with Key Vault's limits unless others are given. */
export type EncodeMarkersInput = Omit<TagMarkersInput, "limits"> & { readonly limits?: TagLimits };

/** Builds the tags of one Key Vault copy under the budget rule above. */
export function encodeMarkers(input: EncodeMarkersInput): EncodedMarkers {
  return encodeTags({ ...input, limits: input.limits ?? KEY_VAULT_TAG_LIMITS });
}

/** The markers a copy written now would carry — what the planner compares against. */
export function expectedMarkers(input: EncodeMarkersInput): Markers {
  return expectedTags({ ...input, limits: input.limits ?? KEY_VAULT_TAG_LIMITS });
}
