// One line of a Vault/OpenBao audit log (`file` device, or a syslog/socket capture saved as JSON
// lines), reduced to what cutover readiness needs: the entry's time and, for a read request, the
// namespaced path and the caller's auth metadata. Request and response data (HMAC'd by Vault) are
// never looked at or kept.

/** Who made a request, as the audit log names it (the accessor is Vault's HMAC of it). */
export interface AuditIdentity {
  readonly displayName?: string;
  readonly entityId?: string;
  readonly policies?: readonly string[];
  readonly accessor?: string;
  /** `auth.metadata.role_name`: the AppRole (or other role-based method) role. */
  readonly roleName?: string;
}

/** A read of one path. */
export interface AuditRead {
  readonly timeMs: number;
  /** Namespace path (`team-a/`, empty for the root) followed by the request path. */
  readonly path: string;
  readonly identity: AuditIdentity;
  readonly remoteAddress?: string;
}

/** What one line is: an entry with a time (a read, or anything else), or a line that is not one. */
export type AuditLine = { kind: "read"; read: AuditRead } | { kind: "other"; timeMs: number } | { kind: "malformed" };

const TIME_AT_START = /^\s*\{\s*"time"\s*:\s*"([^"]{10,40})"/;

const str = (v: unknown): string | undefined => (typeof v === "string" && v ? v : undefined);
const obj = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

/** `team-a/` (always with one trailing slash) or empty for the root namespace. */
export function normalizeNamespace(ns: string | undefined): string {
  const clean = (ns ?? "").replace(/^\/+|\/+$/g, "");
  return clean ? `${clean}/` : "";
}

/**
 * Parses one line. `mayMatch` is a cheap prefilter on the raw line: a line it rejects is never
 * JSON-parsed when its time can be read from its start (Vault writes `{"time":…` first), which keeps
 * a 1 GB log fast; such a line still counts for the log's coverage.
 */
export function parseAuditLine(line: string, mayMatch: (line: string) => boolean = () => true): AuditLine {
  if (!line.trim()) return { kind: "malformed" };
  if (!mayMatch(line)) {
    const m = TIME_AT_START.exec(line);
    const t = m ? Date.parse(m[1]) : NaN;
    if (Number.isFinite(t)) return { kind: "other", timeMs: t };
  }
  let e: unknown;
  try {
    e = JSON.parse(line);
  } catch {
    return { kind: "malformed" };
  }
  const entry = obj(e);
  const timeMs = entry && typeof entry.time === "string" ? Date.parse(entry.time) : NaN;
  if (!entry || !Number.isFinite(timeMs)) return { kind: "malformed" };
  const request = obj(entry.request);
  if (entry.type !== "request" || !request || request.operation !== "read" || typeof request.path !== "string") return { kind: "other", timeMs };
  const auth = obj(entry.auth) ?? {};
  const ns = obj(request.namespace);
  const policies = Array.isArray(auth.token_policies) ? auth.token_policies : Array.isArray(auth.policies) ? auth.policies : undefined;
  const identity: AuditIdentity = {
    ...(str(auth.display_name) ? { displayName: str(auth.display_name) } : {}),
    ...(str(auth.entity_id) ? { entityId: str(auth.entity_id) } : {}),
    ...(policies ? { policies: policies.filter((p): p is string => typeof p === "string") } : {}),
    ...(str(auth.accessor) ? { accessor: str(auth.accessor) } : {}),
    ...(str(obj(auth.metadata)?.role_name) ? { roleName: str(obj(auth.metadata)?.role_name) } : {}),
  };
  const remote = str(request.remote_address);
  return { kind: "read", read: { timeMs, path: `${normalizeNamespace(str(ns?.path))}${request.path.replace(/^\/+/, "")}`, identity, ...(remote ? { remoteAddress: remote } : {}) } };
}
