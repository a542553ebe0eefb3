/**
 * Naming rules of Vault/OpenBao KV destinations: a name is a secret path (relative to the
 * destination's mount and prefix), kept as rendered. Paths are case-sensitive in Vault.
 */
import type { DestinationNaming } from "../../../engine";

/** Folder, under a destination prefix, that holds the markers of KV v1 copies (v1 has no metadata). */
export const KV_V1_MARKER_FOLDER = ".vault-migration";

/**
 * Whether a path is a usable destination secret path: no leading or trailing slash, no empty,
 * `.` or `..` segment, no control character, and not inside the KV v1 markers folder.
 */
export function isValidVaultPath(name: string): boolean {
  if (!name || name.startsWith("/") || name.endsWith("/")) return false;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return false;
  const segments = name.split("/");
  if (segments[0] === KV_V1_MARKER_FOLDER) return false;
  return segments.every((s) => s !== "" && s !== "." && s !== "..");
}

/** Vault KV naming: identity sanitisation, case-sensitive, see {@link isValidVaultPath}. */
export const vaultKvNaming: DestinationNaming = {
  id: "vault-kv",
  caseSensitive: true,
  sanitize: (raw) => raw,
  isValid: isValidVaultPath,
};
