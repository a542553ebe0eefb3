// The double's HashiCorp Vault app connections (fact sheet §4) and secret syncs (§5). A sync is
// PERFORMED against the real Vault/OpenBao the connection names, as the sheet describes Infisical's
// hc-vault sync: log in (AppRole at `approle`, or the access token), read `sys/mounts`, read the
// secret (404 = empty), merge, delete only keys matching the key schema unless deletion is disabled,
// write the whole map once when anything changed. Syncs run asynchronously (status polled).
// Kept apart from server.ts/store.ts: one route function and one hook are all they call.
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { request } from "undici";
import { doubleError, normPath, type InfisicalStore } from "./store";

export interface VaultSyncsOptions {
  /** Infisical's `ALLOW_INTERNAL_IP_CONNECTIONS=true`: loopback/private instance URLs accepted. Default false. */
  readonly allowInternalIpConnections?: boolean;
  /** Called when a sync's run or removal ends (its status changed after the request was answered): the persistence hook. */
  readonly onChange?: () => void;
}

/** What persist.ts keeps: connections and syncs (without their running promise) and the hash key, so credentialsHash stays the same. */
export interface VaultSyncsState {
  hashKey: string;
  connections: Connection[];
  syncs: Omit<Sync, "running">[];
}

interface Connection {
  id: string;
  name: string;
  description: string | null;
  projectId: string | null;
  gatewayId: string | null;
  method: "app-role" | "access-token";
  credentials: { instanceUrl: string; namespace: string | null; roleId?: string; secretId?: string; accessToken?: string };
  credentialsHash: string;
  version: number;
}

interface Sync {
  id: string;
  name: string;
  description: string | null;
  projectId: string;
  connectionId: string;
  environment: string;
  secretPath: string;
  isAutoSyncEnabled: boolean;
  syncOptions: { initialSyncBehavior: string; keySchema?: string; disableSecretDeletion: boolean };
  destinationConfig: { mount: string; path: string };
  syncStatus: string | null;
  lastSyncMessage: string | null;
  lastSyncedAt: string | null;
  removeStatus: string | null;
  lastRemoveMessage: string | null;
  /** Set after the first sync: the initial sync behaviour applies once. */
  initialDone: boolean;
  running?: Promise<void>;
}

const BEHAVIORS = ["overwrite-destination", "import-prioritize-source", "import-prioritize-destination"];
const SLUG = /^[a-z0-9-]+$/;
const VAULT_PATH = /^([a-zA-Z0-9._-]+\/)*[a-zA-Z0-9._-]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Infisical's validate-url (§4): loopback, private and link-local hosts, and `user:pass@` URLs. */
export function internalUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "Invalid URL";
  }
  if (u.username || u.password) return "URLs with user credentials are not allowed";
  const h = u.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(h);
  const [a, b] = v4 ? [Number(v4[1]), Number(v4[2])] : [NaN, NaN];
  const privateV4 = v4 !== null && (a === 127 || a === 10 || a === 0 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254));
  const privateV6 = h === "::1" || h === "::" || /^f[cd][0-9a-f]{2}:/.test(h) || /^fe80:/.test(h);
  if (h === "localhost" || h.endsWith(".localhost") || h.endsWith(".internal") || privateV4 || privateV6) return "Local IPs not allowed as URL";
  return undefined;
}

/** `{{secretKey}}`/`{{environment}}` → the Vault key; and the match of a Vault key back to its secret key. */
export function applyKeySchema(schema: string | undefined, key: string, environment: string): string {
  return schema ? schema.split("{{secretKey}}").join(key).split("{{environment}}").join(environment) : key;
}
export function keyFromSchema(schema: string | undefined, vaultKey: string, environment: string): string | undefined {
  if (!schema) return vaultKey;
  const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = schema.split("{{secretKey}}").map((part) => part.split("{{environment}}").map(esc).join(esc(environment))).join("(.+)");
  const m = new RegExp(`^${pattern}$`).exec(vaultKey);
  return m ? (m[1] ?? "") : undefined;
}

export class VaultSyncs {
  readonly connections = new Map<string, Connection>();
  readonly syncs = new Map<string, Sync>();
  /** Whole-map writes made into Vault by syncs and removals (a no-change sync makes none). */
  vaultWrites = 0;
  private hashKey = randomBytes(32);

  constructor(
    private readonly store: InfisicalStore,
    private readonly options: VaultSyncsOptions = {},
  ) {}

  snapshot(): VaultSyncsState {
    return { hashKey: this.hashKey.toString("base64"), connections: [...this.connections.values()], syncs: [...this.syncs.values()].map(({ running: _r, ...s }) => s) };
  }

  /** A restarted double: the saved connections and syncs; a sync saved mid-run shows the status it had (Infisical's queue does not survive either). */
  restore(state: VaultSyncsState): void {
    this.hashKey = Buffer.from(state.hashKey, "base64");
    for (const c of state.connections) this.connections.set(c.id, c);
    for (const x of state.syncs) this.syncs.set(x.id, { ...x });
  }

  /** Every sync's run so far has ended (tests wait on it before reading Vault). */
  async idle(): Promise<void> {
    for (const s of this.syncs.values()) await s.running;
  }

  /** The routes of §4 and §5; `undefined` when the path is not theirs. */
  async route(method: string, path: string, q: URLSearchParams, body: Record<string, unknown>): Promise<unknown> {
    let m: RegExpExecArray | null;
    const C = "/api/v1/app-connections/hashicorp-vault";
    const S = "/api/v1/secret-syncs/hashicorp-vault";
    if (path === C && method === "POST") return { appConnection: this.connJson(await this.createConnection(body)) };
    if (path === C && method === "GET") return { appConnections: [...this.connections.values()].map((c) => this.connJson(c)) };
    if (method === "GET" && (m = new RegExp(`^${C}/connection-name/([^/]+)$`).exec(path))) return { appConnection: this.connJson(this.connByName(decodeURIComponent(m[1] as string))) };
    if ((m = new RegExp(`^${C}/([^/]+)$`).exec(path))) {
      const c = this.conn(decodeURIComponent(m[1] as string));
      if (method === "GET") return { appConnection: this.connJson(c) };
      if (method === "PATCH") return { appConnection: this.connJson(await this.updateConnection(c, body)) };
      if (method === "DELETE") {
        if ([...this.syncs.values()].some((s) => s.connectionId === c.id)) throw doubleError(400, "BadRequest", `Cannot delete App Connection '${c.name}': it is used by one or more secret syncs. Remove them and try again.`);
        this.connections.delete(c.id);
        return { appConnection: this.connJson(c) };
      }
    }
    if (path === S && method === "POST") return { secretSync: this.syncJson(this.createSync(body)) };
    if (path === S && method === "GET") return { secretSyncs: [...this.syncs.values()].filter((s) => s.projectId === q.get("projectId")).map((s) => this.syncJson(s)) };
    if (method === "GET" && (m = new RegExp(`^${S}/sync-name/([^/]+)$`).exec(path))) {
      const name = decodeURIComponent(m[1] as string);
      const s = [...this.syncs.values()].find((x) => x.name === name && x.projectId === q.get("projectId"));
      if (!s) throw doubleError(404, "NotFound", `Could not find Hashicorp Vault Sync with name "${name}"`);
      return { secretSync: this.syncJson(s) };
    }
    if (method === "POST" && (m = new RegExp(`^${S}/([^/]+)/sync-secrets$`).exec(path))) {
      const s = this.sync(decodeURIComponent(m[1] as string));
      this.queue(s);
      return { secretSync: this.syncJson(s) };
    }
    if (method === "POST" && (m = new RegExp(`^${S}/([^/]+)/remove-secrets$`).exec(path))) {
      const s = this.sync(decodeURIComponent(m[1] as string));
      await this.removeSecrets(s);
      return { secretSync: this.syncJson(s) };
    }
    if ((m = new RegExp(`^${S}/([^/]+)$`).exec(path))) {
      const s = this.sync(decodeURIComponent(m[1] as string));
      if (method === "GET") return { secretSync: this.syncJson(s) };
      if (method === "PATCH") return { secretSync: this.syncJson(this.updateSync(s, body)) };
      if (method === "DELETE") {
        await s.running;
        if (q.get("removeSecrets") === "true") await this.removeSecrets(s);
        this.syncs.delete(s.id);
        return { secretSync: this.syncJson(s) };
      }
    }
    return undefined;
  }

  /** Auto-sync (§5): a secret change in a sync's source folder queues it. */
  secretsChanged(projectId: unknown, environment: unknown): void {
    for (const s of this.syncs.values()) if (s.isAutoSyncEnabled && s.projectId === projectId && s.environment === environment) this.queue(s);
  }

  // Connections.

  private conn(id: string): Connection {
    const c = this.connections.get(id);
    if (!c) throw doubleError(404, "NotFound", `Could not find App Connection with ID ${id}`);
    return c;
  }

  private connByName(name: string): Connection {
    const c = [...this.connections.values()].find((x) => x.name === name);
    if (!c) throw doubleError(404, "NotFound", `Could not find App Connection with name ${name}`);
    return c;
  }

  private connJson(c: Connection): Record<string, unknown> {
    const { secretId: _s, accessToken: _t, ...shown } = c.credentials;
    return { id: c.id, name: c.name, description: c.description, orgId: "org-double", projectId: c.projectId, gatewayId: c.gatewayId, app: "hashicorp-vault", method: c.method, credentialsHash: c.credentialsHash, version: c.version, createdAt: new Date().toISOString(), updatedAt: new Date().toISOString(), credentials: shown };
  }

  private credentials(method: string, raw: unknown, gatewayId: string | null): Connection["credentials"] {
    const c = (raw ?? {}) as Record<string, unknown>;
    const instanceUrl = typeof c.instanceUrl === "string" ? c.instanceUrl.replace(/\/+$/, "") : "";
    if (!instanceUrl) throw doubleError(422, "ValidationFailure", [{ path: ["credentials", "instanceUrl"], message: "Required" }]);
    const why = internalUrlProblem(instanceUrl);
    // A gateway reaches the private network itself; without one the server must allow internal IPs.
    if (why && (why !== "Local IPs not allowed as URL" || (!gatewayId && !this.options.allowInternalIpConnections))) throw doubleError(400, "BadRequest", why);
    const namespace = typeof c.namespace === "string" && c.namespace ? c.namespace : null;
    if (method === "app-role") {
      if (typeof c.roleId !== "string" || !c.roleId || typeof c.secretId !== "string" || !c.secretId) throw doubleError(422, "ValidationFailure", [{ path: ["credentials"], message: "roleId and secretId are required" }]);
      return { instanceUrl, namespace, roleId: c.roleId, secretId: c.secretId };
    }
    if (typeof c.accessToken !== "string" || !c.accessToken) throw doubleError(422, "ValidationFailure", [{ path: ["credentials", "accessToken"], message: "Required" }]);
    return { instanceUrl, namespace, accessToken: c.accessToken };
  }

  private async createConnection(body: Record<string, unknown>): Promise<Connection> {
    const name = body.name;
    if (typeof name !== "string" || !SLUG.test(name) || name.length > 64) throw doubleError(422, "ValidationFailure", [{ path: ["name"], message: "must be a slug of at most 64 characters" }]);
    if (body.method !== "app-role" && body.method !== "access-token") throw doubleError(422, "ValidationFailure", [{ path: ["method"], message: "Invalid discriminator value" }]);
    if (typeof body.description === "string" && body.description.length > 256) throw doubleError(422, "ValidationFailure", [{ path: ["description"], message: "at most 256 characters" }]);
    const gatewayId = gateway(body.gatewayId);
    if ([...this.connections.values()].some((c) => c.name === name)) throw doubleError(400, "BadRequest", `An App Connection with the name "${name}" already exists`);
    const credentials = this.credentials(body.method, body.credentials, gatewayId);
    await this.validate(body.method, credentials);
    const c: Connection = { id: randomUUID(), name, description: typeof body.description === "string" ? body.description : null, projectId: typeof body.projectId === "string" ? body.projectId : null, gatewayId, method: body.method, credentials, credentialsHash: this.hash(credentials), version: 1 };
    this.connections.set(c.id, c);
    return c;
  }

  private async updateConnection(c: Connection, body: Record<string, unknown>): Promise<Connection> {
    if (body.method !== undefined && body.method !== c.method) throw doubleError(422, "ValidationFailure", [{ path: ["method"], message: "method cannot be changed" }]);
    const name = body.name ?? c.name;
    if (typeof name !== "string" || !SLUG.test(name) || name.length > 64) throw doubleError(422, "ValidationFailure", [{ path: ["name"], message: "must be a slug of at most 64 characters" }]);
    if ([...this.connections.values()].some((x) => x.name === name && x.id !== c.id)) throw doubleError(400, "BadRequest", `An App Connection with the name "${name}" already exists`);
    const gatewayId = body.gatewayId === undefined ? c.gatewayId : gateway(body.gatewayId);
    // Credentials are re-validated only when sent (§4).
    let credentials = c.credentials;
    if (body.credentials !== undefined) {
      credentials = this.credentials(c.method, body.credentials, gatewayId);
      await this.validate(c.method, credentials);
    }
    Object.assign(c, { name, gatewayId, credentials, credentialsHash: this.hash(credentials), version: c.version + 1, description: body.description === undefined ? c.description : typeof body.description === "string" ? body.description : null });
    return c;
  }

  /** §4: AppRole login at `approle` (or the token), then lookup-self; 400 "Failed to validate credentials". */
  private async validate(method: string, creds: Connection["credentials"]): Promise<void> {
    try {
      const token = await vaultLogin(method, creds);
      await vault(creds, token, "GET", "auth/token/lookup-self");
    } catch (e) {
      throw doubleError(400, "BadRequest", `Failed to validate credentials: ${(e as Error).message}`);
    }
  }

  /** Keyed: a hash of the credentials under the server's own key, never an unkeyed one. */
  private hash(creds: Connection["credentials"]): string {
    return createHmac("sha256", this.hashKey).update(JSON.stringify(creds)).digest("hex");
  }

  // Syncs.

  private sync(id: string): Sync {
    const s = this.syncs.get(id);
    if (!s) throw doubleError(404, "NotFound", `Could not find Hashicorp Vault Sync with ID ${id}`);
    return s;
  }

  private syncJson(s: Sync): Record<string, unknown> {
    const c = this.connections.get(s.connectionId);
    const { running: _r, initialDone: _i, ...shown } = s;
    return { ...shown, destination: "hashicorp-vault", folder: { path: s.secretPath }, environment: { slug: s.environment, name: s.environment }, connection: { app: "hashicorp-vault", name: c?.name ?? null, id: s.connectionId } };
  }

  private checkSync(fields: Omit<Sync, "id" | "syncStatus" | "lastSyncMessage" | "lastSyncedAt" | "removeStatus" | "lastRemoveMessage" | "initialDone">, selfId?: string): void {
    if (!SLUG.test(fields.name) || fields.name.length > 256) throw doubleError(422, "ValidationFailure", [{ path: ["name"], message: "must be a slug of at most 256 characters" }]);
    if (!BEHAVIORS.includes(fields.syncOptions.initialSyncBehavior)) throw doubleError(422, "ValidationFailure", [{ path: ["syncOptions", "initialSyncBehavior"], message: "Invalid enum value" }]);
    const { mount, path } = fields.destinationConfig;
    if (!mount || mount.length > 128) throw doubleError(422, "ValidationFailure", [{ path: ["destinationConfig", "mount"], message: "1-128 characters" }]);
    if (!path || path.length > 128 || !VAULT_PATH.test(path)) throw doubleError(422, "ValidationFailure", [{ path: ["destinationConfig", "path"], message: "Invalid path" }]);
    this.conn(fields.connectionId);
    // The source folder must exist (§5).
    this.store.listFolders(fields.projectId, fields.environment, fields.secretPath);
    if ([...this.syncs.values()].some((s) => s.name === fields.name && s.projectId === fields.projectId && s.id !== selfId)) throw doubleError(400, "BadRequest", `A Secret Sync with the name "${fields.name}" already exists`);
  }

  private createSync(body: Record<string, unknown>): Sync {
    const o = (body.syncOptions ?? {}) as Record<string, unknown>;
    const d = (body.destinationConfig ?? {}) as Record<string, unknown>;
    const fields = {
      name: String(body.name ?? ""),
      description: typeof body.description === "string" ? body.description : null,
      projectId: String(body.projectId ?? ""),
      connectionId: String(body.connectionId ?? ""),
      environment: String(body.environment ?? ""),
      secretPath: normPath(body.secretPath),
      isAutoSyncEnabled: body.isAutoSyncEnabled !== false,
      syncOptions: { initialSyncBehavior: String(o.initialSyncBehavior ?? ""), ...(typeof o.keySchema === "string" && o.keySchema ? { keySchema: o.keySchema } : {}), disableSecretDeletion: o.disableSecretDeletion === true },
      destinationConfig: { mount: String(d.mount ?? ""), path: String(d.path ?? "") },
    };
    this.checkSync(fields);
    const s: Sync = { id: randomUUID(), ...fields, syncStatus: null, lastSyncMessage: null, lastSyncedAt: null, removeStatus: null, lastRemoveMessage: null, initialDone: false };
    this.syncs.set(s.id, s);
    if (s.isAutoSyncEnabled) this.queue(s);
    return s;
  }

  private updateSync(s: Sync, body: Record<string, unknown>): Sync {
    const o = body.syncOptions as Record<string, unknown> | undefined;
    const d = body.destinationConfig as Record<string, unknown> | undefined;
    const fields = {
      name: body.name === undefined ? s.name : String(body.name),
      description: body.description === undefined ? s.description : typeof body.description === "string" ? body.description : null,
      projectId: s.projectId,
      connectionId: body.connectionId === undefined ? s.connectionId : String(body.connectionId),
      environment: body.environment === undefined ? s.environment : String(body.environment),
      secretPath: body.secretPath === undefined ? s.secretPath : normPath(body.secretPath),
      isAutoSyncEnabled: body.isAutoSyncEnabled === undefined ? s.isAutoSyncEnabled : body.isAutoSyncEnabled !== false,
      syncOptions: o === undefined ? s.syncOptions : { initialSyncBehavior: String(o.initialSyncBehavior ?? s.syncOptions.initialSyncBehavior), ...(typeof o.keySchema === "string" && o.keySchema ? { keySchema: o.keySchema } : {}), disableSecretDeletion: o.disableSecretDeletion === true },
      destinationConfig: d === undefined ? s.destinationConfig : { mount: String(d.mount ?? ""), path: String(d.path ?? "") },
    };
    this.checkSync(fields, s.id);
    Object.assign(s, fields);
    // Infisical syncs again after an update of an auto-synced sync.
    if (s.isAutoSyncEnabled) this.queue(s);
    return s;
  }

  /** Runs a sync in the background, one at a time per sync; status `pending` at once. */
  private queue(s: Sync): void {
    s.syncStatus = "pending";
    const prior = s.running ?? Promise.resolve();
    s.running = prior.then(async () => {
      s.syncStatus = "running";
      try {
        await this.perform(s);
        s.syncStatus = "succeeded";
        s.lastSyncMessage = null;
      } catch (e) {
        s.syncStatus = "failed";
        s.lastSyncMessage = (e as Error).message;
      }
      s.lastSyncedAt = new Date().toISOString();
      this.options.onChange?.();
    });
  }

  /** The Infisical-side map: the folder's secrets, keys through the key schema. */
  private source(s: Sync): Map<string, string> {
    const out = new Map<string, string>();
    for (const x of this.store.listSecrets(s.projectId, s.environment, s.secretPath, false)) out.set(applyKeySchema(s.syncOptions.keySchema, x.secretKey, s.environment), x.secretValue);
    return out;
  }

  private async perform(s: Sync): Promise<void> {
    const c = this.conn(s.connectionId);
    const token = await vaultLogin(c.method, c.credentials);
    const v2 = await kvV2(c.credentials, token, s.destinationConfig.mount);
    const current = await readKv(c.credentials, token, s.destinationConfig, v2);
    const schema = s.syncOptions.keySchema;
    if (!s.initialDone && s.syncOptions.initialSyncBehavior !== "overwrite-destination") {
      // Import first: the Vault keys this sync manages (matching the schema) into the source folder.
      const have = new Set(this.store.listSecrets(s.projectId, s.environment, s.secretPath, false).map((x) => x.secretKey));
      for (const [vk, value] of Object.entries(current)) {
        const key = keyFromSchema(schema, vk, s.environment);
        if (key === undefined || key === "") continue;
        if (have.has(key) && s.syncOptions.initialSyncBehavior === "import-prioritize-source") continue;
        this.store.put(s.projectId, s.environment, s.secretPath, { secretKey: key, secretValue: value }, "upsert");
      }
    }
    s.initialDone = true;
    const next: Record<string, string> = { ...current };
    let changed = false;
    for (const [k, v] of this.source(s)) {
      if (next[k] !== v) changed = true;
      next[k] = v;
    }
    if (!s.syncOptions.disableSecretDeletion) {
      const src = this.source(s);
      for (const k of Object.keys(next)) {
        if (!src.has(k) && keyFromSchema(schema, k, s.environment) !== undefined) {
          delete next[k];
          changed = true;
        }
      }
    }
    if (changed) {
      await writeKv(c.credentials, token, s.destinationConfig, v2, next);
      this.vaultWrites++;
    }
  }

  /** `removeSecrets`: the keys this sync would write are taken out of the Vault map. */
  private async removeSecrets(s: Sync): Promise<void> {
    s.removeStatus = "running";
    try {
      const c = this.conn(s.connectionId);
      const token = await vaultLogin(c.method, c.credentials);
      const v2 = await kvV2(c.credentials, token, s.destinationConfig.mount);
      const current = await readKv(c.credentials, token, s.destinationConfig, v2);
      const next = { ...current };
      for (const k of this.source(s).keys()) delete next[k];
      if (Object.keys(next).length !== Object.keys(current).length) {
        await writeKv(c.credentials, token, s.destinationConfig, v2, next);
        this.vaultWrites++;
      }
      s.removeStatus = "succeeded";
      s.lastRemoveMessage = null;
    } catch (e) {
      s.removeStatus = "failed";
      s.lastRemoveMessage = (e as Error).message;
      this.options.onChange?.();
      throw doubleError(400, "BadRequest", `Failed to remove secrets: ${(e as Error).message}`);
    }
  }
}

function gateway(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== "string" || !UUID.test(v)) throw doubleError(422, "ValidationFailure", [{ path: ["gatewayId"], message: "Invalid uuid" }]);
  return v;
}

// Vault, as Infisical's hc-vault functions call it.

async function vault(creds: Connection["credentials"], token: string | undefined, method: string, path: string, body?: unknown): Promise<Record<string, unknown> | undefined> {
  const headers: Record<string, string> = {};
  if (token) headers["x-vault-token"] = token;
  if (creds.namespace) headers["x-vault-namespace"] = creds.namespace;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await request(`${creds.instanceUrl}/v1/${path}`, { method: method as "GET", headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.body.text();
  if (res.statusCode === 404) return undefined;
  if (res.statusCode >= 300) {
    let errors = "";
    try {
      // Vault's "1 error occurred:\n\t* permission denied\n\n" on one line.
      errors = ((JSON.parse(text) as { errors?: string[] }).errors ?? []).join("; ").replace(/\s+/g, " ").trim();
    } catch {
      // not JSON
    }
    throw new Error(`Vault ${method} ${path}: ${res.statusCode}${errors ? ` ${errors}` : ""}`);
  }
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/** The mount is fixed at `approle` (§4). */
async function vaultLogin(method: string, creds: Connection["credentials"]): Promise<string> {
  if (method === "access-token") return creds.accessToken ?? "";
  const r = await vault(creds, undefined, "POST", "auth/approle/login", { role_id: creds.roleId, secret_id: creds.secretId });
  const token = (r?.auth as { client_token?: string } | undefined)?.client_token;
  if (!token) throw new Error("Vault POST auth/approle/login: no token");
  return token;
}

async function kvV2(creds: Connection["credentials"], token: string, mount: string): Promise<boolean> {
  const r = await vault(creds, token, "GET", "sys/mounts");
  const mounts = ((r?.data ?? r) ?? {}) as Record<string, { type?: string; options?: { version?: string } | null }>;
  const m = mounts[`${mount.replace(/\/+$/, "")}/`];
  if (!m) throw new Error(`Vault mount ${mount} not found`);
  return m.options?.version === "2";
}

async function readKv(creds: Connection["credentials"], token: string, d: { mount: string; path: string }, v2: boolean): Promise<Record<string, string>> {
  const r = await vault(creds, token, "GET", v2 ? `${d.mount}/data/${d.path}` : `${d.mount}/${d.path}`);
  const data = (v2 ? (r?.data as { data?: unknown } | undefined)?.data : r?.data) ?? {};
  return Object.fromEntries(Object.entries(data as Record<string, unknown>).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

async function writeKv(creds: Connection["credentials"], token: string, d: { mount: string; path: string }, v2: boolean, map: Record<string, string>): Promise<void> {
  await vault(creds, token, "POST", v2 ? `${d.mount}/data/${d.path}` : `${d.mount}/${d.path}`, v2 ? { data: map } : map);
}
