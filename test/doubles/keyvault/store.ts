import { createHash, randomBytes } from "node:crypto";
import { kvErrors } from "./errors";

/**
 * The secrets of one vault and their soft-delete lifecycle (fact sheet §2, §4, §6). Pure state: no
 * I/O, no timers. Delays are deadlines compared with the clock on each call, so nothing needs
 * cancelling at stop and a reloaded state carries on where it was.
 */

export interface StoredVersion {
  /** 32 lower-case hex digits. */
  version: string;
  value: string;
  contentType?: string;
  tags?: Record<string, string>;
  enabled: boolean;
  nbf?: number;
  exp?: number;
  /** Unix seconds. */
  created: number;
  updated: number;
}

export interface StoredSecret {
  /** The case first given; ids keep it even when later writes spell the name otherwise (§4). */
  name: string;
  /** Creation order: the last one is the latest. */
  versions: StoredVersion[];
  deleted?: {
    deletedDate: number;
    scheduledPurgeDate: number;
    /** Until then the delete is "in progress": /deletedsecrets/{n} is 404 (§6). Epoch ms. */
    visibleAtMs: number;
  };
  /** Until then GET /secrets/{n}/ stays 404 after a recover (§6). Epoch ms. */
  recoveringUntilMs?: number;
  /** A purge still in progress: the name cannot be re-created yet (§8). Epoch ms. */
  purgingUntilMs?: number;
}

export interface PersistedState {
  format: "keyvault-double/1";
  secrets: StoredSecret[];
}

export interface StoreOptions {
  retentionDays: number;
  purgeProtection: boolean;
  deleteDelayMs: number;
  recoverDelayMs: number;
  purgeDelayMs: number;
}

type Phase = "active" | "recovering" | "deleting" | "deleted" | "purging" | "gone";

interface AttributesOut {
  enabled: boolean;
  nbf?: number;
  exp?: number;
  created: number;
  updated: number;
  recoveryLevel: string;
  recoverableDays: number;
}

export interface BundleOut {
  value?: string;
  id: string;
  contentType?: string;
  tags?: Record<string, string>;
  attributes: AttributesOut;
  recoveryId?: string;
  deletedDate?: number;
  scheduledPurgeDate?: number;
}

export interface Page {
  items: BundleOut[];
  /** Sort key of the page's last item, for the next $skiptoken; absent on an empty page. */
  after?: string;
}

interface AttributesIn {
  enabled?: boolean;
  nbf?: number | null;
  exp?: number | null;
}

interface PropertiesIn {
  contentType?: string;
  tags?: Record<string, string>;
  attributes: AttributesIn;
}

const MAX_VALUE = 25_600;
const MAX_TAGS = 15;
const MAX_TAG_PART = 512;
const MAX_CONTENT_TYPE = 255;
const BACKUP_MAGIC = Buffer.from("KVDBAK01", "ascii");

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Shared by PUT and PATCH: contentType, tags and attributes, with the §4 limits. */
function parseProperties(body: Record<string, unknown>): PropertiesIn {
  const out: PropertiesIn = { attributes: {} };
  const { contentType, tags, attributes } = body;
  if (contentType !== undefined && contentType !== null) {
    if (typeof contentType !== "string" || contentType.length > MAX_CONTENT_TYPE) throw kvErrors.invalidProperty();
    out.contentType = contentType;
  }
  if (tags !== undefined && tags !== null) {
    if (!isRecord(tags)) throw kvErrors.invalidProperty();
    const entries = Object.entries(tags);
    if (entries.length > MAX_TAGS) throw kvErrors.invalidProperty();
    const parsed: Record<string, string> = {};
    for (const [k, v] of entries) {
      if (typeof v !== "string" || k.length > MAX_TAG_PART || v.length > MAX_TAG_PART) throw kvErrors.invalidProperty();
      parsed[k] = v;
    }
    out.tags = parsed;
  }
  if (attributes !== undefined && attributes !== null) {
    if (!isRecord(attributes)) throw kvErrors.invalidProperty();
    const { enabled, nbf, exp } = attributes;
    if (enabled !== undefined && enabled !== null) {
      if (typeof enabled !== "boolean") throw kvErrors.invalidProperty();
      out.attributes.enabled = enabled;
    }
    for (const [key, v] of [["nbf", nbf], ["exp", exp]] as const) {
      if (v === undefined) continue;
      // null clears the date; the SDK never sends it, but a raw client may.
      if (v !== null && (typeof v !== "number" || !Number.isSafeInteger(v))) throw kvErrors.invalidProperty();
      out.attributes[key] = v;
    }
  }
  return out;
}

export function parseSetBody(body: unknown): PropertiesIn & { value: string } {
  if (!isRecord(body)) throw kvErrors.badBody("The request body must be a JSON object with a value.");
  const { value } = body;
  if (typeof value !== "string") throw kvErrors.badBody("The parameter value is required and must be a string.");
  // Unverified whether the 25,600 limit counts characters or UTF-8 bytes (§4): count bytes, the
  // stricter reading, so a client that passes here passes on the service whichever it is.
  if (value.length > MAX_VALUE || Buffer.byteLength(value, "utf8") > MAX_VALUE) throw kvErrors.secretTooLarge();
  return { ...parseProperties(body), value };
}

export function parseUpdateBody(body: unknown): PropertiesIn {
  if (body === undefined) return { attributes: {} };
  if (!isRecord(body)) throw kvErrors.badBody("The request body must be a JSON object.");
  return parseProperties(body);
}

export function parseRestoreBody(body: unknown): string {
  if (!isRecord(body) || typeof body.value !== "string") throw kvErrors.malformedBackup();
  return body.value;
}

const nowSeconds = (ms: number): number => Math.floor(ms / 1000);

export class SecretStore {
  /** `https://host:port`, set once the server listens; every id carries it (§2 "id parsing"). */
  vaultUrl = "";
  /** Called after every change of state (persistence hooks in here). */
  onChange: () => void = () => {};

  private readonly secrets = new Map<string, StoredSecret>();
  /** Keys with a pending deadline, so the sweep does not walk the whole vault on each request. */
  private readonly pending = new Set<string>();

  constructor(private readonly opts: StoreOptions, initial?: PersistedState) {
    for (const s of initial?.secrets ?? []) {
      const key = s.name.toLowerCase();
      this.secrets.set(key, s);
      if (s.deleted || s.recoveringUntilMs !== undefined || s.purgingUntilMs !== undefined) this.pending.add(key);
    }
  }

  get recoveryLevel(): string {
    const custom = this.opts.retentionDays < 90 ? "Customized" : "";
    return this.opts.purgeProtection ? `${custom}Recoverable` : `${custom}Recoverable+Purgeable`;
  }

  toJSON(): PersistedState {
    return { format: "keyvault-double/1", secrets: [...this.secrets.values()] };
  }

  // ---- operations (fact sheet §2) ----

  set(name: string, body: unknown): BundleOut {
    const now = this.sweep();
    const params = parseSetBody(body);
    const key = name.toLowerCase();
    const existing = this.secrets.get(key);
    switch (existing ? this.phase(existing, now) : "gone") {
      case "deleting":
      case "purging": throw kvErrors.beingDeleted(name);
      case "deleted": throw kvErrors.deletedButRecoverable(name);
      case "recovering": throw kvErrors.beingRecovered(name);
      default: break;
    }
    const secret: StoredSecret = existing ?? { name, versions: [] };
    const t = nowSeconds(now);
    const version: StoredVersion = {
      version: this.newVersionId(secret),
      value: params.value,
      enabled: params.attributes.enabled ?? true,
      created: t,
      updated: t,
    };
    if (params.contentType !== undefined) version.contentType = params.contentType;
    if (params.tags !== undefined) version.tags = params.tags;
    if (typeof params.attributes.nbf === "number") version.nbf = params.attributes.nbf;
    if (typeof params.attributes.exp === "number") version.exp = params.attributes.exp;
    secret.versions.push(version);
    this.secrets.set(key, secret);
    this.onChange();
    return this.render(secret, version, { value: true });
  }

  get(name: string, version: string): BundleOut {
    const now = this.sweep();
    const secret = this.live(name, now);
    const v = this.findVersion(secret, name, version);
    if (!v.enabled) throw kvErrors.secretDisabled();
    return this.render(secret, v, { value: true });
  }

  update(name: string, version: string, body: unknown): BundleOut {
    const now = this.sweep();
    const params = parseUpdateBody(body);
    const secret = this.live(name, now);
    const v = this.findVersion(secret, name, version);
    if (params.contentType !== undefined) v.contentType = params.contentType;
    if (params.tags !== undefined) v.tags = params.tags;
    const { enabled, nbf, exp } = params.attributes;
    if (enabled !== undefined) v.enabled = enabled;
    if (nbf === null) delete v.nbf;
    else if (nbf !== undefined) v.nbf = nbf;
    if (exp === null) delete v.exp;
    else if (exp !== undefined) v.exp = exp;
    v.updated = nowSeconds(now);
    this.onChange();
    // The service answers a PATCH without the value [R:…recording_can_update_a_secret].
    return this.render(secret, v, { value: false });
  }

  delete(name: string): BundleOut {
    const now = this.sweep();
    const secret = this.live(name, now);
    const deletedDate = nowSeconds(now);
    secret.deleted = {
      deletedDate,
      scheduledPurgeDate: deletedDate + this.opts.retentionDays * 86_400,
      visibleAtMs: now + this.opts.deleteDelayMs,
    };
    this.pending.add(name.toLowerCase());
    this.onChange();
    return this.renderDeleted(secret, { versionInId: true });
  }

  getDeleted(name: string): BundleOut {
    const now = this.sweep();
    const secret = this.secrets.get(name.toLowerCase());
    if (!secret || this.phase(secret, now) !== "deleted") throw kvErrors.deletedSecretNotFound(name);
    return this.renderDeleted(secret, { versionInId: true });
  }

  purge(name: string): void {
    const now = this.sweep();
    const key = name.toLowerCase();
    const secret = this.secrets.get(key);
    const phase = secret ? this.phase(secret, now) : "gone";
    if (phase === "deleting") throw kvErrors.purgeWhileDeleting();
    if (!secret || phase !== "deleted") throw kvErrors.deletedSecretNotFound(name);
    if (this.opts.purgeProtection) throw kvErrors.purgeProtected();
    if (this.opts.purgeDelayMs > 0) {
      secret.purgingUntilMs = now + this.opts.purgeDelayMs;
      secret.versions = []; // the values are gone at once; only the name stays blocked
      this.pending.add(key);
    } else {
      this.secrets.delete(key);
      this.pending.delete(key);
    }
    this.onChange();
  }

  recover(name: string): BundleOut {
    const now = this.sweep();
    const key = name.toLowerCase();
    const secret = this.secrets.get(key);
    const phase = secret ? this.phase(secret, now) : "gone";
    // Unverified: recover while the delete is in progress. 409 tells the client to wait, where a
    // 404 would read as "nothing to recover".
    if (phase === "deleting") throw kvErrors.beingDeleted(name);
    if (!secret || phase !== "deleted") throw kvErrors.secretNotFound(name);
    delete secret.deleted;
    secret.recoveringUntilMs = now + this.opts.recoverDelayMs;
    this.pending.add(key);
    this.onChange();
    // Same version id, created date and tags come back (§6; tag preservation is unverified, kept
    // because tags are part of the deleted bundle the service holds).
    return this.render(secret, this.latest(secret), { value: false });
  }

  backup(name: string): string {
    const now = this.sweep();
    const secret = this.live(name, now);
    const payload = Buffer.from(JSON.stringify({ name: secret.name, versions: secret.versions }), "utf8");
    const digest = createHash("sha256").update(payload).digest();
    return Buffer.concat([BACKUP_MAGIC, digest, payload]).toString("base64url");
  }

  restore(blob: string): BundleOut {
    const now = this.sweep();
    const restored = decodeBackup(blob);
    const key = restored.name.toLowerCase();
    const existing = this.secrets.get(key);
    switch (existing ? this.phase(existing, now) : "gone") {
      case "gone": break;
      case "deleting":
      case "purging": throw kvErrors.beingDeleted(restored.name);
      case "deleted": throw kvErrors.deletedButRecoverable(restored.name);
      default: throw kvErrors.restoreConflict(restored.name);
    }
    this.secrets.set(key, restored);
    this.pending.delete(key);
    this.onChange();
    return this.render(restored, this.latest(restored), { value: false });
  }

  /** `/secrets`: latest version of each live secret, sorted by name, id without version (§2 "Lists"). */
  list(max: number, after?: string): Page {
    const now = this.sweep();
    const keys = [...this.secrets.keys()].filter((k) => {
      const s = this.secrets.get(k);
      return s !== undefined && this.phase(s, now) === "active";
    });
    return this.page(keys.sort(), max, after, (k) => {
      const s = this.secrets.get(k) as StoredSecret;
      return this.renderItem(s, this.latest(s), { versionInId: false });
    });
  }

  /** `/secrets/{n}/versions`: sorted by version id as observed; an unknown name is an empty list (§2). */
  listVersions(name: string, max: number, after?: string): Page {
    const now = this.sweep();
    const secret = this.secrets.get(name.toLowerCase());
    if (!secret || this.phase(secret, now) !== "active") return { items: [] };
    const byId = new Map(secret.versions.map((v) => [v.version, v]));
    return this.page([...byId.keys()].sort(), max, after, (id) =>
      this.renderItem(secret, byId.get(id) as StoredVersion, { versionInId: true }),
    );
  }

  /** `/deletedsecrets`: only deletes that completed, sorted by name, id without version. */
  listDeleted(max: number, after?: string): Page {
    const now = this.sweep();
    const keys = [...this.secrets.keys()].filter((k) => {
      const s = this.secrets.get(k);
      return s !== undefined && this.phase(s, now) === "deleted";
    });
    return this.page(keys.sort(), max, after, (k) => this.renderDeleted(this.secrets.get(k) as StoredSecret, { versionInId: false }));
  }

  // ---- internals ----

  private phase(s: StoredSecret, now: number): Phase {
    if (s.purgingUntilMs !== undefined) return now < s.purgingUntilMs ? "purging" : "gone";
    if (s.deleted) {
      if (now < s.deleted.visibleAtMs) return "deleting";
      return now >= s.deleted.scheduledPurgeDate * 1000 ? "gone" : "deleted";
    }
    if (s.recoveringUntilMs !== undefined && now < s.recoveringUntilMs) return "recovering";
    return "active";
  }

  /** Drops passed deadlines: finished purges, soft-deletes past their purge date, finished recoveries. */
  private sweep(): number {
    const now = Date.now();
    let changed = false;
    for (const key of this.pending) {
      const s = this.secrets.get(key);
      const phase = s ? this.phase(s, now) : "gone";
      if (phase === "gone") {
        this.secrets.delete(key);
        this.pending.delete(key);
        changed = true;
      } else if (phase === "active" && s) {
        delete s.recoveringUntilMs;
        this.pending.delete(key);
        changed = true;
      }
    }
    if (changed) this.onChange();
    return now;
  }

  /** A secret that GET/PATCH/DELETE/backup may touch; anything else is 404 as on the service (§6). */
  private live(name: string, now: number): StoredSecret {
    const s = this.secrets.get(name.toLowerCase());
    if (!s || this.phase(s, now) !== "active" || s.versions.length === 0) throw kvErrors.secretNotFound(name);
    return s;
  }

  private latest(s: StoredSecret): StoredVersion {
    return s.versions[s.versions.length - 1] as StoredVersion;
  }

  private findVersion(s: StoredSecret, name: string, version: string): StoredVersion {
    if (version === "") return this.latest(s);
    const wanted = version.toLowerCase();
    const v = s.versions.find((x) => x.version === wanted);
    if (!v) throw kvErrors.secretNotFound(`${name}/${version}`);
    return v;
  }

  private newVersionId(s: StoredSecret): string {
    for (;;) {
      const id = randomBytes(16).toString("hex");
      if (!s.versions.some((v) => v.version === id)) return id;
    }
  }

  private page(keys: string[], max: number, after: string | undefined, render: (key: string) => BundleOut): Page {
    const start = after === undefined ? 0 : keys.findIndex((k) => k > after);
    const slice = start < 0 ? [] : keys.slice(start, start + max);
    const last = slice[slice.length - 1];
    return last === undefined ? { items: [] } : { items: slice.map(render), after: last };
  }

  private attributes(v: StoredVersion): AttributesOut {
    const a: AttributesOut = {
      enabled: v.enabled,
      created: v.created,
      updated: v.updated,
      recoveryLevel: this.recoveryLevel,
      recoverableDays: this.opts.retentionDays,
    };
    if (v.nbf !== undefined) a.nbf = v.nbf;
    if (v.exp !== undefined) a.exp = v.exp;
    return a;
  }

  private render(s: StoredSecret, v: StoredVersion, opts: { value: boolean }): BundleOut {
    const id = `${this.vaultUrl}/secrets/${s.name}/${v.version}`;
    // Key order as the service's (value first): cosmetic, but it keeps raw dumps comparable.
    const out: BundleOut = opts.value ? { value: v.value, id, attributes: this.attributes(v) } : { id, attributes: this.attributes(v) };
    if (v.contentType !== undefined) out.contentType = v.contentType;
    if (v.tags !== undefined) out.tags = { ...v.tags };
    return out;
  }

  private renderItem(s: StoredSecret, v: StoredVersion, opts: { versionInId: boolean }): BundleOut {
    const out = this.render(s, v, { value: false });
    if (!opts.versionInId) out.id = `${this.vaultUrl}/secrets/${s.name}`;
    return out;
  }

  private renderDeleted(s: StoredSecret, opts: { versionInId: boolean }): BundleOut {
    const out = this.renderItem(s, this.latest(s), opts);
    const d = s.deleted;
    if (d) {
      out.recoveryId = `${this.vaultUrl}/deletedsecrets/${s.name}`;
      out.deletedDate = d.deletedDate;
      out.scheduledPurgeDate = d.scheduledPurgeDate;
    }
    return out;
  }
}

/** Accepts only blobs this double made, intact; anything else is the §3 "Malformed backup blob". */
function decodeBackup(blob: string): StoredSecret {
  const raw = Buffer.from(blob, "base64url");
  const head = BACKUP_MAGIC.length;
  if (raw.length <= head + 32 || !raw.subarray(0, head).equals(BACKUP_MAGIC)) throw kvErrors.malformedBackup();
  const payload = raw.subarray(head + 32);
  if (!createHash("sha256").update(payload).digest().equals(raw.subarray(head, head + 32))) throw kvErrors.malformedBackup();
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload.toString("utf8"));
  } catch {
    throw kvErrors.malformedBackup();
  }
  if (!isRecord(parsed) || typeof parsed.name !== "string" || !Array.isArray(parsed.versions) || parsed.versions.length === 0) {
    throw kvErrors.malformedBackup();
  }
  const versions = parsed.versions as unknown[];
  if (!versions.every((v) => isRecord(v) && typeof v.version === "string" && typeof v.value === "string")) {
    throw kvErrors.malformedBackup();
  }
  return { name: parsed.name, versions: versions as StoredVersion[] };
}
