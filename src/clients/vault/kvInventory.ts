import { mapConcurrent } from "../../engine/concurrency";
import { contentFingerprint, fingerprint, type FingerprintKey } from "../../engine/fingerprint";
import { DEFAULT_KV_SETTINGS, isDefaultKvSettings } from "../../engine/kvSettings";
import { fullSourcePath } from "../../engine/mapping";
import type { KvVersion, SecretData, SourceSecret } from "../../engine/types";
import { encodeApiPath, normalizeMount } from "./kvMounts";
import { kvMetadataFromWire, kvVersionState } from "./kvWire";
import type { VaultClient } from "./VaultClient";

/** Default in-flight LISTs (walk) and in-flight metadata/value reads (inventory). */
export const DEFAULT_KV_CONCURRENCY = 16;

// Found secret paths waiting for the consumer; no new LIST starts above this, so a slow
// consumer does not make the walk buffer the whole vault.
const LEAF_HIGH_WATER = 1_000;

export interface WalkKvOptions {
  /** Folder to start from, relative to the mount (`apps` and `apps/` are the same). Default: the whole mount. */
  prefix?: string;
  /** LIST calls in flight at most. Default {@link DEFAULT_KV_CONCURRENCY}. */
  concurrency?: number;
}

/**
 * Yields every secret path under `prefix` (relative to the mount, e.g. `apps/web/db`) by recursive
 * LIST, folders (keys ending in `/`) recursed.
 *
 * Capabilities: `list` on `<mount>/metadata/<prefix>*` (KV v2) or `<mount>/<prefix>*` (KV v1).
 *
 * Order is NOT deterministic: paths come as LIST answers arrive (depth-first-ish, newest folder
 * first); sort afterwards if you need one. Streaming: memory is bounded by the pending folders and
 * at most one LIST answer plus ~{@link LEAF_HIGH_WATER} found paths, not by the vault's size.
 * A missing prefix (404) yields nothing. A LIST error other than 404 ends the walk with that error
 * once in-flight LISTs have settled. Stopping early (`break`) waits for in-flight LISTs, so
 * nothing runs or throws behind the caller's back.
 */
export async function* walkKv(
  client: VaultClient,
  mount: string,
  kvVersion: KvVersion,
  opts: WalkKvOptions = {},
): AsyncGenerator<string, void, undefined> {
  const limit = positiveInt(opts.concurrency ?? DEFAULT_KV_CONCURRENCY);
  const m = normalizeMount(mount);
  const root = normalizePrefix(opts.prefix);
  const base = kvVersion === 2 ? `${m}/metadata/` : `${m}/`;
  // Stacks (LIFO): depth-first keeps pending folders near depth × fan-out instead of a whole level.
  const folders: string[] = [root];
  const leaves: string[] = [];
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;

  const startList = (folder: string): void => {
    const task: Promise<void> = client
      .list(base + encodeApiPath(folder))
      .then(
        (keys) => {
          for (const key of keys) (key.endsWith("/") ? folders : leaves).push(folder + key);
        },
        (error: unknown) => {
          // Kept, not thrown here: the generator rethrows it, so no rejection goes unhandled.
          failure ??= { error };
        },
      )
      .finally(() => {
        running.delete(task);
        wake?.();
        wake = undefined;
      });
    running.add(task);
  };

  try {
    for (;;) {
      if (failure) throw failure.error;
      while (running.size < limit && folders.length > 0 && leaves.length < LEAF_HIGH_WATER) {
        startList(folders.pop() as string);
      }
      if (leaves.length > 0) {
        yield leaves.pop() as string;
        continue;
      }
      if (running.size === 0) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    // Early stop or failure: let in-flight LISTs finish (their errors are already caught).
    await Promise.all(running);
  }
}

export interface InventoryKvOptions {
  mount: string;
  kvVersion: KvVersion;
  /** Folder to inventory, relative to the mount. Default: the whole mount. */
  prefix?: string;
  /** Reads in flight at most (and, separately, LISTs in flight). Default {@link DEFAULT_KV_CONCURRENCY}. */
  concurrency?: number;
  /** Per-stack key for KV v1 value fingerprints. Required for KV v1, unused for KV v2. */
  fingerprintKey?: FingerprintKey;
  /** Include/exclude decision per path, applied before any metadata or value read. */
  filter?: (path: string) => boolean;
}

/**
 * Inventories a KV mount as {@link SourceSecret}s, metadata only.
 *
 * Capabilities — KV v2: `list` + `read` on `<mount>/metadata/*` (no value is read, so no
 * `<mount>/data/*` access is needed). KV v1: `list` + `read` on `<mount>/*`: v1 has no metadata,
 * so each value is read, fingerprinted in memory with `fingerprintKey` and dropped at once — it is
 * never kept or yielded.
 *
 * Order is that of completion (not deterministic). A path gone between LIST and read (404) is
 * skipped, as is a KV v2 secret with metadata but no version (`current_version` 0: nothing to copy).
 * Any other read error ends the inventory: a partial inventory would look like deleted secrets.
 * Stopping early waits for in-flight reads before returning.
 */
export async function* inventoryKv(client: VaultClient, opts: InventoryKvOptions): AsyncGenerator<SourceSecret, void, undefined> {
  const mount = normalizeMount(opts.mount);
  const concurrency = positiveInt(opts.concurrency ?? DEFAULT_KV_CONCURRENCY);
  const key = opts.fingerprintKey;
  if (opts.kvVersion === 1) {
    if (key === undefined) throw new Error(`inventory of KV v1 mount "${mount}" needs a fingerprintKey (v1 values are fingerprinted at inventory)`);
    contentFingerprint(key, {}); // validates the key before any request
  }
  const paths = filterPaths(walkKv(client, mount, opts.kvVersion, { prefix: opts.prefix, concurrency }), opts.filter);
  const inspect =
    opts.kvVersion === 2
      ? (path: string) => inspectV2(client, mount, path)
      : (path: string) => inspectV1(client, mount, path, key as FingerprintKey);
  for await (const settled of mapConcurrent(paths, concurrency, inspect)) {
    if (!settled.ok) throw settled.error;
    if (settled.value) yield settled.value;
  }
}

async function* filterPaths(paths: AsyncGenerator<string, void, undefined>, filter?: (path: string) => boolean): AsyncGenerator<string, void, undefined> {
  for await (const p of paths) if (!filter || filter(p)) yield p;
}

async function inspectV2(client: VaultClient, mount: string, path: string): Promise<SourceSecret | undefined> {
  const meta = kvMetadataFromWire((await client.read<unknown>(`${mount}/metadata/${encodeApiPath(path)}`))?.data);
  if (!meta || meta.currentVersion < 1) return undefined;
  const current = meta.versions[String(meta.currentVersion)];
  return {
    mount,
    path,
    kvVersion: 2,
    currentVersion: meta.currentVersion,
    state: kvVersionState(current),
    customMetadata: meta.customMetadata,
    // Kept for the write (copyMetadata), which then needs no metadata GET of its own; defaults share one object.
    settings: isDefaultKvSettings(meta) ? DEFAULT_KV_SETTINGS : { maxVersions: meta.maxVersions, casRequired: meta.casRequired, deleteVersionAfter: meta.deleteVersionAfter },
    // The current version's write time, not the metadata's `updated_time` (which a custom_metadata
    // edit moves): a read of that version gives the same time, so plan and copy agree on expiries.
    ...(current?.createdTime ? { updatedTime: current.createdTime } : {}),
  };
}

async function inspectV1(client: VaultClient, mount: string, path: string, key: FingerprintKey): Promise<SourceSecret | undefined> {
  const res = await client.read<SecretData>(`${mount}/${encodeApiPath(path)}`);
  if (!res?.data) return undefined;
  // Only the fingerprint leaves this function; the response (and its value) is dropped here.
  return { mount, path, kvVersion: 1, state: "live", customMetadata: {}, fingerprint: fingerprint(key, fullSourcePath({ mount, path }), res.data), legacyFingerprint: contentFingerprint(key, res.data) };
}

function normalizePrefix(prefix: string | undefined): string {
  const p = (prefix ?? "").replace(/^\/+|\/+$/g, "");
  return p ? `${p}/` : "";
}

function positiveInt(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`concurrency must be a positive integer (got ${n})`);
  return n;
}
