// `vault-migration:migrations`: the migration runs of a stack, validated with errors naming the key.
import * as fs from "node:fs";
import type { KeyVaultCredentialSpec } from "../clients/keyvault/credentials";
import type { KeyVaultMigrationArgs } from "../components/KeyVaultMigration";
import type { KeyVaultDestinationSpec } from "../migration/destinations";

/** One migration as configured; the program adds the source connection and, if needed, the vault URL. */
export interface MigrationConfig {
  name: string;
  args: Omit<KeyVaultMigrationArgs, "source" | "destination" | "credential" | "fingerprintKey"> & {
    source: Omit<KeyVaultMigrationArgs["source"], "connection">;
  };
  /** Destination without `vaultUrl` means: the stack's KeyVaultDeployment. */
  destination: Omit<KeyVaultDestinationSpec, "kind" | "vaultUrl"> & { vaultUrl?: string };
  credential: KeyVaultCredentialSpec;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Parses the list. Environment fallbacks let a local or CI run pass what is not known in advance:
 * `AZURE_KEYVAULT_URL`, `AZURE_KEYVAULT_CA_FILE`, and for `credential: {type: accessToken}` with no
 * token, `AZURE_KEYVAULT_ACCESS_TOKEN` (or the secret config `keyVaultAccessToken`).
 */
export function readMigrations(raw: unknown, env: Record<string, string | undefined>, accessToken?: string): MigrationConfig[] {
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
    if (dest.kind !== undefined && dest.kind !== "azure-keyvault") problems.push(`${at("destination.kind")} must be "azure-keyvault"`);
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
