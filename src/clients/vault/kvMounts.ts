import { badSegment } from "../../engine/paths";
import type { KvVersion } from "../../engine/types";
import { clientError, isClientError, type ClientError } from "../http/errors";
import { isVaultApiError } from "./errors";
import type { VaultClient } from "./VaultClient";

/** A KV mount could not be used: missing, not KV, not a mount, or invisible to the token. */
export interface VaultMountError extends ClientError {
  service: "vault";
  mount: string;
  /** `mount_not_found`, `not_kv`, `not_a_mount`, `mount_unknown` (the token can see neither `sys/mounts` nor the UI mounts endpoint) or `token_rejected`. */
  code: "mount_not_found" | "not_kv" | "not_a_mount" | "mount_unknown" | "token_rejected";
}

const MOUNT_CODES: readonly string[] = ["mount_not_found", "not_kv", "not_a_mount", "mount_unknown", "token_rejected"] satisfies readonly VaultMountError["code"][];

/** `at` is the call whose answer decided (default: the `sys/mounts` read). */
export function vaultMountError(mount: string, code: VaultMountError["code"], message: string, at: { method: string; path: string; status?: number } = { method: "GET", path: "sys/mounts" }): VaultMountError {
  return clientError<VaultMountError>({ code, service: "vault", ...at, retryable: false }, message, { mount });
}

export function isVaultMountError(e: unknown): e is VaultMountError {
  return isClientError(e) && e.service === "vault" && MOUNT_CODES.includes(e.code);
}

/** A detected KV mount. */
export interface KvMount {
  /** Without leading/trailing slashes, e.g. `secret` or `team/kv`. */
  mount: string;
  kvVersion: KvVersion;
}

/** `/team/kv/` → `team/kv`. */
export function normalizeMount(mount: string): string {
  const m = mount.replace(/^\/+|\/+$/g, "");
  if (!m) throw vaultMountError(mount, "mount_not_found", "Vault mount must not be empty");
  // A `..` in a mount would reach outside it (the URL parser resolves it): refused before any call.
  const bad = m.split("/").map(badSegment).find((why) => why !== undefined);
  if (bad) throw clientError({ code: "invalid_path", service: "vault", method: "-", path: m, retryable: false }, `Vault mount "${m}" holds ${bad}: a mount path has no empty, '.' or '..' segment`);
  return m;
}

/**
 * Encodes each segment of an API path so keys holding `?`, `#`, `%` or spaces reach Vault intact;
 * `/` stays a separator (Vault decodes the URL path before routing).
 */
export function encodeApiPath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

interface MountInfo {
  type?: string;
  options?: Record<string, string> | null;
  /** Only in `sys/internal/ui/mounts/<path>` answers: the mount that holds the path. */
  path?: string;
}

/**
 * Finds `mount` and tells its KV version.
 *
 * Capabilities: `read` on `sys/mounts`; when that is denied (403), falls back to
 * `sys/internal/ui/mounts/<mount>`, which Vault/OpenBao answer for any token holding some
 * capability under the mount (so a least-privilege migration token needs no `sys/` policy).
 * Honours the client's namespace.
 *
 * @throws VaultMountError `mount_not_found` (listing the KV mounts that exist), `not_kv` (naming
 * the mount's type), `not_a_mount` (the path lies inside another mount), `mount_unknown` (the
 * fallback was denied too: the mount is missing or the token has no access under it — Vault
 * does not say which).
 */
export async function detectKvMount(client: VaultClient, mount: string): Promise<KvMount> {
  const m = normalizeMount(mount);
  let all: Record<string, MountInfo> | undefined;
  try {
    all = (await client.read<Record<string, MountInfo>>("sys/mounts"))?.data;
  } catch (e) {
    if (!(isVaultApiError(e) && e.status === 403)) throw e;
  }
  if (all) {
    const info = all[`${m}/`];
    if (!info) {
      const names = Object.keys(all).filter((k) => k.endsWith("/")).sort();
      throw vaultMountError(m, "mount_not_found", `Vault mount "${m}" does not exist (mounts: ${names.join(", ") || "none"})`);
    }
    return toKvMount(m, info);
  }
  let info: MountInfo | undefined;
  try {
    info = (await client.read<MountInfo>(`sys/internal/ui/mounts/${encodeApiPath(m)}`))?.data;
  } catch (e) {
    if (!(isVaultApiError(e) && (e.status === 403 || e.status === 400))) throw e;
  }
  if (!info?.type) {
    // Every valid token may look itself up (the default policy): a 403 here means Vault rejected the
    // token itself, which is the likelier cause and the one the user must hear about.
    try {
      await client.read("auth/token/lookup-self");
    } catch (e) {
      if (isVaultApiError(e) && e.status === 403) {
        throw vaultMountError(m, "token_rejected", `Vault rejected the token (403 permission denied on auth/token/lookup-self): it is wrong, expired or revoked; cannot inspect mount "${m}"`, {
          method: "GET",
          path: "auth/token/lookup-self",
          status: 403,
        });
      }
    }
    throw vaultMountError(
      m,
      "mount_unknown",
      `Vault mount "${m}" does not exist or the token has no access under it (read on sys/mounts is denied, and sys/internal/ui/mounts/${m} did not answer)`,
      { method: "GET", path: `sys/internal/ui/mounts/${m}` },
    );
  }
  const holder = (info.path ?? `${m}/`).replace(/^\/+|\/+$/g, "");
  if (holder !== m) throw vaultMountError(m, "not_a_mount", `Vault path "${m}" is not a mount: it lies inside mount "${holder}/"`, { method: "GET", path: `sys/internal/ui/mounts/${m}` });
  return toKvMount(m, info);
}

function toKvMount(mount: string, info: MountInfo): KvMount {
  if (info.type !== "kv" && info.type !== "generic") {
    throw vaultMountError(mount, "not_kv", `Vault mount "${mount}" is a ${info.type ?? "unknown"} mount, not a KV secrets engine`);
  }
  return { mount, kvVersion: info.options?.version === "2" ? 2 : 1 };
}
