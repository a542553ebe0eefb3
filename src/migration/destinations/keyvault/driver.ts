// The Azure Key Vault driver: its spec, checks and how to open it.
import { keyVaultCredential, type KeyVaultCredentialSpec } from "../../../clients/keyvault/credentials";
import type { KeyVaultPacing } from "../../../clients/keyvault/KeyVaultSecretsClient";
import type { DestinationDriver } from "../../destination";
import { createKeyVaultDestination } from "./destination";
import { keyVaultNaming } from "./naming";

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

/** Key Vault credentials: a Pulumi secret wherever stored. */
export interface KeyVaultCredentials {
  credential: KeyVaultCredentialSpec;
}

const SPEC_KEYS = ["kind", "vaultUrl", "caCertPem", "disableChallengeResourceVerification", "softDeleted", "pacing", "rbacMaxWaitMs"];
const PACING_KEYS = ["writeLimit", "otherLimit", "windowMs", "headroom"];
const SOVEREIGN_HOSTS = /\.vault\.(azure\.cn|usgovcloudapi\.net|microsoftazure\.de)$/;

function validateSpec(spec: Readonly<Record<string, unknown>>, prefix: string): string[] {
  const problems: string[] = [];
  for (const k of Object.keys(spec)) if (!SPEC_KEYS.includes(k)) problems.push(`[${prefix}.${k}] is not a Key Vault destination setting`);
  const url = typeof spec.vaultUrl === "string" ? spec.vaultUrl : "";
  try {
    const u = new URL(url);
    if (u.protocol !== "https:") problems.push(`[${prefix}.vaultUrl] must be https: ${url}`);
    if (!spec.disableChallengeResourceVerification && !u.hostname.endsWith(".vault.azure.net") && !SOVEREIGN_HOSTS.test(u.hostname)) {
      problems.push(`[${prefix}.vaultUrl] is not a Key Vault host (*.vault.azure.net); set [${prefix}.disableChallengeResourceVerification] if that is intended: ${url}`);
    }
  } catch {
    problems.push(`[${prefix}.vaultUrl] is not a URL: ${url}`);
  }
  if (spec.softDeleted !== undefined && spec.softDeleted !== "recover" && spec.softDeleted !== "fail") problems.push(`[${prefix}.softDeleted] must be "recover" or "fail"`);
  if (spec.rbacMaxWaitMs !== undefined && !(typeof spec.rbacMaxWaitMs === "number" && spec.rbacMaxWaitMs >= 0)) problems.push(`[${prefix}.rbacMaxWaitMs] must be a number of milliseconds`);
  if (spec.pacing !== undefined && spec.pacing !== false) {
    if (typeof spec.pacing !== "object" || spec.pacing === null) problems.push(`[${prefix}.pacing] must be an object or false`);
    else {
      // Unknown keys would be ignored silently (every field is optional): name them instead.
      for (const [k, v] of Object.entries(spec.pacing as Record<string, unknown>)) {
        if (!PACING_KEYS.includes(k)) problems.push(`[${prefix}.pacing.${k}] is not a pacing setting (${PACING_KEYS.join(", ")})`);
        else if (typeof v !== "number" || !(v > 0) || (k === "headroom" && v > 1)) problems.push(`[${prefix}.pacing.${k}] must be a positive number${k === "headroom" ? " up to 1" : ""}`);
      }
    }
  }
  return problems;
}

function validateCredentials(c: unknown, prefix: string): string[] {
  const cred = (c as Partial<KeyVaultCredentials> | undefined)?.credential as { type?: unknown } | undefined;
  if (!cred || !["default", "clientSecret", "accessToken"].includes(cred.type as string)) return [`[${prefix}.credential.type] must be "default", "clientSecret" or "accessToken"`];
  return [];
}

export const keyVaultDriver: DestinationDriver<KeyVaultDestinationSpec, KeyVaultCredentials> = {
  kind: "azure-keyvault",
  label: "KeyVaultMigration",
  componentType: "vault-migration:migration:KeyVaultMigration",
  // A getter, not the object itself: Pulumi's closure serializer, meeting the object both here
  // and through the destination module's exports, emitted the exports' assignment before the
  // object's declaration (so the provider saw `undefined`).
  get naming() {
    return keyVaultNaming;
  },
  validateSpec,
  validateCredentials,
  location: (spec) => spec.vaultUrl,
  open({ spec, credentials }, { fingerprintKey, settings }) {
    return createKeyVaultDestination({
      vaultUrl: spec.vaultUrl,
      credential: keyVaultCredential(credentials.credential),
      caCertPem: spec.caCertPem,
      disableChallengeResourceVerification: spec.disableChallengeResourceVerification,
      fingerprintKey,
      unwrapKey: settings.unwrapKey,
      ...(settings.expiryKey ? { expiry: { metadataKey: settings.expiryKey } } : {}),
      softDeleted: spec.softDeleted ?? "recover",
      pacing: spec.pacing,
      rbacMaxWaitMs: spec.rbacMaxWaitMs,
    });
  },
};
