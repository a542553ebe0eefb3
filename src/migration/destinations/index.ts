// Destination specs as they travel in Pulumi inputs (plain JSON; credentials apart, as secrets) and
// the factory that turns them into a MigrationDestination.
// Top-level imports on purpose: dynamic providers are serialized, and a runtime require() of a
// relative path cannot be resolved in the provider process.
import { keyVaultCredential, type KeyVaultCredentialSpec } from "../../clients/keyvault/credentials";
import { createKeyVaultDestination } from "./keyVaultDestination";
import type { ExpiryOptions, FingerprintKey } from "../../engine";
import type { MigrationDestination } from "../destination";
import type { MigrationSettings } from "../settings";

/** Azure Key Vault. Needs the data actions of "Key Vault Secrets Officer" on the vault. */
export interface KeyVaultDestinationSpec {
  kind: "azure-keyvault";
  /** e.g. `https://kv-migrated-prod.vault.azure.net`. */
  vaultUrl: string;
  /** PEM bundle to trust instead of the default CAs (a TLS-inspecting proxy, a local test server). */
  caCertPem?: string;
  /** Accept a vault URL that is not under `.vault.azure.net` (sovereign clouds, local servers). */
  disableChallengeResourceVerification?: boolean;
  /** A name that is soft-deleted in the vault: `recover` it (default) or `fail` with a clear message. */
  softDeleted?: "recover" | "fail";
  /** Client-side pacing under the vault's limits (default: 95% of 300 writes + 4,000 others per 10 s); `false` turns it off. */
  pacing?: { writesPerWindow?: number; othersPerWindow?: number; windowMs?: number } | false;
  /** How long writes retry a 403 while a new RBAC role assignment propagates. Default 5 minutes. */
  rbacMaxWaitMs?: number;
}

export type DestinationSpec = KeyVaultDestinationSpec;

/** Credentials of a destination: a Pulumi secret wherever stored. */
export type DestinationCredentials = { kind: "azure-keyvault"; credential: KeyVaultCredentialSpec };

/** Opens the destination a spec describes. */
export function openDestination(spec: DestinationSpec, creds: DestinationCredentials, fingerprintKey: FingerprintKey, settings: MigrationSettings): MigrationDestination {
  const expiry: ExpiryOptions | undefined = settings.expiryKey ? { metadataKey: settings.expiryKey } : undefined;
  switch (spec.kind) {
    case "azure-keyvault": {
      return createKeyVaultDestination({
        vaultUrl: spec.vaultUrl,
        credential: keyVaultCredential(creds.credential),
        caCertPem: spec.caCertPem,
        disableChallengeResourceVerification: spec.disableChallengeResourceVerification,
        fingerprintKey,
        unwrapKey: settings.unwrapKey,
        expiry,
        softDeleted: spec.softDeleted ?? "recover",
        pacing: spec.pacing,
        rbacMaxWaitMs: spec.rbacMaxWaitMs,
      });
    }
    default:
      throw new Error(`unknown destination kind: ${(spec as { kind: string }).kind}`);
  }
}

/** Validates a spec without any network call; problems name the property. */
export function validateDestinationSpec(spec: Partial<DestinationSpec> | undefined, prefix = "destination"): string[] {
  if (!spec) return [`[${prefix}] is required`];
  if (spec.kind !== "azure-keyvault") return [`[${prefix}.kind] must be "azure-keyvault"`];
  const problems: string[] = [];
  try {
    const u = new URL(spec.vaultUrl ?? "");
    if (u.protocol !== "https:") problems.push(`[${prefix}.vaultUrl] must be https: ${spec.vaultUrl}`);
    if (!spec.disableChallengeResourceVerification && !u.hostname.endsWith(".vault.azure.net") && !/\.vault\.(azure\.cn|usgovcloudapi\.net|microsoftazure\.de)$/.test(u.hostname)) {
      problems.push(`[${prefix}.vaultUrl] is not a Key Vault host (*.vault.azure.net); set [${prefix}.disableChallengeResourceVerification] if that is intended: ${spec.vaultUrl}`);
    }
  } catch {
    problems.push(`[${prefix}.vaultUrl] is not a URL: ${spec.vaultUrl ?? ""}`);
  }
  if (spec.softDeleted && spec.softDeleted !== "recover" && spec.softDeleted !== "fail") problems.push(`[${prefix}.softDeleted] must be "recover" or "fail"`);
  return problems;
}
