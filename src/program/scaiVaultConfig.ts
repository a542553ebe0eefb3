// Reads `vault-migration:scaivault` (seed 001 steps 3, 4 and 8 as stack config): the ScaiVault
// connection, `ScaiVaultSecret`s (the AppRole credentials a federation backend reads) and
// `ScaiVaultFederationBackend`s. Pure: the caller passes what `pulumi.Config` returned and the
// environment, so tests drive it without an engine. Paths and mappings are checked again, in full,
// by the resources' own `check` at preview.
import { scaiVaultPathProblem } from "../clients/scaivault/paths";
import { isObject } from "./destinations/types";
import { unknownKeys } from "./unknownKeys";

/** Every key of `vault-migration:scaivault`. */
export const SCAIVAULT_KEYS = ["url", "caCertFile", "secrets", "federationBackends"];
/** Every key of one of `secrets`. */
export const SCAIVAULT_SECRET_KEYS = ["name", "path", "valueFrom", "secretType", "description", "tags"];
/** Every key of one of `federationBackends`. */
export const SCAIVAULT_BACKEND_KEYS = ["name", "type", "endpoint", "authMethod", "credentialsFrom", "authConfigPath", "tlsVerify", "namespace", "pathMapping", "mode", "syncInterval", "conflictResolution", "readyTimeoutMs"];

/** Where a secret's value comes from: `reader` is `{role_id, secret_id}` of the stack's reader AppRole. */
export type ScaiVaultValueSource = "reader";

export interface ScaiVaultSecretSettings {
  name: string;
  path: string;
  valueFrom: ScaiVaultValueSource;
  secretType?: string;
  description?: string;
  tags?: string[];
}

export interface ScaiVaultBackendSettings {
  name: string;
  type?: string;
  /** Absent: the stack's Vault address. */
  endpoint?: string;
  authMethod?: string;
  /** The `name` of one of `secrets`: its path, and the backend waits for it. */
  credentialsFrom?: string;
  authConfigPath?: string;
  tlsVerify?: boolean;
  namespace?: string;
  pathMapping: Record<string, string>;
  mode: "proxy" | "sync";
  syncInterval?: string;
  conflictResolution?: string;
  readyTimeoutMs?: number;
}

export interface ScaiVaultSettings {
  url: string;
  caCertPem?: string;
  token: string;
  secrets: ScaiVaultSecretSettings[];
  backends: ScaiVaultBackendSettings[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/**
 * Validates `vault-migration:scaivault` and throws one error listing every problem, each naming its
 * key; undefined when the stack has none. The token is the secret config `scaivaultToken` or
 * `SCAIVAULT_TOKEN` (as for a ScaiVault migration), never a key of this object.
 */
export function readScaiVault(raw: unknown, env: Record<string, string | undefined>, secret: (key: string) => string | undefined, hasReader: boolean): ScaiVaultSettings | undefined {
  if (raw === undefined) return undefined;
  const at = (k: string): string => `[vault-migration:scaivault.${k}]`;
  if (!isObject(raw)) throw new Error("invalid stack configuration:\n  - [vault-migration:scaivault] must be an object");
  const problems: string[] = [];
  unknownKeys(raw, SCAIVAULT_KEYS, at, problems);
  const url = typeof raw.url === "string" && raw.url ? raw.url : env.SCAIVAULT_URL;
  if (!url) problems.push(`${at("url")} is required (or SCAIVAULT_URL)`);
  let caCertPem: string | undefined;
  const caFile = typeof raw.caCertFile === "string" && raw.caCertFile ? raw.caCertFile : env.SCAIVAULT_CA_FILE;
  if (caFile) {
    try {
      // Loaded here, not at the top: the reader stays importable where `fs` is not wanted.
      caCertPem = (require("node:fs") as typeof import("node:fs")).readFileSync(caFile, "utf8");
    } catch (e) {
      problems.push(`${at("caCertFile")} cannot be read: ${(e as Error).message}`);
    }
  }
  const token = secret("scaivaultToken") ?? env.SCAIVAULT_TOKEN;
  if (!token) problems.push("[vault-migration:scaivaultToken] is required for vault-migration:scaivault (pulumi config set --secret scaivaultToken …, or set SCAIVAULT_TOKEN)");

  const secrets: ScaiVaultSecretSettings[] = [];
  const list = (key: string): unknown[] => {
    const v = raw[key];
    if (v === undefined) return [];
    if (!Array.isArray(v)) {
      problems.push(`${at(key)} must be a list`);
      return [];
    }
    return v;
  };
  const names = new Set<string>();
  const uniqueName = (key: string, name: unknown): void => {
    if (typeof name !== "string" || !NAME.test(name)) problems.push(`${at(`${key}.name`)} must be a name of letters, digits, '-' and '_'`);
    else if (names.has(name)) problems.push(`${at(`${key}.name`)} ${name} is used twice (each name is one resource of the stack)`);
    else names.add(name);
  };
  list("secrets").forEach((s, i) => {
    const key = `secrets[${i}]`;
    if (!isObject(s)) return void problems.push(`${at(key)} must be an object`);
    unknownKeys(s, SCAIVAULT_SECRET_KEYS, (k) => at(`${key}.${k}`), problems);
    uniqueName(key, s.name);
    const why = typeof s.path === "string" ? scaiVaultPathProblem(s.path) : "is required";
    if (why) problems.push(`${at(`${key}.path`)} ${typeof s.path === "string" ? `is not a ScaiVault path: ${why}` : why}`);
    // A value in the stack file would be plaintext in the state: it comes from the stack's resources.
    if (s.valueFrom !== "reader") problems.push(`${at(`${key}.valueFrom`)} must be "reader" ({role_id, secret_id} of the stack's reader AppRole)`);
    else if (!hasReader) problems.push(`${at(`${key}.valueFrom`)} "reader" needs [vault-migration:reader]`);
    if (s.tags !== undefined && !(Array.isArray(s.tags) && s.tags.every((t) => typeof t === "string"))) problems.push(`${at(`${key}.tags`)} must be a list of strings`);
    for (const k of ["secretType", "description"]) if (s[k] !== undefined && typeof s[k] !== "string") problems.push(`${at(`${key}.${k}`)} must be a string`);
    secrets.push(s as unknown as ScaiVaultSecretSettings);
  });

  const backends: ScaiVaultBackendSettings[] = [];
  list("federationBackends").forEach((b, i) => {
    const key = `federationBackends[${i}]`;
    if (!isObject(b)) return void problems.push(`${at(key)} must be an object`);
    unknownKeys(b, SCAIVAULT_BACKEND_KEYS, (k) => at(`${key}.${k}`), problems);
    uniqueName(key, b.name);
    if ((b.credentialsFrom === undefined) === (b.authConfigPath === undefined)) problems.push(`${at(`${key}`)} needs one of credentialsFrom (the name of one of [vault-migration:scaivault.secrets]) or authConfigPath`);
    else if (b.credentialsFrom !== undefined && !secrets.some((s) => s.name === b.credentialsFrom)) problems.push(`${at(`${key}.credentialsFrom`)} names no entry of [vault-migration:scaivault.secrets]: ${String(b.credentialsFrom)}`);
    if (!isObject(b.pathMapping) || Object.keys(b.pathMapping).length === 0 || Object.values(b.pathMapping).some((t) => typeof t !== "string")) problems.push(`${at(`${key}.pathMapping`)} must map at least one ScaiVault pattern to a Vault template`);
    if (b.mode !== "proxy" && b.mode !== "sync") problems.push(`${at(`${key}.mode`)} must be "proxy" or "sync"`);
    if (b.tlsVerify !== undefined && typeof b.tlsVerify !== "boolean") problems.push(`${at(`${key}.tlsVerify`)} must be true or false`);
    if (b.readyTimeoutMs !== undefined && !(Number.isInteger(b.readyTimeoutMs) && (b.readyTimeoutMs as number) > 0)) problems.push(`${at(`${key}.readyTimeoutMs`)} must be a whole number of milliseconds`);
    for (const k of ["type", "endpoint", "authMethod", "authConfigPath", "namespace", "syncInterval", "conflictResolution"]) if (b[k] !== undefined && typeof b[k] !== "string") problems.push(`${at(`${key}.${k}`)} must be a string`);
    backends.push(b as unknown as ScaiVaultBackendSettings);
  });
  if (problems.length) throw new Error(`invalid stack configuration:\n  - ${problems.join("\n  - ")}`);
  return { url: url as string, ...(caCertPem ? { caCertPem } : {}), token: token as string, secrets, backends };
}
