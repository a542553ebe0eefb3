/**
 * Shared types of the migration engine. Nothing here holds a secret value
 * except {@link SecretData}, which only ever lives in memory while a value is
 * shaped or fingerprinted.
 */

import type { KvSettings } from "./kvSettings";

/** HashiCorp Vault KV secrets engine version. */
export type KvVersion = 1 | 2;

/** State of a KV v2 secret's current version (KV v1 secrets are always `live`). */
export type SourceState = "live" | "deleted" | "destroyed";

/** Where a secret lives in the source: mount and path relative to it. */
export interface SourceRef {
  /** Mount without leading/trailing slashes, e.g. `secret` or `team/kv`. */
  readonly mount: string;
  /** Path relative to the mount, without leading slash, e.g. `app/db`. */
  readonly path: string;
}

/** One source secret as inventoried — metadata only, never its value. */
export interface SourceSecret extends SourceRef {
  readonly kvVersion: KvVersion;
  /** KV v2 `current_version`; `undefined` for KV v1, which has no versions. */
  readonly currentVersion?: number;
  /** KV v2: whether the current version is soft-deleted or destroyed. */
  readonly state: SourceState;
  /** KV v2 `custom_metadata` (empty for KV v1). Not secret: it is copied as tags. */
  readonly customMetadata: Readonly<Record<string, string>>;
  /** KV v2: when the current version was written (ISO 8601); the base of relative expiries. */
  readonly updatedTime?: string;
  /**
   * Keyed fingerprint (`fingerprint(key, fullSourcePath(ref), data)`) of the value. Required for
   * KV v1, whose values are read and fingerprinted in memory at inventory; optional for KV v2.
   */
  readonly fingerprint?: string;
  /**
   * `contentFingerprint(key, data)` of the same value, alongside `fingerprint`: what a copy
   * stamped by version 1 of the markers holds, so such a copy is recognised as in sync.
   */
  readonly legacyFingerprint?: string;
  /** KV v2: the secret's metadata settings as listed; absent when not known (KV v1 has none). */
  readonly settings?: KvSettings;
}

/** The data map of a KV secret. Only ever held in memory, never in plan/report/state. */
export type SecretData = Record<string, unknown>;

/** Origin marker written on every destination copy. */
export const MIGRATED_FROM = "hashicorp-vault";

/**
 * Migration markers carried by a destination copy (for Key Vault: tags), parsed
 * back into a destination-neutral form. They let every run tell what is already
 * there even with the Pulumi state lost.
 */
export interface Markers {
  /** Always {@link MIGRATED_FROM}. */
  readonly origin: typeof MIGRATED_FROM;
  /** `mount/path` of the source; possibly truncated to the destination's limit. */
  readonly sourcePath: string;
  /** Source KV v2 version that was written. */
  readonly sourceVersion?: number;
  /** Keyed fingerprint of the written data. */
  readonly fingerprint?: string;
  /** Hash of the mapping settings in force when written; absent on copies not written by this tool. */
  readonly mappingHash?: string;
  /** Hash of the source custom metadata (and derived expiry) when written. */
  readonly metadataHash?: string;
  /**
   * The migration that wrote the copy (stack and resource name, or a configured id). Removal and
   * orphan detection act only on copies carrying this migration's id.
   */
  readonly migrationId?: string;
  /** Date of the write (`YYYY-MM-DD`), informational only. */
  readonly migratedOn?: string;
}

/** One secret that exists in the destination, as listed (properties only, no value). */
export interface DestinationEntry {
  /** Destination name with its original casing. */
  readonly name: string;
  /** Parsed markers, or `undefined` when the secret was not written by a migration. */
  readonly markers: Markers | undefined;
  readonly enabled: boolean;
  /** Managed by the destination itself (Key Vault: certificate-backed); never writable. */
  readonly managed?: boolean;
  /** Set by adapters that detect a change made outside the migration since our write. */
  readonly handEdited?: boolean;
  /**
   * Soft-deleted (Key Vault deleted-but-recoverable, KV v2 current version deleted or destroyed):
   * not readable, but the name is taken. Our own removed copy is re-created; anyone else's is
   * `existing` (a write would recover or stack onto it).
   */
  readonly deleted?: boolean;
  /**
   * Set by adapters whose writes take several requests: our markers announce a write that did not
   * finish (the run stopped between two requests). Ours, and to be rewritten, never refused.
   */
  readonly interrupted?: boolean;
}

/** What the plan wants done with one secret. */
export type PlanAction = "create" | "update" | "delete" | "skip" | "orphan" | "refuse";

/** Why — a closed set so reports and previews stay greppable. */
export type PlanReason =
  | "new in source"
  | "source version changed"
  | "source value changed"
  | "source metadata changed"
  | "destination changed by hand"
  | "destination write interrupted"
  | "destination markers incomplete"
  | "destination was written from another source path"
  | "mapping changed"
  | "adopting existing destination secret"
  | "overwriting existing destination secret"
  | "source deleted (kept, orphaned)"
  | "source deleted (deletionPolicy: delete)"
  | "no longer mapped (kept, orphaned)"
  | "no longer mapped (deletionPolicy: delete)"
  | "source version deleted"
  | "source version destroyed"
  | "destination disabled"
  | "destination exists and was not created by this migration"
  | "destination is managed by the destination service"
  | "destination name collision"
  | "invalid destination name"
  | "value refused by the destination";

/** One pending change. Plain JSON: it is the input of a Pulumi resource. */
export interface PlanItem {
  /** `mount/path`; for orphans the (possibly truncated) path from the markers. */
  readonly sourcePath: string;
  /** Source mount, when the item comes from a source secret (lets callers split `sourcePath`). */
  readonly mount?: string;
  readonly destinationName: string;
  readonly action: PlanAction;
  readonly reason: PlanReason;
  /** KV v2 version to read and write, pinned at plan time so markers match what is written. */
  readonly sourceVersion?: number;
  /** Extra explanation naming paths or settings only (never values). */
  readonly detail?: string;
  /** KV v2 creates and updates: the source's settings as planned; absent when the plan does not know them. */
  readonly sourceSettings?: KvSettings;
}
