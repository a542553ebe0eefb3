// The ScaiVault double's state: secrets with versions and soft delete, tokens with scopes,
// federation backends, and the rate-limit buckets. Pinned to shared/scaivault-api.md (§ numbers).
import { randomBytes } from "node:crypto";

/** Scopes of fact sheet §1. */
export const SCOPES = ["secrets:read", "secrets:write", "secrets:delete", "secrets:list", "policies:read", "policies:write", "federation:read", "federation:write", "audit:read", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

/** Rate-limit categories of fact sheet §1. */
export type Category = "write" | "read" | "delete" | "list" | "federation";
export const SECRET_TYPES = ["kv", "json", "certificate", "ssh_key", "api_key"];

/** An error the routes answer with the §1 envelope. */
export class SvError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details?: unknown, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

export interface Version {
  readonly version: number;
  readonly data: Record<string, unknown>;
  readonly createdAt: string;
}

export interface StoredSecret {
  path: string;
  secretType: string;
  versions: Version[];
  current: number;
  description: string;
  tags: string[];
  owner: string;
  maxVersions: number;
  createdAt: string;
  updatedAt: string;
  /** Soft-deleted at (epoch ms). */
  deletedAt?: number;
}

export interface Backend {
  id: string;
  name: string;
  type: string;
  config: { endpoint: string; auth_method: string; auth_config_path: string; tls_verify: boolean; namespace?: string };
  path_mapping: Record<string, string>;
  mode: "proxy" | "sync";
  sync_interval?: string;
  conflict_resolution?: string;
  createdAt: string;
}

/** Fact sheet §2's grammar. */
export function pathProblem(p: string): string | undefined {
  if (!p || p.length > 512 || !/^[a-z0-9\-_/]+$/.test(p) || p.startsWith("/") || p.endsWith("/") || p.includes("//") || p.split("/").length > 10) {
    return "paths are lowercase a-z 0-9 - _ /, at most 10 segments and 512 characters, no leading, trailing or double '/'";
  }
  return undefined;
}

/** A mapping pattern: segments of the path grammar, `*` (one segment) or `**` (any number, zero included) (§3). */
export function globProblem(pattern: string): string | undefined {
  if (!pattern || pattern.startsWith("/") || pattern.endsWith("/") || pattern.includes("//")) return "empty segment";
  for (const seg of pattern.split("/")) {
    if (seg === "*" || seg === "**") continue;
    if (!/^[a-z0-9\-_]+$/.test(seg)) return `segment "${seg}" is neither a path segment, '*' nor '**'`;
  }
  return undefined;
}

/** The captures of `pattern` matching `path` (one per wildcard, in order), or undefined. */
export function matchGlob(pattern: string, path: string): string[] | undefined {
  const re = new RegExp(
    "^" +
      pattern
        .split("/")
        .map((seg, i, all) => {
          const sep = i === 0 ? "" : "/";
          if (seg === "**") return i === all.length - 1 ? `(?:${sep}(.*))?` : `(?:${sep}(.*?))?`;
          return sep + (seg === "*" ? "([^/]+)" : seg.replace(/[-]/g, "\\-"));
        })
        .join("") +
      "$",
  );
  const m = re.exec(path);
  return m ? m.slice(1).map((x) => x ?? "") : undefined;
}

/** Fills a Vault template's wildcards with the captures, in order. */
export function fillTemplate(template: string, captures: readonly string[]): string {
  let i = 0;
  return template
    .replace(/\*\*|\*/g, () => captures[i++] ?? "")
    .replace(/\/+/g, "/")
    .replace(/\/$/, "");
}

interface Bucket {
  tokens: number;
  at: number;
}

export interface Limits {
  readonly write: number;
  readonly read: number;
  readonly delete: number;
  readonly list: number;
  readonly federation: number;
  /** Refill window; default 60,000 ms (per minute). */
  readonly windowMs?: number;
}

export const DEFAULT_LIMITS: Limits = { write: 100, read: 1000, delete: 100, list: 100, federation: 20 };

/** Token buckets per identity and category (§1): capacity `limit`, refilled `limit` per window. */
export class RateLimiter {
  private buckets = new Map<string, Bucket>();
  throttled = 0;
  constructor(public limits: Limits | false) {}

  /** Takes one token or throws 429 `rate_limited`; returns the headers of the answer. */
  take(identity: string, category: Category, now = Date.now()): Record<string, string> {
    if (!this.limits) return {};
    const limit = this.limits[category];
    const windowMs = this.limits.windowMs ?? 60_000;
    const rate = limit / windowMs;
    const key = `${identity}|${category}`;
    const b = this.buckets.get(key) ?? { tokens: limit, at: now };
    b.tokens = Math.min(limit, b.tokens + (now - b.at) * rate);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens < 1) {
      const waitMs = (1 - b.tokens) / rate;
      this.throttled++;
      const headers = { "x-ratelimit-limit": String(limit), "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(Math.ceil((now + waitMs) / 1000)), "retry-after": String(Math.max(1, Math.ceil(waitMs / 1000))) };
      throw new SvError(429, "rate_limited", `rate limit exceeded for ${category} operations`, undefined, headers);
    }
    b.tokens -= 1;
    const remaining = Math.floor(b.tokens);
    const reset = remaining > 0 ? now + (limit - b.tokens) / rate : now + (1 - (b.tokens - remaining)) / rate;
    return { "x-ratelimit-limit": String(limit), "x-ratelimit-remaining": String(remaining), "x-ratelimit-reset": String(Math.ceil(reset / 1000)) };
  }

  reset(): void {
    this.buckets.clear();
  }
}

export class Store {
  readonly secrets = new Map<string, StoredSecret>();
  readonly backends = new Map<string, Backend>();
  readonly tokens = new Map<string, { identity: string; scopes: Set<Scope>; revoked?: boolean; expiresAt?: number }>();

  constructor(public retentionMs: number) {}

  issueToken(scopes: readonly Scope[], identity = `sa:test-${randomBytes(3).toString("hex")}`, token = `skt_${randomBytes(18).toString("hex")}`): string {
    this.tokens.set(token, { identity, scopes: new Set(scopes) });
    return token;
  }

  /** Live (not soft-deleted) secret at `path`; a soft-deleted one past retention is purged. */
  live(path: string, now = Date.now()): StoredSecret | undefined {
    const s = this.secrets.get(path);
    if (!s) return undefined;
    if (s.deletedAt !== undefined) {
      if (now - s.deletedAt >= this.retentionMs) this.secrets.delete(path);
      return undefined;
    }
    return s;
  }

  /** §2: every PUT appends a version; a soft-deleted path in retention is `secret_exists`. */
  put(path: string, body: { data?: unknown; secret_type?: unknown; metadata?: { description?: unknown; tags?: unknown }; options?: { max_versions?: unknown } }, owner: string, now = Date.now()): StoredSecret {
    const bad = pathProblem(path);
    if (bad) throw new SvError(400, "invalid_path", bad);
    if (typeof body.data !== "object" || body.data === null || Array.isArray(body.data)) throw new SvError(422, "validation_error", "data must be an object", { fields: { data: "required object" } });
    const type = body.secret_type ?? "kv";
    if (typeof type !== "string" || !SECRET_TYPES.includes(type)) throw new SvError(400, "invalid_secret_type", `secret_type must be one of ${SECRET_TYPES.join(", ")}`);
    const tags = body.metadata?.tags;
    if (tags !== undefined && (!Array.isArray(tags) || tags.some((t) => typeof t !== "string"))) throw new SvError(422, "validation_error", "metadata.tags must be a list of strings", { fields: { "metadata.tags": "list of strings" } });
    const mv = body.options?.max_versions;
    if (mv !== undefined && (typeof mv !== "number" || !Number.isInteger(mv) || mv < 1)) throw new SvError(422, "validation_error", "options.max_versions must be a positive integer", { fields: { "options.max_versions": "positive integer" } });
    const held = this.secrets.get(path);
    if (held?.deletedAt !== undefined) {
      if (now - held.deletedAt < this.retentionMs) throw new SvError(409, "secret_exists", `secret ${path} was deleted and is retained until ${new Date(held.deletedAt + this.retentionMs).toISOString()}`);
      this.secrets.delete(path);
    }
    const ts = new Date(now).toISOString();
    const s: StoredSecret = this.secrets.get(path) ?? { path, secretType: type, versions: [], current: 0, description: "", tags: [], owner, maxVersions: 10, createdAt: ts, updatedAt: ts };
    s.current += 1;
    s.versions.push({ version: s.current, data: structuredClone(body.data as Record<string, unknown>), createdAt: ts });
    s.secretType = type;
    // Metadata fields sent replace the stored ones; fields left out are kept (the double's choice: undocumented).
    if (typeof body.metadata?.description === "string") s.description = body.metadata.description;
    if (Array.isArray(tags)) s.tags = [...(tags as string[])];
    if (typeof mv === "number") s.maxVersions = mv;
    while (s.versions.length > s.maxVersions) s.versions.shift();
    s.updatedAt = ts;
    this.secrets.set(path, s);
    return s;
  }

  view(s: StoredSecret, version?: number): Record<string, unknown> {
    const v = version === undefined ? s.versions[s.versions.length - 1] : s.versions.find((x) => x.version === version);
    if (!v) throw new SvError(404, "version_not_found", `version ${version} of ${s.path} not found`);
    return {
      path: s.path,
      secret_type: s.secretType,
      version: v.version,
      data: structuredClone(v.data),
      metadata: { description: s.description, tags: [...s.tags], owner: s.owner },
      created_at: s.createdAt,
      updated_at: s.updatedAt,
      expires_at: null,
    };
  }

  /** Proxy-mode backend whose mapping covers `path`, with the Vault path it maps to. */
  proxied(path: string): { backend: Backend; vaultPath: string } | undefined {
    for (const b of this.backends.values()) {
      if (b.mode !== "proxy") continue;
      for (const [pattern, template] of Object.entries(b.path_mapping)) {
        const m = matchGlob(pattern, path);
        if (m) return { backend: b, vaultPath: fillTemplate(template, m) };
      }
    }
    return undefined;
  }
}
