// Vault/OpenBao KV as a migration destination: cross-namespace and cross-cluster copies.
// Top-level imports only: this runs inside a serialized dynamic provider.
import {
  deleteKvSecret,
  detectKvMount,
  isCasMismatch,
  isLiveKvVersion,
  readKvMetadata,
  readKvSecret,
  walkKv,
  writeKvMetadata,
  writeKvSecret,
} from "../../../clients/vault/kv";
import type { VaultConnection } from "../../../clients/vault/connection";
import { normalizeMount } from "../../../clients/vault/kvMounts";
import { VaultClient } from "../../../clients/vault/VaultClient";
import { contentFingerprint, fingerprint, fingerprintMatches, fullSourcePath, mapConcurrent, metadataHash, type DestinationEntry, type FingerprintKey, type KvVersion, type SecretData } from "../../../engine";
import type { DestinationWrite, MigrationDestination, WriteResult } from "../../destination";
import { APPEARED_SINCE_PLANNING, appearedMessage, writtenByMigration } from "../../writes";
import type { SourceHistory, SourceKvDetails } from "../../source";
import { namedError } from "../../../engine/errors";
import { KV_MARKER_KEYS, copiedKvMetadata, encodeKvMarkers, parseKvMarkers } from "./markers";
import { KV_V1_MARKER_FOLDER, vaultKvNaming } from "./naming";

export interface VaultDestinationOptions {
  /** Where to write: address, namespace (`X-Vault-Namespace`), token or AppRole, CA bundle. */
  readonly connection: VaultConnection;
  /** KV mount in the destination, e.g. `secret`. */
  readonly mount: string;
  /** Detected from `sys/mounts` (or `sys/internal/ui/mounts`) when omitted. */
  readonly kvVersion?: KvVersion;
  /** Folder the names are written under, e.g. `migrated/`; the mount's root when omitted. */
  readonly prefix?: string;
  /** Per-stack key of the keyed fingerprints (at least 16 bytes). */
  readonly fingerprintKey: FingerprintKey;
  /**
   * KV v2 → KV v2: copy the source's custom_metadata, max_versions, cas_required and
   * delete_version_after (default true). Markers are written either way.
   */
  readonly copyMetadata?: boolean;
  /** KV v2 → KV v2: write every live source version, oldest first, instead of the current one only (default false). */
  readonly replayVersions?: boolean;
  /** Requests in flight (walk and metadata reads of `entries()`). Default 16. */
  readonly concurrency?: number;
  /** The source's history (KV v2 sources): asked for older versions when replaying, and for settings a write's plan did not carry. */
  readonly sourceHistory?: SourceHistory;
}

function destinationError(name: string, code: string, message: string): Error & { code: string; secretName: string } {
  return namedError("VaultDestinationError", message, { code, secretName: name });
}

function trimSlashes(p: string | undefined): string {
  return (p ?? "").replace(/^\/+|\/+$/g, "");
}

/**
 * Vault/OpenBao KV (v1 or v2) as a migration destination. Names are secret paths under
 * `mount/prefix`; data maps are written as they are (no shaping).
 *
 * Markers — KV v2: in the secret's `custom_metadata` (see engine `kvmarkers.ts`: reserved keys
 * win over copied source keys), including `migration-dest-version`, the version our write
 * creates. KV v1 has no metadata, so the markers of `<prefix>/<name>` are a small non-secret KV v1
 * secret at `<prefix>/.vault-migration/<name>` (paths, version, keyed fingerprints, hashes).
 *
 * Crash safety: a write takes several requests, and a run may stop between any two (a kill, a
 * lost answer, a failed request). So the markers are written FIRST, as an intent, and the data
 * after; every state in between is one the next listing recognises as ours:
 * - KV v2: the metadata (markers, settings) announces `migration-dest-version` = the version the
 *   check-and-set data write(s) will create (known in advance: current + number of writes). Then
 *   `current_version` < dest-version: our write did not finish (`interrupted`, rewritten on top);
 *   `=`: the copy is whole; `>`: someone wrote after us (`handEdited`). A first copy stopped after
 *   the metadata has no version yet and is simply absent (created again, check-and-set 0). A
 *   replay records where it started (`migration-replay`), so a resumed one skips what landed.
 *   Limit: a hand write of exactly dest-version after an interrupted write looks like our copy
 *   (the fingerprint says so without reading the value); `verify` (checkValues) still catches it.
 * - KV v1: the marker file is written first with the keyed fingerprint of the new value AND of
 *   the value it replaces (`migration-previous-fingerprint`, `absent` when none), then the value.
 *   A stored value matching the fingerprint is our copy; matching the previous one, our
 *   interrupted write; anything else was written by someone else (`handEdited`). This costs one
 *   read of the old value per write, and keeps hand edits apart from our own stops.
 *
 * Writes — KV v2: check-and-set against the destination's current version (read just before
 * writing, 0 when absent), so a concurrent writer is never overwritten silently: the write fails
 * with code `CAS_CONFLICT`. A check-and-set whose answer was lost is verified, not repeated blindly
 * (`writeKvSecret`). When our own copy is current and holds the same data (a metadata-only or
 * mapping change) no data version is added, only the metadata is rewritten (one request). KV v1:
 * plain writes (last writer wins; v1 has no CAS).
 *
 * Verification — KV v2: none read back; the check-and-set's answer is the proof (three requests
 * per secret: metadata read, markers, data). KV v1: the run reads the value back.
 *
 * Capabilities (paths relative to the mount, `<p>` = prefix + name):
 * - KV v2: `list` on `metadata/<prefix>*`, `read` on `metadata/<p>` (entries, write),
 *   `create` + `update` on `data/<p>` (write), `create` + `update` on `metadata/<p>` (markers and
 *   settings), `read` on `data/<p>` (storedFingerprint, CAS retry check), `delete` on `data/<p>`
 *   (remove: soft delete of the current version).
 * - KV v1: `list` + `read` on `<prefix>*` (entries and writes read values to fingerprint them), `create` +
 *   `update` + `delete` on `<p>` and `<prefix>/.vault-migration/<name>`.
 * - Detection without `kvVersion`: `read` on `sys/mounts` (else the `sys/internal/ui/mounts` fallback).
 */
export function createVaultDestination(options: VaultDestinationOptions): MigrationDestination {
  const concurrency = options.concurrency ?? 16;
  const client = VaultClient.connect(options.connection, { connections: concurrency });
  const mount = normalizeMount(options.mount);
  const prefix = trimSlashes(options.prefix);
  const copyMetadata = options.copyMetadata ?? true;
  const replay = options.replayVersions ?? false;
  const ns = options.connection.namespace ? ` namespace ${trimSlashes(options.connection.namespace)}` : "";
  const location = `${client.address}${ns} ${mount}/${prefix ? `${prefix}/` : ""}`;
  const key = options.fingerprintKey;

  let detected: Promise<KvVersion> | undefined;
  const kvVersion = (): Promise<KvVersion> => (detected ??= options.kvVersion !== undefined ? Promise.resolve(options.kvVersion) : detectKvMount(client, mount).then((m) => m.kvVersion));

  const full = (name: string): string => (prefix ? `${prefix}/${name}` : name);
  const markerPath = (name: string): string => `${prefix ? `${prefix}/` : ""}${KV_V1_MARKER_FOLDER}/${name}`;
  const checkName = (name: string): void => {
    if (!vaultKvNaming.isValid(name)) throw destinationError(name, "INVALID_NAME", `${location}: '${name}' is not a valid secret path`);
  };

  async function entryV2(name: string): Promise<DestinationEntry | undefined> {
    const meta = await readKvMetadata(client, mount, full(name));
    if (!meta || meta.currentVersion < 1) return undefined;
    const { markers, destinationVersion } = parseKvMarkers(meta.customMetadata);
    // A soft-deleted or destroyed current version still holds the path and its history (a write
    // adds a version on top). Listed as `deleted` with the markers custom_metadata keeps, so the
    // planner re-creates our own removed copy and treats anyone else's as existing.
    if (!isLiveKvVersion(meta.versions[String(meta.currentVersion)])) return { name, markers, enabled: true, deleted: true };
    // Our markers announce a version not yet written: the run stopped between metadata and data.
    if (markers?.mappingHash && destinationVersion !== undefined && destinationVersion > meta.currentVersion) return { name, markers, enabled: true, interrupted: true };
    let handEdited = false;
    if (markers?.mappingHash) {
      // Data written after ours, or copied custom_metadata edited by hand (checked only when
      // nothing was dropped, so the copy is complete and its hash comparable).
      if (destinationVersion !== undefined && destinationVersion !== meta.currentVersion) handEdited = true;
      const complete = meta.customMetadata[KV_MARKER_KEYS.droppedKeys] === undefined;
      if (copyMetadata && complete && markers.metadataHash && metadataHash(copiedKvMetadata(meta.customMetadata)) !== markers.metadataHash) handEdited = true;
    }
    return { name, markers, enabled: true, ...(handEdited ? { handEdited: true } : {}) };
  }

  async function entryV1(name: string): Promise<DestinationEntry | undefined> {
    const [value, marker] = await Promise.all([readKvSecret(client, mount, 1, full(name)), readKvSecret(client, mount, 1, markerPath(name))]);
    if (!value) return undefined;
    const fields = marker?.data as Record<string, string> | undefined;
    const { markers } = parseKvMarkers(fields);
    if (markers?.mappingHash === undefined) return { name, markers, enabled: true };
    if (markers.fingerprint !== undefined && fingerprintMatches(markers.fingerprint, key, markers.sourcePath, value.data)) return { name, markers, enabled: true };
    // Still the value our marker says it replaces: our write stopped between marker and value.
    const previous = fields?.[KV_MARKER_KEYS.previousFingerprint];
    if (previous !== undefined && previous === fingerprint(key, markers.sourcePath, value.data)) return { name, markers, enabled: true, interrupted: true };
    // KV v1 keeps no history: every other value was written by someone else.
    return { name, markers, enabled: true, handEdited: true };
  }

  function nameProblem(name: string, sourcePath: string): string | undefined {
    return vaultKvNaming.isValid(name) ? undefined : `${location}: '${name}' (from ${sourcePath}) is not a valid secret path`;
  }

  function appearedError(name: string): Error {
    return destinationError(name, APPEARED_SINCE_PLANNING, appearedMessage(location, name));
  }

  async function casWrite(name: string, data: SecretData, cas: number): Promise<number> {
    try {
      const r = await writeKvSecret(client, mount, 2, full(name), data, { cas });
      if (r.version === undefined) throw destinationError(name, "NO_VERSION", `${location}: secret '${name}': the write answered without a version`);
      return r.version;
    } catch (e) {
      if (!isCasMismatch(e)) throw e;
      throw destinationError(
        name,
        "CAS_CONFLICT",
        `${location}: secret '${name}' changed concurrently (check-and-set expected version ${cas}); nothing was overwritten, the next run re-plans it`,
      );
    }
  }

  /**
   * Source versions to write before the current one (live, older than it, newer than our last
   * copy) and the source version the list starts after. After an interrupted write of ours, it
   * resumes past what landed: versions land in order, so `current - base` of that replay are in,
   * and a pending write without a replay marker held no older version (only its own current one).
   */
  function replayVersions(w: DestinationWrite, details: SourceKvDetails | undefined, prev: ReturnType<typeof parseKvMarkers>, current: number, pending: boolean): { after: number; list: number[] } {
    if (!replay || !details || w.source.currentVersion === undefined || !options.sourceHistory) return { after: 0, list: [] };
    const target = w.source.currentVersion;
    const live = (after: number): { after: number; list: number[] } => ({ after, list: details.liveVersions.filter((v) => v > after && v < target) });
    const markers = prev.markers;
    if (markers?.mappingHash === undefined || markers.sourcePath !== fullSourcePath(w.source)) return live(0);
    if (!pending) return live(markers.sourceVersion ?? 0);
    const r = prev.replay;
    if (r && r.base <= current) {
      const landed = live(r.after).list.slice(0, current - r.base);
      return live(landed.length > 0 ? (landed[landed.length - 1] as number) : r.after);
    }
    return live(Math.max(0, (markers.sourceVersion ?? 1) - 1));
  }

  function warningsOf(w: DestinationWrite, list: readonly { message: string }[]): WriteResult {
    return { warnings: list.map((x) => `${location}: secret '${w.name}': ${x.message}`) };
  }

  async function writeV2(w: DestinationWrite): Promise<WriteResult> {
    const meta = await readKvMetadata(client, mount, full(w.name));
    const current = meta?.currentVersion ?? 0;
    const path = w.source.path;
    // The settings the plan listed spare a source metadata GET per secret; without them (a plan that
    // does not know, e.g. drift a refresh found) the source is asked, as is a replay, for its versions.
    const ask = replay || (copyMetadata && w.sourceSettings === undefined);
    const details = ask && options.sourceHistory ? await options.sourceHistory.details(path) : undefined;
    const known = options.sourceHistory ? (ask ? details : w.sourceSettings) : undefined;
    const prev = parseKvMarkers(meta?.customMetadata);
    // Planned as a create: someone else's secret that appeared since planning is not overwritten.
    if (w.expectAbsent && meta && !writtenByMigration(prev.markers, w.migrationId)) throw appearedError(w.name);
    const pending = prev.markers?.mappingHash !== undefined && prev.destinationVersion !== undefined && prev.destinationVersion > current;
    // Our copy is still the current version and holds this data: only the metadata needs writing.
    const unchanged =
      prev.markers?.mappingHash !== undefined &&
      current > 0 &&
      prev.destinationVersion === current &&
      isLiveKvVersion(meta?.versions[String(current)]) &&
      (prev.markers.fingerprint === w.fingerprint || prev.markers.fingerprint === contentFingerprint(key, w.data)) &&
      (!replay || prev.markers.sourceVersion === w.source.currentVersion);
    // Defaults are sent too: a destination secret set otherwise gets the source's defaults.
    const settings = copyMetadata && known ? { maxVersions: known.maxVersions, casRequired: known.casRequired, deleteVersionAfter: known.deleteVersionAfter } : {};
    // Older versions are read before anything is written, so the version count is known (one gone
    // from the source since listing is skipped) and the announced dest-version is exact.
    const older: SecretData[] = [];
    const { after, list } = unchanged ? { after: 0, list: [] } : replayVersions(w, details, prev, current, pending);
    for (const v of list) {
      const data = await (options.sourceHistory as SourceHistory).readVersion(path, v);
      if (data) older.push(data);
    }
    const target = unchanged ? current : current + older.length + 1;
    const encoded = encodeKvMarkers({
      secret: w.source,
      fingerprint: w.fingerprint,
      mappingHash: w.mappingHash,
      migrationId: w.migrationId,
      destinationVersion: target,
      ...(older.length > 0 ? { replay: { after, base: current } } : {}),
      copyCustomMetadata: copyMetadata,
    });
    // Markers and settings first (see the crash-safety note above); with the settings in place
    // first, max_versions never prunes versions being replayed.
    await writeKvMetadata(client, mount, full(w.name), { customMetadata: encoded.customMetadata, ...settings });
    if (!unchanged) {
      let version = current;
      for (const data of older) version = await casWrite(w.name, data, version);
      version = await casWrite(w.name, w.data, version);
      if (version !== target) throw destinationError(w.name, "VERSION_MISMATCH", `${location}: secret '${w.name}': the write created version ${version}, not the announced ${target}; the next run re-plans it`);
    }
    // Verified without a read back: the check-and-set created exactly version `target` from this
    // data (a lost answer is checked against the stored data by writeKvSecret), or, unchanged, our
    // keyed fingerprint and dest-version showed the current version holds it.
    return { ...warningsOf(w, encoded.warnings), verified: true };
  }

  async function writeV1(w: DestinationWrite): Promise<WriteResult> {
    // Marker first, naming the value it replaces, then the value (see the crash-safety note above).
    const before = await readKvSecret(client, mount, 1, full(w.name));
    // Planned as a create: someone else's secret that appeared since planning is not overwritten.
    if (w.expectAbsent && before && !writtenByMigration(parseKvMarkers((await readKvSecret(client, mount, 1, markerPath(w.name)))?.data as Record<string, string> | undefined).markers, w.migrationId)) throw appearedError(w.name);
    const encoded = encodeKvMarkers({ secret: w.source, fingerprint: w.fingerprint, mappingHash: w.mappingHash, migrationId: w.migrationId, copyCustomMetadata: false });
    // Bound to the path the marker records, as the listing recomputes it (see entryV1).
    const markedPath = parseKvMarkers(encoded.customMetadata).markers?.sourcePath ?? fullSourcePath(w.source);
    const marker = { ...encoded.customMetadata, [KV_MARKER_KEYS.previousFingerprint]: before ? fingerprint(key, markedPath, before.data) : "absent" };
    await writeKvSecret(client, mount, 1, markerPath(w.name), marker);
    await writeKvSecret(client, mount, 1, full(w.name), w.data);
    const dropped = Object.keys(w.source.customMetadata).length;
    // KV v1 has no metadata to carry the source's custom_metadata: say so rather than drop it silently.
    return warningsOf(w, dropped ? [{ message: `secret [${fullSourcePath(w.source)}]: ${dropped} custom_metadata key(s) not copied: a KV v1 destination has no metadata` }] : []);
  }

  // A free generator, not an object-literal method: the closure serializer cannot re-create those.
  async function* entries(): AsyncGenerator<DestinationEntry> {
    const kv = await kvVersion();
    const base = prefix ? `${prefix}/` : "";
    const markerFolder = `${base}${KV_V1_MARKER_FOLDER}/`;
    async function* names(): AsyncGenerator<string> {
      for await (const p of walkKv(client, mount, kv, { prefix, concurrency })) {
        if (!p.startsWith(markerFolder)) yield p.slice(base.length);
      }
    }
    for await (const r of mapConcurrent(names(), concurrency, (name) => (kv === 2 ? entryV2(name) : entryV1(name)))) {
      if (!r.ok) throw r.error;
      if (r.value) yield r.value;
    }
  }

  return {
    kind: "vault",
    location,
    naming: vaultKvNaming,
    // KV v1 keeps one value per path: no history, no check-and-set, no metadata.
    capabilities: async () => ((await kvVersion()) === 2 ? { softDelete: true, versions: true, checkAndSet: true, metadata: true, expiry: false } : { softDelete: false, versions: false, checkAndSet: false, metadata: false, expiry: false }),
    shaping: { copyMetadata, replayVersions: replay },

    entries,

    // Markers are per secret (metadata or marker file), not per version, and written before the
    // data, so an unmarked entry carries nothing of ours: hand edits and interrupted writes of our
    // copies are already flagged by `entries()`.
    inspectUnmarked: async (entry) => entry,

    validate(w) {
      const problem = nameProblem(w.name, fullSourcePath(w.source));
      if (problem) return problem;
      // A KV source always reads as a map; checked for other sources' sake, at the write only.
      if (typeof w.data !== "object" || w.data === null || Array.isArray(w.data)) return `${location}: secret '${w.name}': the source value is not a key/value map`;
      return undefined;
    },

    // KV stores any key/value map and this destination has no notices: the checks before the
    // first write need the name only, and read no value.
    validateWithoutValue: nameProblem,

    async write(w) {
      checkName(w.name);
      return (await kvVersion()) === 2 ? writeV2(w) : writeV1(w);
    },

    expectedFingerprint: (w) => contentFingerprint(key, w.data),

    async storedFingerprint(name) {
      checkName(name);
      const v = await readKvSecret(client, mount, await kvVersion(), full(name));
      return v ? contentFingerprint(key, v.data) : undefined;
    },

    async remove(name) {
      checkName(name);
      const kv = await kvVersion();
      await deleteKvSecret(client, mount, kv, full(name));
      if (kv === 1) await deleteKvSecret(client, mount, 1, markerPath(name));
    },

    close: () => client.close(),
  };
}

