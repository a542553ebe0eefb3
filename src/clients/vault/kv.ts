// KV secrets engine access on top of VaultClient: mount detection, streaming inventory, and the
// single-secret read/write the copy phases need. Every call honours the client's namespace.
import { canonicalJson } from "../../engine/fingerprint";
import type { KvVersion, SecretData } from "../../engine/types";
import { isClientError } from "../http/errors";
import { encodeApiPath, normalizeMount } from "./kvMounts";
import { kvMetadataFromWire, kvV2DataFromWire, kvVersionState, type KvMetadataInfo, type KvVersionInfo } from "./kvWire";
import type { VaultClient } from "./VaultClient";

export * from "./kvMounts";
export * from "./kvInventory";
export * from "./kvWire";

/** One secret value as read for copying. Lives in memory only. */
export interface KvSecretValue {
  data: SecretData;
  /** KV v2 version read; `undefined` for KV v1. */
  version?: number;
  /** KV v2 custom metadata (as returned with the data); `undefined` for KV v1. */
  customMetadata?: Record<string, string>;
  /** KV v2: when the version read was written (ISO 8601); `undefined` for KV v1. */
  createdTime?: string;
}

/**
 * Reads a secret's value (the current version, or `opts.version` on KV v2).
 *
 * Capabilities: `read` on `<mount>/data/<path>` (KV v2) or `<mount>/<path>` (KV v1).
 *
 * @returns `undefined` when the secret or the version is gone (missing, soft-deleted, destroyed).
 */
export async function readKvSecret(
  client: VaultClient,
  mount: string,
  kvVersion: KvVersion,
  path: string,
  opts: { version?: number } = {},
): Promise<KvSecretValue | undefined> {
  const m = normalizeMount(mount);
  const p = encodeApiPath(path.replace(/^\/+/, ""));
  if (kvVersion === 1) {
    if (opts.version !== undefined) throw new Error(`KV v1 mount "${m}" has no versions (asked for version ${opts.version} of ${path})`);
    const res = await client.read<SecretData>(`${m}/${p}`);
    return res?.data ? { data: res.data } : undefined;
  }
  const query = opts.version !== undefined ? `?version=${positiveVersion(opts.version)}` : "";
  // A soft-deleted or destroyed version answers 404 (read() maps it to undefined) or null data.
  return kvV2DataFromWire((await client.read<unknown>(`${m}/data/${p}${query}`))?.data);
}

export interface WriteKvOptions {
  /** KV v2 check-and-set: `0` = only if absent, `n` = only if the current version is `n`. */
  cas?: number;
  /** KV v2 custom metadata, written after the data (replaces the secret's custom metadata). */
  customMetadata?: Record<string, string>;
}

/**
 * Writes a secret (Vault as a destination).
 *
 * Capabilities: KV v2 `create`/`update` on `<mount>/data/<path>`, plus `update` on
 * `<mount>/metadata/<path>` when `customMetadata` is given; KV v1 `create`/`update` on
 * `<mount>/<path>`. With a CAS write whose first answer was a mismatch, also `read` on
 * `<mount>/data/<path>` (see below).
 *
 * Retries: a write without `cas` is sent as idempotent (a repeat stores the same data; on KV v2 it
 * only adds one identical version). A write WITH `cas` is never repeated blindly: a try that landed
 * but whose answer was lost would fail the check-and-set on a repeat, or (worse) a repeat after a
 * concurrent change would be refused for the wrong reason. Instead, after a CAS mismatch or an
 * error that may hide a landed write (no answer, a 5xx: the `retryable` ones), this reads the
 * version: `cas + 1` holding the same data (canonical JSON) is taken as our landed try and
 * returned; still `cas` after a lost answer means it did not land, so it is sent again (at most
 * {@link CAS_RESENDS} times); anything else throws the error (someone else wrote).
 *
 * @returns the KV v2 version written (`undefined` for KV v1).
 */
export async function writeKvSecret(
  client: VaultClient,
  mount: string,
  kvVersion: KvVersion,
  path: string,
  data: SecretData,
  opts: WriteKvOptions = {},
): Promise<{ version?: number }> {
  const m = normalizeMount(mount);
  const p = encodeApiPath(path.replace(/^\/+/, ""));
  if (kvVersion === 1) {
    if (opts.cas !== undefined || opts.customMetadata) throw new Error(`KV v1 mount "${m}" supports neither cas nor custom metadata (writing ${path})`);
    await client.write(`${m}/${p}`, data, { idempotent: true });
    return {};
  }
  let version: number | undefined;
  if (opts.cas === undefined) {
    version = (await client.write<{ version?: number }>(`${m}/data/${p}`, { data }, { idempotent: true }))?.data?.version;
  } else {
    version = await casWrite(client, m, p, path, data, opts.cas);
  }
  if (opts.customMetadata) {
    // Replaces custom_metadata wholesale, so repeating it is harmless.
    await client.write(`${m}/metadata/${p}`, { custom_metadata: opts.customMetadata }, { idempotent: true });
  }
  return version !== undefined ? { version } : {};
}

/** Times a check-and-set write whose answer was lost (and that did not land) is sent again. */
export const CAS_RESENDS = 2;

/** A check-and-set data write, verified rather than repeated when its outcome is unknown (see writeKvSecret). */
async function casWrite(client: VaultClient, m: string, p: string, path: string, data: SecretData, cas: number): Promise<number | undefined> {
  for (let resends = 0; ; resends++) {
    try {
      return (await client.write<{ version?: number }>(`${m}/data/${p}`, { options: { cas }, data }, { idempotent: false }))?.data?.version;
    } catch (e) {
      const unknown = isClientError(e) && e.retryable && !isCasMismatch(e);
      if (!unknown && !isCasMismatch(e)) throw e;
      // Reads are idempotent: the client retries them under the shared policy.
      const now = (await readKvMetadata(client, m, path))?.currentVersion ?? 0;
      if (now === cas + 1) {
        const current = await readKvSecret(client, m, 2, path, { version: now });
        if (current && canonicalJson(current.data) === canonicalJson(data)) return now;
      }
      if (!unknown || now !== cas || resends >= CAS_RESENDS) throw e;
    }
  }
}

/**
 * Reads a KV v2 secret's metadata.
 *
 * Capabilities: `read` on `<mount>/metadata/<path>`.
 *
 * @returns `undefined` when the secret has no metadata (never written, or metadata deleted).
 */
export async function readKvMetadata(client: VaultClient, mount: string, path: string): Promise<KvMetadataInfo | undefined> {
  const m = normalizeMount(mount);
  return kvMetadataFromWire((await client.read<unknown>(`${m}/metadata/${encodeApiPath(path.replace(/^\/+/, ""))}`))?.data);
}

/** Whether a KV v2 version can be read: not destroyed, and not deleted (a future deletion time is a schedule). */
export function isLiveKvVersion(v: KvVersionInfo | undefined, now = Date.now()): boolean {
  return v !== undefined && kvVersionState(v, now) === "live";
}

/**
 * Writes a KV v2 secret's metadata settings (POST replaces the fields given, keeps the others).
 *
 * Capabilities: `create` or `update` on `<mount>/metadata/<path>`.
 */
export async function writeKvMetadata(
  client: VaultClient,
  mount: string,
  path: string,
  settings: { customMetadata?: Record<string, string>; maxVersions?: number; casRequired?: boolean; deleteVersionAfter?: string },
): Promise<void> {
  const body: Record<string, unknown> = {};
  if (settings.customMetadata) body.custom_metadata = settings.customMetadata;
  if (settings.maxVersions !== undefined) body.max_versions = settings.maxVersions;
  if (settings.casRequired !== undefined) body.cas_required = settings.casRequired;
  if (settings.deleteVersionAfter !== undefined) body.delete_version_after = settings.deleteVersionAfter;
  // Idempotent: the same body twice leaves the same metadata.
  await client.write(`${normalizeMount(mount)}/metadata/${encodeApiPath(path.replace(/^\/+/, ""))}`, body, { idempotent: true });
}

/**
 * Deletes a secret: KV v2 soft-deletes the current version (reversible with `undelete`); KV v1
 * deletes it. Absent is not an error.
 *
 * Capabilities: `delete` on `<mount>/data/<path>` (KV v2) or `<mount>/<path>` (KV v1).
 */
export async function deleteKvSecret(client: VaultClient, mount: string, kvVersion: KvVersion, path: string): Promise<void> {
  const m = normalizeMount(mount);
  const p = encodeApiPath(path.replace(/^\/+/, ""));
  await client.delete(kvVersion === 2 ? `${m}/data/${p}` : `${m}/${p}`);
}

/**
 * KV v2: soft-deletes exactly `version` (`undelete` brings it back); a newer version written since
 * stays live. Capabilities: `update` on `<mount>/delete/<path>`.
 */
export async function softDeleteKvVersion(client: VaultClient, mount: string, path: string, version: number): Promise<void> {
  await client.write(`${normalizeMount(mount)}/delete/${encodeApiPath(path.replace(/^\/+/, ""))}`, { versions: [positiveVersion(version)] }, { idempotent: true });
}

/** Whether `e` is Vault refusing a KV v2 check-and-set write (the version moved). */
export function isCasMismatch(e: unknown): boolean {
  return isClientError(e, "cas_mismatch");
}

function positiveVersion(v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`KV v2 version must be a positive integer (got ${v})`);
  return v;
}
