// The Azure Key Vault driver: its spec, checks and how to open it.
import { keyVaultCredential, staticTokenProblem, type KeyVaultCredentialSpec } from "../../../clients/keyvault/credentials";
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

/** Every key of a Key Vault destination spec (README's tables are checked against it). */
export const KEY_VAULT_SPEC_KEYS = ["kind", "vaultUrl", "caCertPem", "disableChallengeResourceVerification", "softDeleted", "pacing", "rbacMaxWaitMs"];
const PACING_KEYS = ["writeLimit", "otherLimit", "windowMs", "headroom"];

/**
 * Accepted ranges of the pacing settings and `rbacMaxWaitMs`. Outside them a run either stalls
 * (a headroom of 0.001, a window of hours) or is not paced at all (a million writes per window),
 * and a typo is likelier than intent. `whole`: a whole number.
 */
export const KEY_VAULT_SETTING_BOUNDS: Readonly<Record<string, { readonly min: number; readonly max: number; readonly whole: boolean }>> = {
  writeLimit: { min: 1, max: 10_000, whole: true },
  otherLimit: { min: 1, max: 100_000, whole: true },
  windowMs: { min: 100, max: 600_000, whole: true },
  headroom: { min: 0.1, max: 1, whole: false },
  rbacMaxWaitMs: { min: 0, max: 3_600_000, whole: true },
};

/** The problem of a bounded number, naming the key and its range; `undefined` when it is in range. */
function boundProblem(key: string, setting: string, v: unknown): string | undefined {
  const b = KEY_VAULT_SETTING_BOUNDS[setting] as { min: number; max: number; whole: boolean };
  const ok = typeof v === "number" && Number.isFinite(v) && v >= b.min && v <= b.max && (!b.whole || Number.isInteger(v));
  return ok ? undefined : `[${key}] must be ${b.whole ? "a whole number" : "a number"} from ${b.min.toLocaleString("en-US")} to ${b.max.toLocaleString("en-US")}: ${JSON.stringify(v)}`;
}
const SOVEREIGN_HOSTS = /\.vault\.(azure\.cn|usgovcloudapi\.net|microsoftazure\.de)$/;

function validateSpec(spec: Readonly<Record<string, unknown>>, prefix: string): string[] {
  const problems: string[] = [];
  for (const k of Object.keys(spec)) if (!KEY_VAULT_SPEC_KEYS.includes(k)) problems.push(`[${prefix}.${k}] is not a Key Vault destination setting`);
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
  if (spec.rbacMaxWaitMs !== undefined) {
    const p = boundProblem(`${prefix}.rbacMaxWaitMs`, "rbacMaxWaitMs", spec.rbacMaxWaitMs);
    if (p) problems.push(`${p} (milliseconds)`);
  }
  if (spec.pacing !== undefined && spec.pacing !== false) {
    if (typeof spec.pacing !== "object" || spec.pacing === null) problems.push(`[${prefix}.pacing] must be an object or false`);
    else {
      // Unknown keys would be ignored silently (every field is optional): name them instead.
      for (const [k, v] of Object.entries(spec.pacing as Record<string, unknown>)) {
        if (!PACING_KEYS.includes(k)) problems.push(`[${prefix}.pacing.${k}] is not a pacing setting (${PACING_KEYS.join(", ")})`);
        else {
          const p = boundProblem(`${prefix}.pacing.${k}`, k, v);
          if (p) problems.push(p);
        }
      }
    }
  }
  return problems;
}

function validateCredentials(c: unknown, prefix: string): string[] {
  const cred = (c as Partial<KeyVaultCredentials> | undefined)?.credential as { type?: unknown } | undefined;
  if (!cred || !["default", "clientSecret", "accessToken"].includes(cred.type as string)) return [`[${prefix}.credential.type] must be "default", "clientSecret" or "accessToken"`];
  // A static token that would die mid-run: refused before anything is written.
  const expiry = cred.type === "accessToken" ? staticTokenProblem(cred as { token?: unknown; expiresOn?: unknown }) : undefined;
  return expiry ? [`[${prefix}.credential] ${expiry}`] : [];
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
