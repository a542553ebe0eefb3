/**
 * Markers of Infisical copies: the migration's markers and the source's custom_metadata in each
 * key's `secretMetadata` (key ≤ 255, value ≤ 1020 characters, fact sheet §3), built by the engine's
 * name → value codec (markerTags) under Infisical's limits, plus `migration-layout` (`key` or
 * `folder`: what the name's leaf is). At most {@link INFISICAL_CUSTOM_METADATA_BUDGET} custom_metadata keys are carried (they
 * repeat on every key of a folder); the rest are dropped with a warning naming them.
 */
import { encodeMarkers, parseMarkers, type Markers, type MarkerWarning, type SourceSecret } from "../../../engine";
import type { InfisicalSecretMetadata } from "../../../clients/infisical/InfisicalClient";

export const LAYOUT_KEY = "migration-layout";
/** On a key whose value is stored base64-encoded (`whitespace: base64`): `base64`. */
export const ENCODING_KEY = "migration-encoding";
/** Reserved markers (7) plus copied custom_metadata. */
export const INFISICAL_CUSTOM_METADATA_BUDGET = 32;

export type InfisicalLayout = "key" | "folder";

export interface InfisicalMarkerInput {
  readonly secret: SourceSecret;
  readonly fingerprint: string;
  readonly mappingHash: string;
  readonly migrationId: string;
  readonly layout: InfisicalLayout;
}

export function encodeInfisicalMarkers(input: InfisicalMarkerInput): { metadata: InfisicalSecretMetadata[]; warnings: readonly MarkerWarning[] } {
  const { tags, warnings } = encodeMarkers({ ...input, limits: { maxTags: 7 + INFISICAL_CUSTOM_METADATA_BUDGET, maxNameLength: 255, maxValueLength: 1020 } });
  return { metadata: [...Object.entries(tags).map(([key, value]) => ({ key, value })), { key: LAYOUT_KEY, value: input.layout }], warnings };
}

export function metadataRecord(m: readonly InfisicalSecretMetadata[]): Record<string, string> {
  const r: Record<string, string> = {};
  for (const x of m) r[x.key] = x.value;
  return r;
}

export function decodeInfisicalMarkers(m: readonly InfisicalSecretMetadata[]): { markers: Markers | undefined; layout: InfisicalLayout } {
  const r = metadataRecord(m);
  return { markers: parseMarkers(r), layout: r[LAYOUT_KEY] === "folder" ? "folder" : "key" };
}
