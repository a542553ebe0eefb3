// `vault-migration:migrations`: the migration runs of a stack, validated with errors naming the key.
import * as fs from "node:fs";
import type { KeyVaultCredentialSpec } from "../clients/keyvault/credentials";
import type { KeyVaultMigrationArgs } from "../components/KeyVaultMigration";
import type { VaultAuth } from "../clients/vault/connection";
import type { VaultMigrationArgs } from "../components/VaultMigration";
import type { KeyVaultDestinationSpec, VaultDestinationSpec } from "../migration/destinations";

/** One migration as configured; the program adds the source connection and, if needed, the vault URL. */
export type MigrationConfig = KeyVaultMigrationConfig | VaultMigrationConfig;

/** A migration into Azure Key Vault (`destination.kind` absent or `azure-keyvault`). */
export interface KeyVaultMigrationConfig {
  kind: "azure-keyvault";
  name: string;
  args: Omit<KeyVaultMigrationArgs, "source" | "destination" | "credential" | "fingerprintKey"> & {
    source: Omit<KeyVaultMigrationArgs["source"], "connection">;
  };
  /** Destination without `vaultUrl` means: the stack's KeyVaultDeployment. */
  destination: Omit<KeyVaultDestinationSpec, "kind" | "vaultUrl"> & { vaultUrl?: string };
  credential: KeyVaultCredentialSpec;
}

/** A migration into another Vault/OpenBao cluster or namespace (`destination.kind: vault`). */
export interface VaultMigrationConfig {
  kind: "vault";
  name: string;
  args: Omit<VaultMigrationArgs, "source" | "destination" | "fingerprintKey"> & { source: Omit<VaultMigrationArgs["source"], "connection"> };
  destination: Omit<VaultDestinationSpec, "kind">;
  /** Token or AppRole of the destination (a Pulumi secret in the program). */
  auth: VaultAuth;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Parses the list. Environment fallbacks let a local or CI run pass what is not known in advance:
 * `AZURE_KEYVAULT_URL`, `AZURE_KEYVAULT_CA_FILE`, and for `credential: {type: accessToken}` with no
 * token, `AZURE_KEYVAULT_ACCESS_TOKEN` (or the secret config `keyVaultAccessToken`).
 *
 * `destination.kind: vault`: `address` (else `DESTINATION_VAULT_ADDR`, else `VAULT_ADDR`),
 * `namespace`, `mount`, `prefix`, `kvVersion`, `caCertFile`, `insecureSkipTlsVerify`,
 * `copyMetadata`, `replayVersions`; auth: `destination.auth: {method: approle, roleId, secretId,
 * mount?}`, else the token from the secret config `destinationVaultToken` or `DESTINATION_VAULT_TOKEN`.
 */
export function readMigrations(raw: unknown, env: Record<string, string | undefined>, accessToken?: string, destinationVaultToken?: string): MigrationConfig[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new Error("[vault-migration:migrations] must be a list");
  const problems: string[] = [];
  const out: MigrationConfig[] = [];
  raw.forEach((m: unknown, i: number) => {
    const at = (k: string): string => `[vault-migration:migrations[${i}].${k}]`;
    if (!isObject(m)) return void problems.push(`[vault-migration:migrations[${i}]] must be an object`);
    if (typeof m.name !== "string" || !/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(m.name)) problems.push(`${at("name")} must be a name of letters, digits, '-' and '_'`);
    const source = isObject(m.source) ? m.source : {};
    if (typeof source.mount !== "string" || !source.mount) problems.push(`${at("source.mount")} is required`);
    const dest = isObject(m.destination) ? { ...m.destination } : {};
    if (dest.kind === "vault") {
      const v = readVaultDestination(dest, env, destinationVaultToken, at, problems);
      const { name: _n, source: _s, destination: _d, ...rest } = m;
      out.push({ kind: "vault", name: m.name as string, args: { ...(rest as Record<string, unknown>), source: source as VaultMigrationConfig["args"]["source"] } as VaultMigrationConfig["args"], ...v });
      return;
    }
    if (dest.kind !== undefined && dest.kind !== "azure-keyvault") problems.push(`${at("destination.kind")} must be "azure-keyvault" or "vault"`);
    delete dest.kind;
    dest.vaultUrl ??= env.AZURE_KEYVAULT_URL;
    const caFile = (dest.caCertFile as string | undefined) ?? env.AZURE_KEYVAULT_CA_FILE;
    delete dest.caCertFile;
    if (caFile) {
      try {
        dest.caCertPem = fs.readFileSync(caFile, "utf8");
      } catch (e) {
        problems.push(`${at("destination.caCertFile")} cannot be read: ${(e as Error).message}`);
      }
    }
    const cred: Record<string, unknown> = isObject(m.credential) ? { ...m.credential } : { type: "default" };
    if (!["default", "clientSecret", "accessToken"].includes(cred.type as string)) problems.push(`${at("credential.type")} must be "default", "clientSecret" or "accessToken"`);
    if (cred.type === "accessToken") {
      cred.token ??= accessToken ?? env.AZURE_KEYVAULT_ACCESS_TOKEN;
      if (!cred.token) problems.push(`${at("credential")}: an access token is needed (config secret keyVaultAccessToken or AZURE_KEYVAULT_ACCESS_TOKEN)`);
    }
    const { name: _n, source: _s, destination: _d, credential: _c, ...rest } = m;
    out.push({
      kind: "azure-keyvault",
      name: m.name as string,
      args: { ...(rest as Record<string, unknown>), source: source as MigrationConfig["args"]["source"] } as MigrationConfig["args"],
      destination: dest as MigrationConfig["destination"],
      credential: cred as unknown as KeyVaultCredentialSpec,
    });
  });
  const names = out.map((m) => m.name);
  for (const n of new Set(names)) if (names.filter((x) => x === n).length > 1) problems.push(`[vault-migration:migrations] name "${n}" is used twice`);
  if (problems.length) throw new Error(`invalid stack configuration:\n  - ${problems.join("\n  - ")}`);
  return out;
}

function readVaultDestination(
  raw: Record<string, unknown>,
  env: Record<string, string | undefined>,
  token: string | undefined,
  at: (k: string) => string,
  problems: string[],
): Pick<VaultMigrationConfig, "destination" | "auth"> {
  const { kind: _k, auth: rawAuth, caCertFile, ...d } = raw;
  const dest = { ...d } as Record<string, unknown>;
  dest.address ??= env.DESTINATION_VAULT_ADDR ?? env.VAULT_ADDR;
  if (typeof dest.address !== "string" || !dest.address) problems.push(`${at("destination.address")} is required (or DESTINATION_VAULT_ADDR)`);
  if (typeof dest.mount !== "string" || !dest.mount) problems.push(`${at("destination.mount")} is required`);
  if (dest.kvVersion !== undefined && dest.kvVersion !== 1 && dest.kvVersion !== 2) problems.push(`${at("destination.kvVersion")} must be 1 or 2`);
  for (const k of ["copyMetadata", "replayVersions", "insecureSkipTlsVerify"]) {
    if (dest[k] !== undefined && typeof dest[k] !== "boolean") problems.push(`${at(`destination.${k}`)} must be true or false`);
  }
  if (typeof caCertFile === "string" && caCertFile) {
    try {
      dest.caCertPem = fs.readFileSync(caCertFile, "utf8");
    } catch (e) {
      problems.push(`${at("destination.caCertFile")} cannot be read: ${(e as Error).message}`);
    }
  }
  let auth: VaultAuth = { method: "token", token: token ?? env.DESTINATION_VAULT_TOKEN ?? "" };
  if (isObject(rawAuth) && rawAuth.method === "approle") {
    if (typeof rawAuth.roleId !== "string" || typeof rawAuth.secretId !== "string") problems.push(`${at("destination.auth")}: approle needs roleId and secretId`);
    auth = { method: "approle", roleId: String(rawAuth.roleId ?? ""), secretId: String(rawAuth.secretId ?? ""), ...(typeof rawAuth.mount === "string" ? { mount: rawAuth.mount } : {}) };
  } else if (rawAuth !== undefined && !(isObject(rawAuth) && rawAuth.method === "token")) {
    problems.push(`${at("destination.auth.method")} must be "token" or "approle"`);
  } else if (isObject(rawAuth) && typeof rawAuth.token === "string") {
    auth = { method: "token", token: rawAuth.token };
  }
  if (auth.method === "token" && !auth.token) problems.push(`${at("destination")}: a token is needed (secret config destinationVaultToken or DESTINATION_VAULT_TOKEN, or destination.auth approle)`);
  return { destination: dest as VaultMigrationConfig["destination"], auth };
}
