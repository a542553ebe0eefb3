/**
 * FakeDestination: an in-memory MigrationDestination for fast unit tests of the run code and for
 * the destination conformance suite's own unit tier. Modelled on Key Vault's behaviour where the
 * contract leaves room (versions, soft delete, markers as a flat tag map parsed with the engine's
 * `parseMarkers`, a hand edit seen through older versions' markers), with knobs a test turns:
 * case-sensitive names or not, a value limit `validate` enforces, a custom_metadata budget whose
 * overflow comes back as warnings, and failures injected per method and per name.
 * Test infrastructure only: production code must never import it.
 */
import {
  MARKER_KEYS,
  MIGRATED_FROM,
  contentFingerprint,
  fullSourcePath,
  nameKey,
  parseMarkers,
  resolveExpiry,
  shapeValue,
  shortKey,
  sourceMetadataHash,
  truncateSourcePath,
  type DestinationEntry,
  type DestinationNaming,
  type ExpiryOptions,
  type FingerprintKey,
  type Markers,
  type SecretData,
} from "../../src/engine";
import { namedError } from "../../src/engine/errors";
import type { DestinationCapabilities, DestinationWrite, MigrationDestination, WriteResult } from "../../src/migration/destination";
import { APPEARED_SINCE_PLANNING, appearedMessage, writtenByMigration } from "../../src/migration/writes";

/** The contract's methods a failure can be injected into. */
export type FakeMethod = "entries" | "inspectUnmarked" | "write" | "storedFingerprint" | "remove";

/** One injected failure. */
export interface FakeFailure {
  readonly method: FakeMethod;
  /** Only calls about this name (matched per the fake's case rule); every call when omitted. */
  readonly name?: string;
  /** How many calls fail; every call until `clearFailures()` when omitted. */
  readonly times?: number;
  /**
   * `throw` (default) rejects. `silent` (write only) answers success but stores nothing, so the
   * run's read-back verification must catch it.
   */
  readonly mode?: "throw" | "silent";
  /**
   * The error message quotes the value being written (write) or the value stored
   * (storedFingerprint), as a careless service might echo a body: the run code must redact it
   * before it reaches a report or an error.
   */
  readonly echoValue?: boolean;
}

export interface FakeDestinationOptions {
  /** Key of the keyed fingerprints (at least 16 bytes). */
  readonly fingerprintKey: FingerprintKey;
  /** Default `fake`. */
  readonly kind?: string;
  /** Default `fake://destination`. */
  readonly location?: string;
  /** Default true. False: `App` and `app` are one secret (the first spelling is kept), as in Key Vault. */
  readonly caseSensitive?: boolean;
  /** Largest value (a single key's value, else the canonical JSON) in UTF-8 bytes; `validate` and `write` refuse more. */
  readonly maxValueBytes?: number;
  /** custom_metadata carried as `meta-<key>` tags: keys beyond `maxKeys` or longer than `maxKeyLength` are dropped with a warning. */
  readonly metadataLimits?: { readonly maxKeys: number; readonly maxKeyLength: number };
  /** custom_metadata key giving the expiry, resolved with the engine's `resolveExpiry` from the write's source. */
  readonly expiry?: ExpiryOptions;
  /** Default true: `remove` keeps the secret recoverable, a later write recovers it. */
  readonly softDelete?: boolean;
  /** Default true: each write adds a version; false keeps only the latest. */
  readonly versions?: boolean;
  /** A write onto a soft-deleted name: `recover` it (default) or fail saying so. */
  readonly softDeleted?: "recover" | "fail";
  /** Extra settings folded into the mapping hash (see `MigrationDestination.shaping`). */
  readonly shaping?: Readonly<Record<string, unknown>>;
}

/** One stored version: the value and its flat tag map. */
export interface FakeVersion {
  readonly data: SecretData;
  readonly tags: Readonly<Record<string, string>>;
  readonly expiresOn?: string;
}

/** What the fake holds under one name (for assertions; a test never needs more). */
export interface FakeRecord {
  /** The name as first written. */
  readonly name: string;
  readonly versions: FakeVersion[];
  enabled: boolean;
  deleted: boolean;
  managed: boolean;
}

/** Calls per method, whatever their outcome. */
export type FakeCalls = Record<FakeMethod | "validate" | "expectedFingerprint", number>;

const META_PREFIX = "meta-";
const EXPIRES_TAG = "fake-expires-on";

function clone<T>(v: T): T {
  return structuredClone(v);
}

function fakeError(name: string, code: string, message: string): Error & { code: string; secretName: string } {
  return namedError("FakeDestinationError", message, { code, secretName: name });
}

/** Names: path-like segments of `A-Za-z0-9_.-`, up to 256 characters; anything else is sanitised to `-`. */
function fakeNaming(caseSensitive: boolean): DestinationNaming {
  return {
    id: caseSensitive ? "fake-case-sensitive" : "fake-case-insensitive",
    caseSensitive,
    sanitize: (raw) => raw.replace(/[^A-Za-z0-9_./-]/g, "-"),
    isValid: (name) => name.length > 0 && name.length <= 256 && name.split("/").every((s) => /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/.test(s)),
  };
}

export class FakeDestination implements MigrationDestination {
  readonly kind: string;
  readonly location: string;
  readonly naming: DestinationNaming;
  readonly shaping?: Readonly<Record<string, unknown>>;
  /** Every call per method, failed ones included. */
  readonly calls: FakeCalls;
  /** Writes that stored a value. */
  writes: number;
  /** Removals of a live secret. */
  removals: number;
  /** Whether `close` was called. */
  closed: boolean;
  private readonly options: FakeDestinationOptions;
  private readonly records: Map<string, FakeRecord>;
  private failures: { failure: FakeFailure; left: number }[];

  constructor(options: FakeDestinationOptions) {
    this.options = options;
    this.kind = options.kind ?? "fake";
    this.location = options.location ?? "fake://destination";
    this.naming = fakeNaming(options.caseSensitive ?? true);
    if (options.shaping) this.shaping = options.shaping;
    this.calls = { entries: 0, inspectUnmarked: 0, write: 0, storedFingerprint: 0, remove: 0, validate: 0, expectedFingerprint: 0 };
    this.writes = 0;
    this.removals = 0;
    this.closed = false;
    this.records = new Map();
    this.failures = [];
  }

  // ---- the contract ----

  async capabilities(): Promise<DestinationCapabilities> {
    const { maxValueBytes } = this.options;
    return {
      softDelete: this.options.softDelete ?? true,
      versions: this.options.versions ?? true,
      checkAndSet: false,
      metadata: true,
      expiry: true,
      ...(maxValueBytes !== undefined ? { maxValueBytes } : {}),
    };
  }

  entries(): AsyncIterable<DestinationEntry> {
    this.calls.entries++;
    // Lazy like a real listing: an injected failure surfaces when iteration starts.
    return listEntries(() => {
      this.failIfInjected("entries", undefined);
      // A snapshot, so a write during the listing does not change what is listed.
      // Soft-deleted names are listed too, flagged, as the real drivers do.
      return [...this.records.values()].map((r) => this.entryOf(r));
    });
  }

  async inspectUnmarked(entry: DestinationEntry): Promise<DestinationEntry> {
    this.calls.inspectUnmarked++;
    this.failIfInjected("inspectUnmarked", entry.name);
    const r = this.live(entry.name);
    if (!r) return entry;
    // The latest version is unmarked (that is why we are asked): a marked older one means ours, edited since.
    for (let i = r.versions.length - 2; i >= 0; i--) {
      const markers = parseMarkers((r.versions[i] as FakeVersion).tags);
      if (markers) return { ...entry, markers, handEdited: true };
    }
    return entry;
  }

  validate(w: DestinationWrite): string | undefined {
    this.calls.validate++;
    if (!this.naming.isValid(w.name)) return `${this.location}: '${w.name}' (from ${fullSourcePath(w.source)}) is not a valid name`;
    if (this.options.maxValueBytes === undefined) return undefined;
    const r = shapeValue(fullSourcePath(w.source), w.data, { maxSize: this.options.maxValueBytes, sizeUnit: "utf8" });
    return r.ok ? undefined : `${this.location}: ${r.error.message}`;
  }

  async write(w: DestinationWrite): Promise<WriteResult> {
    this.calls.write++;
    const failure = this.injected("write", w.name);
    if (failure && failure.mode === "silent") return { warnings: [] };
    if (failure) {
      const echoed = failure.echoValue ? `: rejected body ${JSON.stringify(w.data)}` : "";
      throw fakeError(w.name, "INJECTED", `${this.location}: write of '${w.name}' failed (injected)${echoed}`);
    }
    const problem = this.validate(w);
    if (problem) throw fakeError(w.name, "INVALID", problem);
    let r = this.records.get(nameKey(this.naming, w.name));
    // Planned as a create: someone else's secret there (live or soft-deleted) appeared since planning.
    if (w.expectAbsent && r && !writtenByMigration(parseMarkers(this.current(r).tags), w.migrationId)) throw fakeError(w.name, APPEARED_SINCE_PLANNING, appearedMessage(this.location, w.name));
    if (r?.deleted) {
      if ((this.options.softDeleted ?? "recover") === "fail") {
        throw fakeError(w.name, "SOFT_DELETED", `${this.location}: secret '${w.name}' is soft-deleted; recover or purge it, then retry`);
      }
      r.deleted = false;
    }
    if (r?.managed) throw fakeError(w.name, "MANAGED", `${this.location}: secret '${w.name}' is managed by the destination and cannot be written`);
    const { tags, expiresOn, warnings } = this.encode(w);
    const version: FakeVersion = { data: clone(w.data), tags, ...(expiresOn ? { expiresOn } : {}) };
    if (!r) {
      r = { name: w.name, versions: [], enabled: true, deleted: false, managed: false };
      this.records.set(nameKey(this.naming, w.name), r);
    }
    if (this.options.versions === false) r.versions.length = 0;
    r.versions.push(version);
    r.enabled = true;
    this.writes++;
    return { warnings };
  }

  expectedFingerprint(w: DestinationWrite): string {
    this.calls.expectedFingerprint++;
    return contentFingerprint(this.options.fingerprintKey, w.data);
  }

  async storedFingerprint(name: string): Promise<string | undefined> {
    this.calls.storedFingerprint++;
    const failure = this.injected("storedFingerprint", name);
    const r = this.live(name);
    if (failure) {
      const echoed = failure.echoValue && r ? `: answer body ${JSON.stringify(this.current(r).data)}` : "";
      throw fakeError(name, "INJECTED", `${this.location}: storedFingerprint of '${name}' failed (injected)${echoed}`);
    }
    // A disabled secret cannot be read (as in Key Vault): absent, so the plan rewrites it.
    if (!r || !r.enabled) return undefined;
    return contentFingerprint(this.options.fingerprintKey, this.current(r).data);
  }

  async remove(name: string): Promise<void> {
    this.calls.remove++;
    this.failIfInjected("remove", name);
    const key = nameKey(this.naming, name);
    const r = this.records.get(key);
    if (!r || r.deleted) return;
    this.removals++;
    if (this.options.softDelete ?? true) r.deleted = true;
    else this.records.delete(key);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  // ---- what a test does to it from outside the migration ----

  /** Injects a failure; see {@link FakeFailure}. */
  inject(failure: FakeFailure): void {
    this.failures.push({ failure, left: failure.times ?? Infinity });
  }

  clearFailures(): void {
    this.failures = [];
  }

  /** A secret nobody's migration wrote (optionally with tags of its own, e.g. seed 003's markers). */
  seedForeign(name: string, data: SecretData, tags: Record<string, string> = {}): void {
    this.records.set(nameKey(this.naming, name), { name, versions: [{ data: clone(data), tags: { ...tags } }], enabled: true, deleted: false, managed: false });
  }

  /** A secret the destination itself manages (Key Vault: certificate-backed). */
  seedManaged(name: string, data: SecretData): void {
    this.seedForeign(name, data);
    (this.records.get(nameKey(this.naming, name)) as FakeRecord).managed = true;
  }

  /**
   * A person sets a new value. By default the new version carries no tags (as `az keyvault secret
   * set` would): the planner sees the edit through the older versions' markers. With
   * `keepMarkers` the tags are copied onto it, so only a value comparison (verify) can see it.
   */
  editByHand(name: string, data: SecretData, options: { keepMarkers?: boolean } = {}): void {
    const r = this.live(name);
    if (!r) throw new Error(`fake destination: no secret '${name}' to edit`);
    const tags = options.keepMarkers ? { ...this.current(r).tags } : {};
    r.versions.push({ data: clone(data), tags });
  }

  /** Soft-deletes (or, without soft delete, removes) a secret outside the migration. */
  softDelete(name: string): void {
    const r = this.records.get(nameKey(this.naming, name));
    if (!r) throw new Error(`fake destination: no secret '${name}' to delete`);
    r.deleted = true;
  }

  /** Disables a secret (it stays listed, its value cannot be read). */
  disable(name: string): void {
    const r = this.live(name);
    if (!r) throw new Error(`fake destination: no secret '${name}' to disable`);
    r.enabled = false;
  }

  /** What is stored under `name`, deleted or not (for assertions). */
  record(name: string): FakeRecord | undefined {
    return this.records.get(nameKey(this.naming, name));
  }

  /** The current value under `name`, or undefined when absent or soft-deleted. */
  value(name: string): SecretData | undefined {
    const r = this.live(name);
    return r ? clone(this.current(r).data) : undefined;
  }

  /** The parsed markers of the current version, or undefined. */
  markers(name: string): Markers | undefined {
    const r = this.live(name);
    return r ? parseMarkers(this.current(r).tags) : undefined;
  }

  /** Names of the live secrets, as stored. */
  names(): string[] {
    return [...this.records.values()].filter((r) => !r.deleted).map((r) => r.name).sort();
  }

  // ---- internals ----

  private live(name: string): FakeRecord | undefined {
    const r = this.records.get(nameKey(this.naming, name));
    return r && !r.deleted ? r : undefined;
  }

  private current(r: FakeRecord): FakeVersion {
    return r.versions[r.versions.length - 1] as FakeVersion;
  }

  private entryOf(r: FakeRecord): DestinationEntry {
    return { name: r.name, markers: parseMarkers(this.current(r).tags), enabled: r.enabled, ...(r.managed ? { managed: true } : {}), ...(r.deleted ? { deleted: true } : {}) };
  }

  /** The markers and copied custom_metadata as one flat map, within the metadata budget. */
  private encode(w: DestinationWrite): { tags: Record<string, string>; expiresOn?: string; warnings: string[] } {
    const path = fullSourcePath(w.source);
    const say = (m: string): string => `${this.location}: secret '${w.name}': ${m}`;
    const warnings: string[] = [];
    const tags: Record<string, string> = {
      [MARKER_KEYS.migratedFrom]: MIGRATED_FROM,
      [MARKER_KEYS.vaultPath]: truncateSourcePath(path),
      [MARKER_KEYS.fingerprint]: w.fingerprint,
      [MARKER_KEYS.mappingHash]: w.mappingHash,
      // The hash the planner expects (`sourceMetadataHash(source, expiry)`), from what the write carries.
      [MARKER_KEYS.metadataHash]: sourceMetadataHash(w.source, this.options.expiry),
      [MARKER_KEYS.migrationId]: w.migrationId,
    };
    if (w.source.kvVersion === 2 && w.source.currentVersion !== undefined) tags[MARKER_KEYS.originalVersion] = String(w.source.currentVersion);
    const expiry = resolveExpiry(w.source, this.options.expiry);
    if (expiry.warning) warnings.push(say(expiry.warning.message));
    if (expiry.expiresOn) tags[EXPIRES_TAG] = expiry.expiresOn.toISOString();
    const limits = this.options.metadataLimits ?? { maxKeys: 8, maxKeyLength: 64 };
    let kept = 0;
    for (const key of Object.keys(w.source.customMetadata).sort()) {
      if (key.length > limits.maxKeyLength) {
        warnings.push(say(`secret [${path}]: custom_metadata [${shortKey(key)}] dropped: key over ${limits.maxKeyLength} characters`));
      } else if (kept >= limits.maxKeys) {
        warnings.push(say(`secret [${path}]: custom_metadata [${shortKey(key)}] dropped: at most ${limits.maxKeys} keys`));
      } else {
        tags[`${META_PREFIX}${key}`] = w.source.customMetadata[key] as string;
        kept++;
      }
    }
    return { tags, ...(expiry.expiresOn ? { expiresOn: expiry.expiresOn.toISOString() } : {}), warnings };
  }

  private injected(method: FakeMethod, name: string | undefined): FakeFailure | undefined {
    const hit = this.failures.find((f) => f.left > 0 && f.failure.method === method && (f.failure.name === undefined || (name !== undefined && nameKey(this.naming, f.failure.name) === nameKey(this.naming, name))));
    if (!hit) return undefined;
    hit.left--;
    return hit.failure;
  }

  private failIfInjected(method: FakeMethod, name: string | undefined): void {
    if (this.injected(method, name)) throw fakeError(name ?? "", "INJECTED", `${this.location}: ${method}${name ? ` of '${name}'` : ""} failed (injected)`);
  }
}

// A free generator, as the real drivers have (async-generator methods do not survive the closure serializer).
async function* listEntries(snapshot: () => readonly DestinationEntry[]): AsyncGenerator<DestinationEntry> {
  for (const e of snapshot()) yield e;
}
