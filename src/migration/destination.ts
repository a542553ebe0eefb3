// The one interface a migration destination implements. Azure Key Vault is the first; Vault/OpenBao,
// Infisical and ScaiVault follow on the same runner. Implementations live in ./destinations/.
import type { DestinationEntry, DestinationNaming, SecretData, SourceSecret } from "../engine";

/** One secret to write: the source's metadata, its data (in memory only) and the migration's markers. */
export interface DestinationWrite {
  /** Destination name, already mapped and sanitised. */
  readonly name: string;
  /** The source secret's metadata (path, version, custom_metadata). */
  readonly source: SourceSecret;
  /** The value as read from the source. Never logged, reported or stored. */
  readonly data: SecretData;
  /** Keyed fingerprint of `data` (`fingerprint(key, data)`), written as a marker. */
  readonly fingerprint: string;
  /** Hash of the settings that shape what is written, written as a marker. */
  readonly mappingHash: string;
  /**
   * KV v2 sources only, called lazily by destinations that copy metadata or history (Vault): the
   * source secret's settings and the versions that can still be read.
   */
  readonly sourceDetails?: () => Promise<SourceKvDetails | undefined>;
  /** KV v2 sources only: the data of one older source version (version replay); undefined when gone. */
  readonly readSourceVersion?: (version: number) => Promise<SecretData | undefined>;
  /**
   * Check-and-set (Vault KV v2 destinations): the destination version this write must replace
   * (0 = must be absent). Default: the current version read just before writing.
   */
  readonly expectedDestinationVersion?: number;
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
 * What a migration needs from a destination. Every method that fails throws an `Error` whose
 * message names the destination and the secret's name, never a value or a credential.
 */
export interface MigrationDestination {
  /** e.g. `azure-keyvault`, `vault`. */
  readonly kind: string;
  /** Where it writes, for messages and reports (a URL, a mount); never credentials. */
  readonly location: string;
  /** Naming rules (sanitisation, case-sensitivity) the mapping applies. */
  readonly naming: DestinationNaming;
  /** Lists what exists: properties and parsed markers only, never values. */
  entries(): AsyncIterable<DestinationEntry>;
  /**
   * For an entry without markers that a mapping targets: decides, with at most a few calls,
   * whether it is a copy of ours edited by hand (`handEdited: true`) or someone else's secret.
   */
  inspectUnmarked(entry: DestinationEntry): Promise<DestinationEntry>;
  /** Checks without writing that the value fits (size, shape); a message naming the path, or undefined. */
  validate(write: DestinationWrite): string | undefined;
  /** Writes one secret with its markers. Safe to repeat. Recovers a soft-deleted name when configured to. */
  write(write: DestinationWrite): Promise<void>;
  /** Keyed fingerprint of what `write` would store for this data, comparable with `storedFingerprint`. */
  expectedFingerprint(write: DestinationWrite): string;
  /** Keyed fingerprint of what is stored under `name` now (reads the value), or undefined if absent. */
  storedFingerprint(name: string): Promise<string | undefined>;
  /** Removes a secret (soft delete where the destination has it). Absent is not an error. */
  remove(name: string): Promise<void>;
  /**
   * Extra settings that shape what this destination writes (e.g. Vault's `copyMetadata`), folded
   * into the mapping hash so changing them re-plans the copies. Undefined leaves the hash as is.
   */
  readonly shaping?: Readonly<Record<string, unknown>>;
  /** Releases connections. */
  close(): Promise<void>;
}
