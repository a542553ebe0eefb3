// The migration's source: one KV mount (optionally a prefix) of a Vault/OpenBao server.
import { detectKvMount, inventoryKv, isLiveKvVersion, readKvMetadata, readKvSecret } from "../clients/vault/kv";
import type { VaultConnection } from "../clients/vault/connection";
import { lookupSelfIdentity, type TokenIdentity } from "../clients/vault/tokenIdentity";
import { VaultClient } from "../clients/vault/VaultClient";
import type { FingerprintKey, KvVersion, Mapper, SourceSecret } from "../engine";
import type { MigrationSource, SourceHistory, SourceKvDetails, SourceValue } from "./source";

export interface VaultSourceSettings {
  /** KV mount, e.g. `secret`. */
  mount: string;
  /** Detected from `sys/mounts` when omitted. */
  kvVersion?: KvVersion;
  /** Folder under the mount to migrate, e.g. `apps/`; the whole mount when omitted. */
  prefix?: string;
  /** Requests in flight against Vault. */
  concurrency: number;
}

/** A KV source bound to a connection. Reads values only when asked, and never keeps them. */
export class VaultSource implements MigrationSource {
  private constructor(
    private readonly client: VaultClient,
    readonly mount: string,
    readonly kvVersion: KvVersion,
    private readonly settings: VaultSourceSettings,
  ) {}

  /** Connects and settles the KV version (detected unless given). */
  static async open(connection: VaultConnection, settings: VaultSourceSettings): Promise<VaultSource> {
    const client = VaultClient.connect(connection, { connections: settings.concurrency });
    try {
      const mount = settings.mount.replace(/^\/+|\/+$/g, "");
      const kvVersion = settings.kvVersion ?? (await detectKvMount(client, mount)).kvVersion;
      return new VaultSource(client, mount, kvVersion, settings);
    } catch (e) {
      await client.close();
      throw e;
    }
  }

  /** Where this source reads, for messages: `mount/prefix`. */
  get scope(): string {
    const prefix = (this.settings.prefix ?? "").replace(/^\/+|\/+$/g, "");
    return prefix ? `${this.mount}/${prefix}` : this.mount;
  }

  /** Metadata-only inventory (KV v1 values are fingerprinted in memory); paths the mapper excludes are never read. */
  inventory(mapper: Mapper, fingerprintKey: FingerprintKey): AsyncGenerator<SourceSecret> {
    return inventoryKv(this.client, {
      mount: this.mount,
      kvVersion: this.kvVersion,
      prefix: this.settings.prefix,
      concurrency: this.settings.concurrency,
      fingerprintKey,
      filter: (path) => mapper.map({ mount: this.mount, path }).kind !== "excluded",
    });
  }

  /** One value (at `version` on KV v2), with the metadata of that version; undefined when gone. */
  async read(path: string, version?: number): Promise<SourceValue | undefined> {
    const v = await readKvSecret(this.client, this.mount, this.kvVersion, path, version ? { version } : {});
    if (!v) return undefined;
    const secret: SourceSecret = {
      mount: this.mount,
      path,
      kvVersion: this.kvVersion,
      ...(v.version !== undefined ? { currentVersion: v.version } : {}),
      state: "live",
      customMetadata: v.customMetadata ?? {},
      // The same base of relative expiries as the inventory's (the version's write time).
      ...(v.createdTime ? { updatedTime: v.createdTime } : {}),
    };
    return { secret, data: v.data };
  }

  /** KV v2 only: settings and older versions, for destinations that copy them. */
  get history(): SourceHistory | undefined {
    if (this.kvVersion !== 2) return undefined;
    return { details: (path) => this.details(path), readVersion: async (path, version) => (await this.read(path, version))?.data };
  }

  /**
   * KV v2: the secret's metadata settings and live versions (no value); undefined on KV v1 or when gone.
   * Capabilities: `read` on `<mount>/metadata/<path>`.
   */
  async details(path: string): Promise<SourceKvDetails | undefined> {
    if (this.kvVersion !== 2) return undefined;
    const m = await readKvMetadata(this.client, this.mount, path);
    if (!m) return undefined;
    const now = Date.now();
    const liveVersions = Object.keys(m.versions)
      .map(Number)
      .filter((v) => isLiveKvVersion(m.versions[String(v)], now))
      .sort((a, b) => a - b);
    return { maxVersions: m.maxVersions, casRequired: m.casRequired, deleteVersionAfter: m.deleteVersionAfter, liveVersions };
  }

  /** Who this source reads as (`auth/token/lookup-self`), so its reads can be told apart in the audit log. */
  identity(): Promise<TokenIdentity> {
    return lookupSelfIdentity(this.client);
  }

  /** The namespace the source reads in, if any. */
  get namespace(): string | undefined {
    return this.client.namespace;
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
