// KV secrets engine access on top of VaultClient: mount detection, streaming inventory, and the
// single-secret read/write the copy phases need. Every call honours the client's namespace.
import { canonicalJson } from "../../engine/fingerprint";
import type { KvVersion, SecretData } from "../../engine/types";
import { isVaultApiError } from "./errors";
import { encodeApiPath, normalizeMount } from "./kvMounts";
import type { VaultClient } from "./VaultClient";

export * from "./kvMounts";
export * from "./kvInventory";

/** One secret value as read for copying. Lives in memory only. */
export interface KvSecretValue {
  data: SecretData;
  /** KV v2 version read; `undefined` for KV v1. */
  version?: number;
  /** KV v2 custom metadata (as returned with the data); `undefined` for KV v1. */
  customMetadata?: Record<string, string>;
}

interface KvV2DataResponse {
  data?: SecretData | null;
  metadata?: { version?: number; custom_metadata?: Record<string, string> | null } | null;
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
  const res = (await client.read<KvV2DataResponse>(`${m}/data/${p}${query}`))?.data;
  if (!res?.data) return undefined;
  return {
    data: res.data,
    ...(res.metadata?.version !== undefined ? { version: res.metadata.version } : {}),
    customMetadata: { ...(res.metadata?.custom_metadata ?? {}) },
  };
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
 * only adds one identical version). A write WITH `cas` is never retried blindly: if the first try
 * landed but its answer was lost, the retry would fail the check-and-set. Instead, on a CAS
 * mismatch this reads the current version: when it is exactly `cas + 1` and holds the same data
 * (canonical JSON), the earlier try is taken as ours and the write succeeds; otherwise the CAS
 * error is thrown (someone else wrote). A lost answer without any retry surfaces as a
 * VaultConnectionError; calling again is then safe for the same reason.
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
    const cas = opts.cas;
    try {
      version = (await client.write<{ version?: number }>(`${m}/data/${p}`, { options: { cas }, data }, { idempotent: false }))?.data?.version;
    } catch (e) {
      if (!isCasMismatch(e)) throw e;
      const current = await readKvSecret(client, m, 2, path);
      if (!current || current.version !== cas + 1 || canonicalJson(current.data) !== canonicalJson(data)) throw e;
      version = current.version;
    }
  }
  if (opts.customMetadata) {
    // Replaces custom_metadata wholesale, so repeating it is harmless.
    await client.write(`${m}/metadata/${p}`, { custom_metadata: opts.customMetadata }, { idempotent: true });
  }
  return version !== undefined ? { version } : {};
}

/** Whether `e` is Vault refusing a KV v2 check-and-set write (the version moved). */
export function isCasMismatch(e: unknown): boolean {
  return isVaultApiError(e) && e.statusCode === 400 && e.errors.some((s) => /check-and-set/i.test(s));
}

function positiveVersion(v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`KV v2 version must be a positive integer (got ${v})`);
  return v;
}
