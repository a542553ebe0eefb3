// `vault-migration:infisicalSync`: an Infisical HashiCorp Vault connection and its syncs into the
// stack's Vault (README "Keeping Vault fed by an Infisical sync during cutover"). Pure: the caller
// passes the config object, the environment and the secret config reader.
import type { InfisicalAuth } from "../clients/infisical/InfisicalClient";
import { INITIAL_SYNC_BEHAVIORS, type InitialSyncBehavior } from "../clients/infisical/vaultSync";
import { syncTargetOverlaps } from "../resources/infisicalSyncTargets";
import { isObject } from "./destinations/types";
import { unknownKeys } from "./unknownKeys";

export const INFISICAL_SYNC_KEYS = ["siteUrl", "auth", "projectId", "connection", "writer", "syncs", "after"];
export const INFISICAL_SYNC_CONNECTION_KEYS = ["name", "description", "gatewayId", "instanceUrl", "namespace", "method", "allowInternalIpConnections"];
export const INFISICAL_SYNC_WRITER_KEYS = ["name", "kvVersion", "manageAuthMount", "rotationTrigger"];
export const INFISICAL_SYNC_ENTRY_KEYS = ["name", "description", "environment", "secretPath", "mount", "path", "initialSyncBehavior", "keySchema", "autoSync", "disableSecretDeletion", "trigger", "removeSecretsOnDelete", "waitSeconds"];

export interface InfisicalSyncEntry {
  name: string;
  description?: string;
  environment: string;
  secretPath: string;
  mount: string;
  path: string;
  initialSyncBehavior?: InitialSyncBehavior;
  keySchema?: string;
  autoSync?: boolean;
  disableSecretDeletion?: boolean;
  trigger?: string;
  removeSecretsOnDelete?: boolean;
  waitSeconds?: number;
}

export interface InfisicalSyncSettings {
  siteUrl: string;
  auth: InfisicalAuth;
  projectId: string;
  connection: { name: string; description?: string; gatewayId?: string; instanceUrl?: string; namespace?: string; method: "app-role" | "access-token"; allowInternalIpConnections?: boolean };
  /** With `app-role`: the InfisicalSyncWriter's policy/role name and its options. */
  writer: { name: string; kvVersion: 1 | 2; manageAuthMount: boolean; rotationTrigger?: string };
  /** With `access-token`: the Vault token Infisical uses (secret config `infisicalSyncVaultToken`). */
  vaultToken?: string;
  syncs: InfisicalSyncEntry[];
  /** Names of the stack's migrations the syncs wait for (a sync of what a migration writes runs after it). */
  after: string[];
}

const K = (k: string): string => `[vault-migration:infisicalSync.${k}]`;

/** Validates `vault-migration:infisicalSync`; one error listing every problem. Undefined when not set. */
export function readInfisicalSync(raw: unknown, env: Record<string, string | undefined>, secret: (key: string) => string | undefined): InfisicalSyncSettings | undefined {
  if (raw === undefined) return undefined;
  if (!isObject(raw)) throw new Error(`${K("")} must be an object`.replace(".]", "]"));
  const problems: string[] = [];
  unknownKeys(raw, INFISICAL_SYNC_KEYS, K, problems);
  const a = isObject(raw.auth) ? raw.auth : { method: "universal-auth" };
  let auth: InfisicalAuth;
  if (a.method === "access-token") {
    auth = { method: "access-token", accessToken: String(secret("infisicalAccessToken") ?? env.INFISICAL_TOKEN ?? "") };
    if (!auth.accessToken) problems.push(`${K("auth")} access-token needs the secret config infisicalAccessToken or INFISICAL_TOKEN`);
  } else {
    auth = { method: "universal-auth", clientId: String(a.clientId ?? env.INFISICAL_CLIENT_ID ?? ""), clientSecret: String(secret("infisicalClientSecret") ?? env.INFISICAL_CLIENT_SECRET ?? "") };
    if (!auth.clientId) problems.push(`${K("auth.clientId")} is required (or INFISICAL_CLIENT_ID)`);
    if (!auth.clientSecret) problems.push(`${K("auth")} universal-auth needs the secret config infisicalClientSecret or INFISICAL_CLIENT_SECRET`);
  }
  const siteUrl = String(raw.siteUrl ?? env.INFISICAL_SITE_URL ?? "https://app.infisical.com");
  const projectId = typeof raw.projectId === "string" ? raw.projectId : (env.INFISICAL_SYNC_PROJECT_ID ?? "");
  if (!projectId) problems.push(`${K("projectId")} is required (the Infisical project's id, or INFISICAL_SYNC_PROJECT_ID)`);
  const after = raw.after === undefined ? [] : Array.isArray(raw.after) && raw.after.every((x) => typeof x === "string" && x) ? (raw.after as string[]) : (problems.push(`${K("after")} must be a list of migration names`), []);
  const c = isObject(raw.connection) ? raw.connection : {};
  unknownKeys(c, INFISICAL_SYNC_CONNECTION_KEYS, (k) => K(`connection.${k}`), problems);
  const method = c.method ?? "app-role";
  if (method !== "app-role" && method !== "access-token") problems.push(`${K("connection.method")} must be "app-role" or "access-token"`);
  const connection: InfisicalSyncSettings["connection"] = { name: String(c.name ?? ""), method: method === "access-token" ? "access-token" : "app-role" };
  if (!connection.name) problems.push(`${K("connection.name")} is required (a slug)`);
  for (const k of ["description", "gatewayId", "instanceUrl", "namespace"] as const) if (typeof c[k] === "string") connection[k] = c[k] as string;
  if (c.allowInternalIpConnections === true) connection.allowInternalIpConnections = true;
  const w = isObject(raw.writer) ? raw.writer : {};
  unknownKeys(w, INFISICAL_SYNC_WRITER_KEYS, (k) => K(`writer.${k}`), problems);
  const writer = { name: String(w.name ?? "infisical-sync"), kvVersion: w.kvVersion === 1 ? (1 as const) : (2 as const), manageAuthMount: w.manageAuthMount === true, ...(typeof w.rotationTrigger === "string" ? { rotationTrigger: w.rotationTrigger } : {}) };
  const vaultToken = connection.method === "access-token" ? secret("infisicalSyncVaultToken") ?? env.INFISICAL_SYNC_VAULT_TOKEN : undefined;
  if (connection.method === "access-token" && !vaultToken) problems.push(`${K("connection.method")} access-token needs the secret config infisicalSyncVaultToken or INFISICAL_SYNC_VAULT_TOKEN`);
  const syncs: InfisicalSyncEntry[] = [];
  if (!Array.isArray(raw.syncs) || raw.syncs.length === 0) problems.push(`${K("syncs")} must list at least one sync`);
  else
    raw.syncs.forEach((s: unknown, i) => {
      const at = (k: string): string => K(`syncs[${i}].${k}`);
      if (!isObject(s)) return void problems.push(`${K(`syncs[${i}]`)} must be an object`);
      unknownKeys(s, INFISICAL_SYNC_ENTRY_KEYS, at, problems);
      for (const k of ["name", "environment", "mount", "path"]) if (typeof s[k] !== "string" || !s[k]) problems.push(`${at(k)} is required`);
      if (s.initialSyncBehavior !== undefined && !(INITIAL_SYNC_BEHAVIORS as readonly unknown[]).includes(s.initialSyncBehavior)) problems.push(`${at("initialSyncBehavior")} must be one of ${INITIAL_SYNC_BEHAVIORS.join(", ")}`);
      syncs.push({ ...(s as unknown as InfisicalSyncEntry), secretPath: typeof s.secretPath === "string" ? s.secretPath : "/" });
    });
  // Two syncs that would erase each other's keys: refused here, before any resource is registered.
  problems.push(...syncTargetOverlaps(syncs.map((s) => ({ label: s.name, mount: s.mount, path: s.path, environment: s.environment, ...(s.keySchema ? { keySchema: s.keySchema } : {}) }))));
  if (problems.length) throw new Error(`invalid stack configuration:\n  - ${problems.join("\n  - ")}`);
  return { siteUrl, auth, projectId, connection, writer, ...(vaultToken ? { vaultToken } : {}), syncs, after };
}
