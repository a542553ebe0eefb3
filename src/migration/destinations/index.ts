// Destination specs as they travel in Pulumi inputs (plain JSON; credentials apart, as secrets) and
// the factory that turns them into a MigrationDestination.
// Top-level imports on purpose: dynamic providers are serialized, and a runtime require() of a
// relative path cannot be resolved in the provider process.
import { keyVaultCredential, type KeyVaultCredentialSpec } from "../../clients/keyvault/credentials";
import type { KeyVaultPacing } from "../../clients/keyvault/KeyVaultSecretsClient";
import { validateVaultConnection, type VaultAuth } from "../../clients/vault/connection";
import { createKeyVaultDestination } from "./keyVaultDestination";
import { createVaultDestination } from "./vaultDestination";
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
  pacing?: KeyVaultPacing | false;
  /** How long writes retry a 403 while a new RBAC role assignment propagates. Default 5 minutes. */
  rbacMaxWaitMs?: number;
}

/**
 * Vault/OpenBao KV (another namespace or another cluster). Needs the capabilities listed on
 * `createVaultDestination` under `mount/prefix`.
 */
export interface VaultDestinationSpec {
  kind: "vault";
  /** e.g. `https://vault-b.example.com:8200`. */
  address: string;
  /** Namespace the destination mount lives in (Vault Enterprise / OpenBao). */
  namespace?: string;
  /** KV mount, e.g. `secret`. */
  mount: string;
  /** Detected when omitted. */
  kvVersion?: 1 | 2;
  /** Folder the names are written under. */
  prefix?: string;
  /** PEM bundle to trust instead of the default CAs. */
  caCertPem?: string;
  /** Turns TLS verification off (throwaway servers only). */
  insecureSkipTlsVerify?: boolean;
  /** KV v2 → KV v2: copy custom_metadata, max_versions, cas_required, delete_version_after. Default true. */
  copyMetadata?: boolean;
  /** KV v2 → KV v2: write every live source version in order. Default false. */
  replayVersions?: boolean;
}

export type DestinationSpec = KeyVaultDestinationSpec | VaultDestinationSpec;

/** Credentials of a destination: a Pulumi secret wherever stored. */
export type DestinationCredentials = { kind: "azure-keyvault"; credential: KeyVaultCredentialSpec } | { kind: "vault"; auth: VaultAuth };

/** Where a spec writes, without credentials: a resource id part and a message prefix. */
export function destinationLocation(spec: DestinationSpec): string {
  if (spec.kind === "azure-keyvault") return spec.vaultUrl;
  const ns = spec.namespace ? `${spec.namespace.replace(/^\/+|\/+$/g, "")}/` : "";
  const prefix = (spec.prefix ?? "").replace(/^\/+|\/+$/g, "");
  return `${spec.address.replace(/\/+$/, "")}/${ns}${spec.mount.replace(/^\/+|\/+$/g, "")}${prefix ? `/${prefix}` : ""}`;
}

/** Opens the destination a spec describes. */
export function openDestination(spec: DestinationSpec, creds: DestinationCredentials, fingerprintKey: FingerprintKey, settings: MigrationSettings): MigrationDestination {
  const expiry: ExpiryOptions | undefined = settings.expiryKey ? { metadataKey: settings.expiryKey } : undefined;
  switch (spec.kind) {
    case "azure-keyvault": {
      if (creds.kind !== "azure-keyvault") throw new Error(`destination ${spec.vaultUrl}: credentials are for "${creds.kind}", not "azure-keyvault"`);
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
    case "vault": {
      if (creds.kind !== "vault") throw new Error(`destination ${destinationLocation(spec)}: credentials are for "${creds.kind}", not "vault"`);
      return createVaultDestination({
        connection: {
          address: spec.address,
          ...(spec.namespace ? { namespace: spec.namespace } : {}),
          ...(spec.caCertPem ? { caCertPem: spec.caCertPem } : {}),
          ...(spec.insecureSkipTlsVerify ? { insecureSkipTlsVerify: true } : {}),
          auth: creds.auth,
        },
        mount: spec.mount,
        ...(spec.kvVersion !== undefined ? { kvVersion: spec.kvVersion } : {}),
        ...(spec.prefix !== undefined ? { prefix: spec.prefix } : {}),
        fingerprintKey,
        copyMetadata: spec.copyMetadata ?? true,
        replayVersions: spec.replayVersions ?? false,
        concurrency: Math.min(settings.concurrency, 64),
      });
    }
    default:
      throw new Error(`unknown destination kind: ${(spec as { kind: string }).kind}`);
  }
}

/** Validates a spec without any network call; problems name the property. */
export function validateDestinationSpec(spec: Partial<DestinationSpec> | undefined, prefix = "destination"): string[] {
  if (!spec) return [`[${prefix}] is required`];
  if (spec.kind === "vault") return validateVaultSpec(spec, prefix);
  if (spec.kind !== "azure-keyvault") return [`[${prefix}.kind] must be "azure-keyvault" or "vault"`];
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
  if (spec.pacing !== undefined && spec.pacing !== false) {
    // Unknown keys would be ignored silently (every field is optional): name them instead.
    for (const [k, v] of Object.entries(spec.pacing as Record<string, unknown>)) {
      if (!["writeLimit", "otherLimit", "windowMs", "headroom"].includes(k)) problems.push(`[${prefix}.pacing.${k}] is not a pacing setting (writeLimit, otherLimit, windowMs, headroom)`);
      else if (typeof v !== "number" || !(v > 0) || (k === "headroom" && v > 1)) problems.push(`[${prefix}.pacing.${k}] must be a positive number${k === "headroom" ? " up to 1" : ""}`);
    }
  }
  return problems;
}

function validateVaultSpec(spec: Partial<VaultDestinationSpec>, prefix: string): string[] {
  // The connection check wants an auth; credentials travel apart, so a placeholder stands in.
  const problems = validateVaultConnection({ address: spec.address, auth: { method: "token", token: "-" } }, prefix);
  if (!spec.mount?.replace(/\//g, "")) problems.push(`[${prefix}.mount] is required`);
  if (spec.kvVersion !== undefined && spec.kvVersion !== 1 && spec.kvVersion !== 2) problems.push(`[${prefix}.kvVersion] must be 1 or 2`);
  const p = (spec.prefix ?? "").replace(/^\/+|\/+$/g, "");
  if (p && p.split("/").some((s) => s === "" || s === "." || s === "..")) problems.push(`[${prefix}.prefix] must be a folder path without empty, '.' or '..' segments: ${spec.prefix}`);
  if (spec.copyMetadata !== undefined && typeof spec.copyMetadata !== "boolean") problems.push(`[${prefix}.copyMetadata] must be true or false`);
  if (spec.replayVersions !== undefined && typeof spec.replayVersions !== "boolean") problems.push(`[${prefix}.replayVersions] must be true or false`);
  return problems;
}
