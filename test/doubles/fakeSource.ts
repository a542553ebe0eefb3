/**
 * FakeSource: an in-memory KV v1 / v2 tree behind the MigrationSource contract, for unit tests of
 * the run code (plan → apply → verify → report) and for the destination conformance suite. It
 * behaves as `VaultSource` does: KV v2 inventory is metadata only (no value read), KV v1 values are
 * fingerprinted at inventory, reads pin a version, deleted and destroyed versions read as gone.
 * Test infrastructure only: production code must never import it.
 */
import { contentFingerprint, fingerprint, fullSourcePath, normalizeMount, type FingerprintKey, type KvVersion, type Mapper, type SecretData, type SourceSecret, type SourceState } from "../../src/engine";
import type { MigrationSource, SourceHistory, SourceKvDetails, SourceValue } from "../../src/migration/source";

interface FakeVersion {
  data: SecretData;
  createdTime: string;
  state: SourceState;
}

interface FakeSecret {
  /** Index 0 is version 1. KV v1 keeps only one. */
  versions: FakeVersion[];
  customMetadata: Record<string, string>;
  maxVersions: number;
  casRequired: boolean;
  deleteVersionAfter: string;
}

export interface FakeSourceOptions {
  /** Mount without slashes. Default `secret`. */
  mount?: string;
  /** Default 2. */
  kvVersion?: KvVersion;
  /** Folder under the mount this migration reads (its scope), e.g. `apps`. */
  prefix?: string;
  /** Write times; default a clock that starts at 2026-01-01T00:00:00Z and moves 1 s per write. */
  now?: () => Date;
}

/** What the fake has been asked, to prove e.g. that a KV v2 inventory reads no value. */
export interface FakeSourceCounters {
  /** Values read by `read` and `history.readVersion`. */
  valueReads: number;
  /** Values read while inventorying (KV v1 only). */
  inventoryValueReads: number;
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

function trimSlashes(p: string | undefined): string {
  return (p ?? "").replace(/^\/+|\/+$/g, "");
}

export class FakeSource implements MigrationSource {
  readonly mount: string;
  readonly kvVersion: KvVersion;
  readonly counters: FakeSourceCounters;
  private readonly prefix: string;
  private readonly now: () => Date;
  private readonly secrets: Map<string, FakeSecret>;
  private readonly readFailures: Map<string, string>;

  constructor(options: FakeSourceOptions = {}) {
    this.mount = normalizeMount(options.mount ?? "secret");
    this.kvVersion = options.kvVersion ?? 2;
    this.prefix = trimSlashes(options.prefix);
    let tick = Date.parse("2026-01-01T00:00:00Z");
    this.now = options.now ?? (() => new Date((tick += 1_000)));
    this.secrets = new Map();
    this.readFailures = new Map();
    this.counters = { valueReads: 0, inventoryValueReads: 0 };
  }

  get scope(): string {
    return this.prefix ? `${this.mount}/${this.prefix}` : this.mount;
  }

  // ---- seeding and changing the tree (what a person or an application would do) ----

  /** Writes a value at `path` (relative to the mount): KV v2 adds a version, KV v1 replaces. Returns the version. */
  put(path: string, data: SecretData, options: { customMetadata?: Record<string, string> } = {}): number {
    const p = trimSlashes(path);
    const existing = this.secrets.get(p);
    const version: FakeVersion = { data: clone(data), createdTime: this.now().toISOString(), state: "live" };
    if (!existing || this.kvVersion === 1) {
      this.secrets.set(p, { versions: [version], customMetadata: this.kvVersion === 2 ? { ...(options.customMetadata ?? existing?.customMetadata ?? {}) } : {}, maxVersions: 0, casRequired: false, deleteVersionAfter: "0s" });
      return this.kvVersion === 2 ? 1 : 0;
    }
    existing.versions.push(version);
    if (options.customMetadata) existing.customMetadata = { ...options.customMetadata };
    return existing.versions.length;
  }

  /** KV v2: replaces custom_metadata without a new version (as Vault's metadata endpoint does). */
  setCustomMetadata(path: string, customMetadata: Record<string, string>): void {
    this.secret(path).customMetadata = { ...customMetadata };
  }

  /** KV v2: sets max_versions, cas_required, delete_version_after. */
  setSettings(path: string, settings: Partial<Pick<FakeSecret, "maxVersions" | "casRequired" | "deleteVersionAfter">>): void {
    Object.assign(this.secret(path), settings);
  }

  /** KV v2: soft-deletes (`deleted`) or destroys a version, the current one by default. */
  deleteVersion(path: string, version?: number, state: "deleted" | "destroyed" = "deleted"): void {
    const s = this.secret(path);
    const v = s.versions[(version ?? s.versions.length) - 1];
    if (!v) throw new Error(`fake source: ${path} has no version ${version}`);
    v.state = state;
  }

  /** Removes the secret and its history (KV v2 metadata delete, KV v1 delete). */
  remove(path: string): void {
    this.secrets.delete(trimSlashes(path));
  }

  /** Later reads of `path` (value reads, not inventory) fail with `message` (a path, never a value). */
  failReads(path: string, message = `fake source: read of ${path} refused`): void {
    this.readFailures.set(trimSlashes(path), message);
  }

  clearFailures(): void {
    this.readFailures.clear();
  }

  /** Current version of a KV v2 secret (0 on KV v1 or when absent). */
  currentVersion(path: string): number {
    return this.kvVersion === 2 ? this.secrets.get(trimSlashes(path))?.versions.length ?? 0 : 0;
  }

  // ---- MigrationSource ----

  inventory(mapper: Mapper, fingerprintKey: FingerprintKey): AsyncIterable<SourceSecret> {
    return inventoryOf(this, mapper, fingerprintKey);
  }

  async read(path: string, version?: number): Promise<SourceValue | undefined> {
    const p = trimSlashes(path);
    const failure = this.readFailures.get(p);
    if (failure) throw new Error(failure);
    const s = this.secrets.get(p);
    if (!s) return undefined;
    const n = this.kvVersion === 2 ? version ?? s.versions.length : 1;
    const v = s.versions[n - 1];
    if (!v || v.state !== "live") return undefined;
    this.counters.valueReads++;
    const secret: SourceSecret = {
      mount: this.mount,
      path: p,
      kvVersion: this.kvVersion,
      ...(this.kvVersion === 2 ? { currentVersion: n, updatedTime: v.createdTime } : {}),
      state: "live",
      customMetadata: { ...s.customMetadata },
    };
    return { secret, data: clone(v.data) };
  }

  get history(): SourceHistory | undefined {
    if (this.kvVersion !== 2) return undefined;
    return {
      details: async (path) => this.details(path),
      readVersion: async (path, version) => (await this.read(path, version))?.data,
    };
  }

  async close(): Promise<void> {
    // Nothing to release.
  }

  // ---- used by the free inventory generator ----

  /** Paths under the scope, sorted (Vault lists in order; the planner does not depend on it). */
  paths(): string[] {
    const base = this.prefix ? `${this.prefix}/` : "";
    return [...this.secrets.keys()].filter((p) => p.startsWith(base)).sort();
  }

  /** The inventory record of one path: metadata only on KV v2, a keyed fingerprint on KV v1. */
  inventoryRecord(path: string, key: FingerprintKey): SourceSecret | undefined {
    const s = this.secrets.get(path);
    if (!s) return undefined;
    const current = s.versions[s.versions.length - 1] as FakeVersion;
    if (this.kvVersion === 1) {
      this.counters.inventoryValueReads++;
      return { mount: this.mount, path, kvVersion: 1, state: "live", customMetadata: {}, fingerprint: fingerprint(key, fullSourcePath({ mount: this.mount, path }), current.data), legacyFingerprint: contentFingerprint(key, current.data) };
    }
    return {
      mount: this.mount,
      path,
      kvVersion: 2,
      currentVersion: s.versions.length,
      state: current.state,
      customMetadata: { ...s.customMetadata },
      // The current version's write time, as `inventoryKv` gives it: reads of that version agree.
      updatedTime: current.createdTime,
    };
  }

  private details(path: string): SourceKvDetails | undefined {
    const s = this.secrets.get(trimSlashes(path));
    if (!s) return undefined;
    const liveVersions = s.versions.flatMap((v, i) => (v.state === "live" ? [i + 1] : []));
    return { maxVersions: s.maxVersions, casRequired: s.casRequired, deleteVersionAfter: s.deleteVersionAfter, liveVersions };
  }

  private secret(path: string): FakeSecret {
    const s = this.secrets.get(trimSlashes(path));
    if (!s) throw new Error(`fake source: no secret at ${path}`);
    return s;
  }
}

// A free generator, as in the real source (async-generator methods do not survive the closure serializer).
async function* inventoryOf(source: FakeSource, mapper: Mapper, key: FingerprintKey): AsyncGenerator<SourceSecret> {
  contentFingerprint(key, {}); // a short key fails before anything is read, as inventoryKv does
  for (const path of source.paths()) {
    // Excluded paths are never read, as in the real inventory.
    if (mapper.map({ mount: source.mount, path }).kind === "excluded") continue;
    const record = source.inventoryRecord(path, key);
    if (record) yield record;
  }
}
