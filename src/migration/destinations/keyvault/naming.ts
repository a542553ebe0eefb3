// Azure Key Vault secret names (fact sheet §4) and seed 003's sanitiser.
import type { DestinationNaming } from "../../../engine";

/** Key Vault secret names: 1–127 characters of `0-9a-zA-Z-` (fact sheet §4). */
export const KEY_VAULT_NAME_PATTERN = /^[0-9a-zA-Z-]{1,127}$/;

/** Maximum Key Vault secret name length. */
export const KEY_VAULT_NAME_MAX = 127;

/**
 * Seed 003's `sanitize_name`, kept byte-for-byte compatible so `existing: adopt`
 * finds secrets made by the manual script: `/` and `_` → `-`, any other character
 * outside `0-9a-zA-Z-` → `-`, collapse runs of `-`, strip leading/trailing `-`,
 * then truncate to 127 (the seed truncates after stripping, so a trailing `-` can
 * survive truncation; Key Vault accepts it). Returns `''` when nothing is left.
 */
export function sanitizeKeyVaultName(raw: string): string {
  return raw
    .replace(/[/_]/g, "-")
    .replace(/[^a-zA-Z0-9-]/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, KEY_VAULT_NAME_MAX);
}

/**
 * What the sanitiser did beyond substituting `-` for characters: a name cut to 127 characters, and
 * path segments without a letter or a digit, which vanish (`a/__/b` → `a-b`).
 */
export function describeKeyVaultNameChange(raw: string, name: string): string | undefined {
  const notes: string[] = [];
  const full = raw.replace(/[^a-zA-Z0-9-]/g, "-").replace(/-+/g, "-").replace(/^-+|-+$/g, "");
  if (full.length > name.length) notes.push(`name shortened to ${name.length} of ${full.length} characters`);
  const gone = raw.split("/").filter((seg) => seg !== "" && !/[a-zA-Z0-9]/.test(seg));
  if (gone.length) notes.push(`path segment(s) ${gone.map((g) => JSON.stringify(g)).join(", ")} left no character in the name`);
  return notes.length ? notes.join("; ") : undefined;
}

/** Azure Key Vault naming: seed 003's sanitiser, case-insensitive names. */
export const keyVaultNaming: DestinationNaming = {
  id: "azure-key-vault",
  caseSensitive: false,
  sanitize: sanitizeKeyVaultName,
  isValid: (name) => KEY_VAULT_NAME_PATTERN.test(name),
  describeChange: describeKeyVaultNameChange,
};
