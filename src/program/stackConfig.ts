// Reads and validates the stack configuration (namespace `vault-migration`) into typed settings.
// Pure: the caller passes what `pulumi.Config` returned, so tests can drive it without an engine.
import * as fs from "node:fs";
import type { VaultAuth } from "../clients/vault/connection";
import type { ReaderAdoption } from "../components/MigrationReader";
import type { ReaderSource } from "../components/readerPolicy";
import { configuredPathProblem } from "../engine/paths";
import { isObject } from "./destinations/types";
import { unknownKeys } from "./unknownKeys";

/** `vault-migration:vault`: how to reach the source Vault. */
export interface VaultSettings {
  address: string;
  namespace?: string;
  caCertPem?: string;
  insecureSkipTlsVerify?: boolean;
}

/** `vault-migration:reader`: the least-privilege reader to create. */
export interface ReaderSettings {
  name: string;
  sources: ReaderSource[];
  authMountPath?: string;
  tokenTtl?: string | number;
  tokenMaxTtl?: string | number;
  secretIdTtl?: string | number;
  /** Logins one secret_id allows (0 = unlimited); a run logs in once per Vault-facing operation. */
  secretIdNumUses?: number;
  secretIdBoundCidrs?: string[];
  tokenBoundCidrs?: string[];
  rotationTrigger?: string;
  implementation?: "dynamic" | "pulumi-vault";
  /** Existing objects of the same name to take over (and leave on destroy): `{policy, role, authMount}`. */
  adopt?: ReaderAdoption;
}

export interface RawStackConfig {
  vault?: unknown;
  reader?: unknown;
  /** `vault-migration:vaultToken` (secret), else the VAULT_TOKEN environment variable. */
  vaultToken?: string;
  /** The stack has migrations: a Vault connection is needed, from the config or the environment. */
  needsVault?: boolean;
  env: Record<string, string | undefined>;
}

export interface StackSettings {
  /** Present when something in the stack talks to Vault (a reader). */
  vault?: VaultSettings;
  auth?: VaultAuth;
  reader?: ReaderSettings;
}


/** Every key of `vault-migration:vault`. */
export const VAULT_KEYS = ["address", "namespace", "caCertFile", "insecureSkipTlsVerify", "token"];
/** Every key of `vault-migration:reader` (see {@link ReaderSettings}). */
export const READER_KEYS = ["name", "sources", "authMountPath", "tokenTtl", "tokenMaxTtl", "secretIdTtl", "secretIdNumUses", "secretIdBoundCidrs", "tokenBoundCidrs", "rotationTrigger", "implementation", "adopt"];
/** Every key of one of the reader's `sources`. */
export const READER_SOURCE_KEYS = ["mount", "kvVersion", "prefixes"];

/** Validates the whole configuration and throws one error listing every problem, each naming its key. */
export function readStackSettings(raw: RawStackConfig): StackSettings {
  const problems: string[] = [];
  // A stack that only deploys the destination (no reader, no migration) needs no Vault connection;
  // one with migrations may take it from VAULT_ADDR / VAULT_TOKEN alone.
  if (raw.vault === undefined && raw.reader === undefined && !raw.needsVault) return {};
  const v = raw.vault === undefined ? {} : raw.vault;
  if (!isObject(v)) throw new Error("[vault-migration:vault] must be an object");
  unknownKeys(v, VAULT_KEYS, (k) => `[vault-migration:vault.${k}]`, problems);
  const address = (v.address as string | undefined) ?? raw.env.VAULT_ADDR;
  if (!address) problems.push("[vault-migration:vault.address] is required (or set VAULT_ADDR)");
  else if (!/^https?:\/\//.test(address)) problems.push(`[vault-migration:vault.address] must be an http(s) URL: ${address}`);
  const vault: VaultSettings = { address: address ?? "" };
  const namespace = (v.namespace as string | undefined) ?? raw.env.VAULT_NAMESPACE;
  if (namespace) vault.namespace = namespace;
  const caFile = (v.caCertFile as string | undefined) ?? raw.env.VAULT_CACERT;
  if (caFile) {
    try {
      vault.caCertPem = fs.readFileSync(caFile, "utf8");
    } catch (e) {
      problems.push(`[vault-migration:vault.caCertFile] cannot be read: ${(e as Error).message}`);
    }
  }
  if (v.insecureSkipTlsVerify !== undefined && typeof v.insecureSkipTlsVerify !== "boolean") problems.push("[vault-migration:vault.insecureSkipTlsVerify] must be true or false");
  if (v.insecureSkipTlsVerify === true) vault.insecureSkipTlsVerify = true;

  // `vault.token` too: it is where a user looks first, and where the refusal of a plaintext one
  // (./plaintextCredentials.ts) tells them to keep it, as a secret.
  const token = raw.vaultToken ?? (typeof v.token === "string" && v.token ? v.token : undefined) ?? raw.env.VAULT_TOKEN;
  if (!token) problems.push("[vault-migration:vaultToken] is required (pulumi config set --secret vaultToken …, or set VAULT_TOKEN)");

  let reader: ReaderSettings | undefined;
  if (raw.reader !== undefined) {
    if (!isObject(raw.reader)) problems.push("[vault-migration:reader] must be an object");
    else {
      const r = raw.reader;
      unknownKeys(r, READER_KEYS, (k) => `[vault-migration:reader.${k}]`, problems);
      if (typeof r.name !== "string" || !r.name) problems.push("[vault-migration:reader.name] is required");
      if (!Array.isArray(r.sources) || r.sources.length === 0) problems.push("[vault-migration:reader.sources] must list at least one KV mount");
      else {
        r.sources.forEach((s: unknown, i: number) => {
          if (!isObject(s)) problems.push(`[vault-migration:reader.sources[${i}]] must be an object`);
          else {
            unknownKeys(s, READER_SOURCE_KEYS, (k) => `[vault-migration:reader.sources[${i}].${k}]`, problems);
            if (typeof s.mount !== "string" || !s.mount) problems.push(`[vault-migration:reader.sources[${i}].mount] is required`);
            else {
              const mountProblem = configuredPathProblem(s.mount, true);
              if (mountProblem) problems.push(`[vault-migration:reader.sources[${i}].mount] ${mountProblem}`);
            }
            if (s.kvVersion !== 1 && s.kvVersion !== 2) problems.push(`[vault-migration:reader.sources[${i}].kvVersion] must be 1 or 2`);
            if (s.prefixes !== undefined && !(Array.isArray(s.prefixes) && s.prefixes.every((p) => typeof p === "string"))) problems.push(`[vault-migration:reader.sources[${i}].prefixes] must be a list of strings`);
            else {
              ((s.prefixes as string[] | undefined) ?? []).forEach((p, j) => {
                const prefixProblem = configuredPathProblem(p, false);
                if (prefixProblem) problems.push(`[vault-migration:reader.sources[${i}].prefixes[${j}]] ${prefixProblem}`);
              });
            }
          }
        });
      }
      if (r.authMountPath !== undefined) {
        const mountProblem = typeof r.authMountPath === "string" ? configuredPathProblem(r.authMountPath, true) : "must be a string";
        if (mountProblem) problems.push(`[vault-migration:reader.authMountPath] ${mountProblem}`);
      }
      if (r.secretIdNumUses !== undefined && !(Number.isInteger(r.secretIdNumUses) && (r.secretIdNumUses as number) >= 0)) problems.push("[vault-migration:reader.secretIdNumUses] must be a whole number, 0 (unlimited) or more");
      if (r.adopt !== undefined) {
        if (!isObject(r.adopt)) problems.push("[vault-migration:reader.adopt] must be an object: {policy, role, authMount}, each true or false");
        else {
          for (const [k, v] of Object.entries(r.adopt)) {
            if (k !== "policy" && k !== "role" && k !== "authMount") problems.push(`[vault-migration:reader.adopt.${k}] is not a reader object: policy, role or authMount`);
            else if (typeof v !== "boolean") problems.push(`[vault-migration:reader.adopt.${k}] must be true or false`);
          }
        }
      }
      reader = r as unknown as ReaderSettings;
    }
  }
  if (problems.length) throw new Error(`invalid stack configuration:\n  - ${problems.join("\n  - ")}`);
  return { vault, auth: { method: "token", token: token as string }, reader };
}
