// The contracts of a migration destination: the driver a registry lists (spec validation,
// location, open) and the MigrationDestination it opens. One folder per driver under
// ./destinations/<kind>/; nothing else in the run code knows which destination it talks to.
import type { DestinationEntry, DestinationNaming, FingerprintKey, KvSettings, SecretData, SourceSecret } from "../engine";
import type { MigrationSettings } from "./settings";
import type { MigrationSource } from "./source";

/** One secret to write: the source's metadata, its data (in memory only) and the migration's markers. */
export interface DestinationWrite {
  /** Destination name, already mapped and sanitised. */
  readonly name: string;
  /** The source secret's metadata (path, version, custom_metadata, updated time). */
  readonly source: SourceSecret;
  /** The value as read from the source. Never logged, reported or stored. */
  readonly data: SecretData;
  /** Keyed fingerprint of this secret's `data` (`fingerprint(key, fullSourcePath(source), data)`), written as a marker. */
  readonly fingerprint: string;
  /** Hash of the settings that shape what is written, written as a marker. */
  readonly mappingHash: string;
  /** The migration's identity, written as a marker. */
  readonly migrationId: string;
  /**
   * KV v2 sources: the secret's settings as the plan listed them (defaults included), for a
   * destination that copies them. Absent when the plan does not know: such a destination asks the
   * source (`SourceHistory.details`) rather than assume defaults.
   */
  readonly sourceSettings?: KvSettings;
  /**
   * The plan found nothing of anyone else's under this name (a create). A secret not written by
   * this migration that appeared there since planning is refused, not overwritten: the next run
   * plans it again and `existing` decides.
   */
  readonly expectAbsent?: boolean;
}

/** What a write could not carry as asked (tags dropped past a limit, an expiry not resolved…). */
export interface WriteResult {
  /** Messages naming paths and keys, never values. */
  readonly warnings: readonly string[];
  /**
   * The write's own answers prove what is stored (a check-and-set that created exactly the
   * version announced with this data, or a copy whose keyed fingerprint and version showed it
   * current): the run then reads nothing back. Absent: the run reads the value back to verify it.
   */
  readonly verified?: boolean;
}

/** What a destination can do, declared so the conformance suite tests exactly that. */
export interface DestinationCapabilities {
  /** A removed secret can be brought back (Key Vault soft delete, KV v2 delete of a version). */
  readonly softDelete: boolean;
  /** Each write adds a version. */
  readonly versions: boolean;
  /** Writes refuse to overwrite a concurrent writer. */
  readonly checkAndSet: boolean;
  /** Source custom_metadata is carried to the copy. */
  readonly metadata: boolean;
  /** Copies carry an expiry (from `expiryKey`); the planner then expects it in the metadata marker. */
  readonly expiry: boolean;
  /** Largest value accepted, in bytes; undefined = no limit the driver knows. */
  readonly maxValueBytes?: number;
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
  /** What it can do (may ask the server once, e.g. a mount's KV version). */
  capabilities(): Promise<DestinationCapabilities>;
  /** Lists what exists, soft-deleted names included (flagged `deleted`): properties and parsed markers only, never values. */
  entries(): AsyncIterable<DestinationEntry>;
  /**
   * For an entry without markers that a mapping targets: decides, with at most a few calls,
   * whether it is a copy of ours edited by hand (`handEdited: true`) or someone else's secret.
   */
  inspectUnmarked(entry: DestinationEntry): Promise<DestinationEntry>;
  /**
   * Loads, once, what `validate` needs from the server (ScaiVault: the proxy-mode federation
   * mappings a write must stay out of). Run before the value checks of a preview and of an `up`.
   */
  prepare?(): Promise<void>;
  /** Checks without writing that the value fits (size, shape); a message naming the path, or undefined. */
  validate(write: DestinationWrite): string | undefined;
  /**
   * Present on a destination whose `validate` refuses no value a KV source can hold and that has no
   * `notices` (Vault/OpenBao KV stores any key/value map a KV source holds): its checks of the
   * name alone, `sourcePath` (`mount/path`) for the message. The checks before the first write (a
   * preview's, and an `up`'s before it writes) then call this and read no value, one source read
   * per secret less in each; `validate` still runs on every write with its value.
   */
  validateWithoutValue?(name: string, sourcePath: string): string | undefined;
  /**
   * What is worth a warning about a value that is not refused (Infisical: `${…}`, which it may read
   * as a reference), each naming the path and key, never the value. Logged at preview; `write`
   * returns the same as warnings at up.
   */
  notices?(write: DestinationWrite): readonly string[];
  /** Writes one secret with its markers. Safe to repeat. Returns what it could not carry. */
  write(write: DestinationWrite): Promise<WriteResult>;
  /**
   * Keyed fingerprint of what `write` would store for this data, comparable with `storedFingerprint`:
   * compared in memory only (never written), so content alone (`contentFingerprint`, `fingerprintValue`).
   */
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

/** A destination spec as it travels in Pulumi inputs: plain JSON, no credential, `kind` first. */
export interface DestinationSpecBase {
  readonly kind: string;
}

/**
 * A destination connection: the spec and its credentials, one pair from the stack config to the
 * provider. `credentials` is a Pulumi secret wherever it is stored.
 */
export interface DestinationConnection<S extends DestinationSpecBase = DestinationSpecBase, C = unknown> {
  readonly spec: S;
  readonly credentials: C;
}

/** What a driver gets to open a destination besides its connection. */
export interface DestinationContext {
  readonly fingerprintKey: FingerprintKey;
  readonly settings: MigrationSettings;
  /** The run's source: destinations that copy settings or history ask its `history`. */
  readonly source?: MigrationSource;
}

/**
 * A destination kind: its naming, spec checks and how to open it. Drivers are plain objects of
 * functions (the closure serializer re-creates them in the provider process).
 */
/** Groups of stack resources a destination may wait for (see {@link DestinationDriver.waitsFor}). */
export type StackPrerequisite = "federationBackends";

export interface DestinationDriver<S extends DestinationSpecBase = DestinationSpecBase, C = unknown> {
  readonly kind: S["kind"];
  /** Component name for messages, e.g. `KeyVaultMigration`. */
  readonly label: string;
  /** Pulumi type token of the migration component, e.g. `vault-migration:migration:KeyVaultMigration`. */
  readonly componentType: string;
  readonly naming: DestinationNaming;
  /** Checks a spec without any network call; each problem names `[prefix.key]`. */
  validateSpec(spec: Readonly<Record<string, unknown>>, prefix: string): string[];
  /** Checks credentials without any network call and without echoing them. */
  validateCredentials(credentials: unknown, prefix: string): string[];
  /** Where a spec writes (no credentials), for ids and messages. */
  location(spec: S): string;
  /**
   * Stack resources a copy into this destination waits for, by the name the stack program gives
   * them (ScaiVault: `federationBackends`, whose proxy mappings its check at `up` must see).
   */
  readonly waitsFor?: readonly StackPrerequisite[];
  /** Opens the destination; no request is made until a method is called. */
  open(connection: DestinationConnection<S, C>, context: DestinationContext): MigrationDestination;
}
