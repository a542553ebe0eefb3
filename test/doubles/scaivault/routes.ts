// The routes of the ScaiVault double: which operation a request is, the scope it needs and the
// rate-limit category it counts against (fact sheet §1–§3, §5).
import type { Category, Scope } from "./store";

export type OperationName =
  | "health"
  | "ready"
  | "version"
  | "whoami"
  | "putSecret"
  | "getSecret"
  | "deleteSecret"
  | "listSecrets"
  | "batchRead"
  | "listBackends"
  | "createBackend"
  | "getBackend"
  | "patchBackend"
  | "deleteBackend"
  | "backendStatus"
  | "syncBackend"
  | "backendConflicts";

export interface Route {
  readonly op: OperationName;
  /** Secret path or backend id. */
  readonly arg?: string;
  /** Scope needed (`admin` grants every scope); none for the health routes. */
  readonly scope?: Scope;
  /** Category counted; none for health and whoami. */
  readonly category?: Category;
}

/** The route of a request, or undefined (404). `path` is the URL path, query stripped. */
export function route(method: string, path: string): Route | undefined {
  if (method === "GET" && path === "/v1/health") return { op: "health" };
  if (method === "GET" && path === "/v1/health/ready") return { op: "ready" };
  if (method === "GET" && path === "/v1/version") return { op: "version" };
  if (method === "GET" && path === "/v1/auth/whoami") return { op: "whoami" };
  if (path === "/v1/secrets" && method === "GET") return { op: "listSecrets", scope: "secrets:list", category: "list" };
  if (path === "/v1/secrets/batch" && method === "POST") return { op: "batchRead", scope: "secrets:read", category: "read" };
  if (path.startsWith("/v1/secrets/")) {
    const arg = decodeURIComponent(path.slice("/v1/secrets/".length));
    if (method === "PUT") return { op: "putSecret", arg, scope: "secrets:write", category: "write" };
    if (method === "GET") return { op: "getSecret", arg, scope: "secrets:read", category: "read" };
    if (method === "DELETE") return { op: "deleteSecret", arg, scope: "secrets:delete", category: "delete" };
    return undefined;
  }
  if (path === "/v1/federation/backends") {
    if (method === "GET") return { op: "listBackends", scope: "federation:read", category: "federation" };
    if (method === "POST") return { op: "createBackend", scope: "federation:write", category: "federation" };
    return undefined;
  }
  const m = /^\/v1\/federation\/backends\/([^/]+)(\/status|\/sync|\/conflicts)?$/.exec(path);
  if (m) {
    const arg = decodeURIComponent(m[1] as string);
    const sub = m[2];
    if (!sub && method === "GET") return { op: "getBackend", arg, scope: "federation:read", category: "federation" };
    if (!sub && method === "PATCH") return { op: "patchBackend", arg, scope: "federation:write", category: "federation" };
    if (!sub && method === "DELETE") return { op: "deleteBackend", arg, scope: "federation:write", category: "federation" };
    if (sub === "/status" && method === "GET") return { op: "backendStatus", arg, scope: "federation:read", category: "federation" };
    if (sub === "/sync" && method === "POST") return { op: "syncBackend", arg, scope: "federation:write", category: "federation" };
    if (sub === "/conflicts" && method === "GET") return { op: "backendConflicts", arg, scope: "federation:read", category: "federation" };
  }
  return undefined;
}
