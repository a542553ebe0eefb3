// The one interface a migration source implements. Vault/OpenBao KV (./vaultSource.ts) is the
// only source today; the run code (plan, apply, verify, the migration resource) knows only this.
import type { FingerprintKey, KvVersion, Mapper, SecretData, SourceSecret } from "../engine";

/** One value read from the source, with the metadata it was read under. Never logged or stored. */
export interface SourceValue {
  /** The secret's metadata at the version read: path, version, custom_metadata, `updatedTime`. */
  readonly secret: SourceSecret;
  /** The value. In memory only. */
  readonly data: SecretData;
}

/** A KV v2 source secret's metadata settings and readable versions (no value). */
export interface SourceKvDetails {
  readonly maxVersions: number;
  readonly casRequired: boolean;
  /** Go duration, `0s` = never. */
  readonly deleteVersionAfter: string;
  /** Versions neither deleted nor destroyed, oldest first. */
  readonly liveVersions: readonly number[];
}

/**
 * Optional capability of a versioned source (KV v2): what destinations that copy settings or
 * history (Vault/OpenBao) ask for. Absent on sources without versions (KV v1).
 */
export interface SourceHistory {
  /** The secret's settings and live versions; undefined when gone. */
  details(path: string): Promise<SourceKvDetails | undefined>;
  /** The data of one older version; undefined when deleted, destroyed or gone. */
  readVersion(path: string, version: number): Promise<SecretData | undefined>;
}

/** What a migration needs from its source. Errors name paths, never values or credentials. */
export interface MigrationSource {
  /** Mount without slashes, e.g. `secret`. */
  readonly mount: string;
  readonly kvVersion: KvVersion;
  /** `mount` or `mount/prefix`: what this migration owns, for ownership checks. */
  readonly scope: string;
  /** Metadata-only inventory (values fingerprinted in memory where there is no metadata); paths the mapper excludes are never read. */
  inventory(mapper: Mapper, fingerprintKey: FingerprintKey): AsyncIterable<SourceSecret>;
  /** One value (at `version` when given) with its metadata; undefined when gone. */
  read(path: string, version?: number): Promise<SourceValue | undefined>;
  /** Present on versioned sources. */
  readonly history?: SourceHistory;
  close(): Promise<void>;
}
