// The wire → model mapping of KV v2 answers, in one place: `readKvMetadata` (kv.ts) and the
// inventory (kvInventory.ts) both read `<mount>/metadata/<path>`, and `readKvSecret` reads
// `<mount>/data/<path>`. Pure functions over the `data` member of Vault's envelope, tested against
// answers recorded from a real OpenBao (test/unit/clients/fixtures/). A field of the wrong type is
// taken as absent rather than trusted: these objects decide what a migration copies or deletes.

import type { SecretData, SourceState } from "../../engine/types";

/** One KV v2 version's state as the metadata lists it. */
export interface KvVersionInfo {
  /** RFC 3339; a time in the future is a scheduled `delete_version_after`, not a deletion. */
  deletionTime?: string;
  destroyed: boolean;
  createdTime?: string;
}

/** A KV v2 secret's metadata (no value). */
export interface KvMetadataInfo {
  /** 0 when the secret has metadata but no version. */
  currentVersion: number;
  /** 0 = the mount's setting. */
  maxVersions: number;
  casRequired: boolean;
  /** Go duration, `0s` = never. */
  deleteVersionAfter: string;
  customMetadata: Record<string, string>;
  /** Version number → state. */
  versions: Record<string, KvVersionInfo>;
  createdTime?: string;
  updatedTime?: string;
}

/** A KV v2 `data/<path>` answer: the value and its version's metadata. */
export interface KvV2Data {
  data: SecretData;
  version?: number;
  customMetadata: Record<string, string>;
  /** When the version read was written. */
  createdTime?: string;
}

/**
 * Maps the `data` of a `GET <mount>/metadata/<path>` answer. `undefined` when it is not an object
 * (an empty answer).
 */
export function kvMetadataFromWire(wire: unknown): KvMetadataInfo | undefined {
  if (!isRecord(wire)) return undefined;
  const versions: Record<string, KvVersionInfo> = {};
  if (isRecord(wire.versions)) {
    for (const [k, v] of Object.entries(wire.versions)) {
      if (!/^\d+$/.test(k)) continue;
      const r = isRecord(v) ? v : {};
      const deletionTime = timeString(r.deletion_time);
      const createdTime = timeString(r.created_time);
      versions[k] = { destroyed: r.destroyed === true, ...(deletionTime ? { deletionTime } : {}), ...(createdTime ? { createdTime } : {}) };
    }
  }
  const createdTime = timeString(wire.created_time);
  const updatedTime = timeString(wire.updated_time);
  return {
    currentVersion: nonNegativeInt(wire.current_version),
    maxVersions: nonNegativeInt(wire.max_versions),
    casRequired: wire.cas_required === true,
    deleteVersionAfter: typeof wire.delete_version_after === "string" && wire.delete_version_after ? wire.delete_version_after : "0s",
    customMetadata: stringMap(wire.custom_metadata),
    versions,
    ...(createdTime ? { createdTime } : {}),
    ...(updatedTime ? { updatedTime } : {}),
  };
}

/**
 * Maps the `data` of a `GET <mount>/data/<path>` answer. `undefined` when there is no value (a
 * soft-deleted or destroyed version answers with `data: null`).
 */
export function kvV2DataFromWire(wire: unknown): KvV2Data | undefined {
  if (!isRecord(wire) || !isRecord(wire.data)) return undefined;
  const meta = isRecord(wire.metadata) ? wire.metadata : {};
  const version = typeof meta.version === "number" && Number.isInteger(meta.version) && meta.version > 0 ? meta.version : undefined;
  const createdTime = timeString(meta.created_time);
  return { data: wire.data as SecretData, ...(version !== undefined ? { version } : {}), customMetadata: stringMap(meta.custom_metadata), ...(createdTime ? { createdTime } : {}) };
}

/**
 * State of a version: `destroyed` wins over `deleted` (a destroyed version may also carry a
 * deletion time); a deletion time in the future is a schedule, so the version is still live; a
 * version the metadata does not list counts as live (the current version is always listed, so this
 * only happens with a truncated answer, which is no reason to skip a secret).
 */
export function kvVersionState(v: KvVersionInfo | undefined, now: number = Date.now()): SourceState {
  if (v?.destroyed) return "destroyed";
  const at = v?.deletionTime;
  if (!at) return "live";
  const t = Date.parse(at);
  return Number.isNaN(t) || t <= now ? "deleted" : "live";
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function nonNegativeInt(v: unknown): number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : 0;
}

/** Vault writes an empty time as Go's zero time (`0001-01-01T00:00:00Z`) or `""`: both mean "none". */
function timeString(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" && !v.startsWith("0001-01-01") ? v : undefined;
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(v)) return out;
  for (const [k, x] of Object.entries(v)) if (typeof x === "string") out[k] = x;
  return out;
}
