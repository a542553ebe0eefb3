// The Infisical double's data: projects, environments, folders and secrets (with secretMetadata),
// with Infisical's own rules applied as the fact sheet (shared/infisical-api.md) states them.
import { randomUUID } from "node:crypto";

export interface StoredSecret {
  value: string;
  metadata: { key: string; value: string }[];
  version: number;
}

export interface Environment {
  id: string;
  name: string;
  slug: string;
  /** Folder paths (`/`, `/a`, `/a/b`). */
  folders: Set<string>;
  /** `<folder path>\u0000<key>` → secret. */
  secrets: Map<string, StoredSecret>;
}

export interface Project {
  id: string;
  name: string;
  slug: string;
  environments: Environment[];
}

/** An error the routes turn into Infisical's envelope. */
export interface DoubleError extends Error {
  status: number;
  errorName: string;
  detail: unknown;
}

export function doubleError(status: number, errorName: string, message: unknown): DoubleError {
  const e = new Error(typeof message === "string" ? message : "validation failed") as DoubleError;
  e.status = status;
  e.errorName = errorName;
  e.detail = message;
  return e;
}

export const isDoubleError = (e: unknown): e is DoubleError => e instanceof Error && typeof (e as Partial<DoubleError>).status === "number";

const SLUG = /^[a-z0-9-]+$/;
const FOLDER = /^[a-zA-Z0-9-_]+$/;

/** §3: leading and trailing whitespace is lost; a trailing newline survives as one `\n`. */
export function infisicalTrim(value: string): string {
  const trimmed = value.trim();
  return /\n\s*$/.test(value) && trimmed !== "" ? `${trimmed}\n` : trimmed;
}

/** Normalises a secret path: leading `/`, no trailing `/` (trailing slashes are ignored, §0). */
export function normPath(p: unknown): string {
  const s = typeof p === "string" && p ? p : "/";
  const parts = s.split("/").filter(Boolean);
  return `/${parts.join("/")}`;
}

const join = (path: string, key: string): string => `${path}\u0000${key}`;

export class InfisicalStore {
  readonly projects: Project[] = [];

  // Projects and environments (§2).

  createProject(body: Record<string, unknown>): Project {
    const name = body.projectName;
    if (typeof name !== "string" || !name || name.length > 64) throw doubleError(422, "ValidationFailure", [{ path: ["projectName"], message: "must be 1-64 characters" }]);
    const slug = typeof body.slug === "string" ? body.slug : `${name.toLowerCase().replace(/[^a-z0-9]+/g, "-").slice(0, 24)}-${randomUUID().slice(0, 4)}`;
    if (slug.length < 5 || slug.length > 36 || !SLUG.test(slug)) throw doubleError(422, "ValidationFailure", [{ path: ["slug"], message: "must be 5-36 characters of [a-z0-9-]" }]);
    if (this.projects.some((p) => p.slug === slug)) throw doubleError(400, "BadRequest", `Project with slug '${slug}' already exists`);
    const project: Project = { id: randomUUID(), name, slug, environments: [] };
    if (body.shouldCreateDefaultEnvs !== false) for (const [n, s] of [["Development", "dev"], ["Staging", "staging"], ["Production", "prod"]] as const) this.addEnv(project, n, s);
    this.projects.push(project);
    return project;
  }

  project(id: string): Project {
    const p = this.projects.find((x) => x.id === id);
    if (!p) throw doubleError(404, "NotFound", `Project with ID '${id}' not found`);
    return p;
  }

  projectBySlug(slug: string): Project {
    const p = this.projects.find((x) => x.slug === slug);
    if (!p) throw doubleError(404, "NotFound", `Project with slug '${slug}' not found`);
    return p;
  }

  createEnvironment(projectId: string, body: Record<string, unknown>): Environment {
    const p = this.project(projectId);
    const { name, slug } = body;
    if (typeof name !== "string" || !name || typeof slug !== "string" || !slug || slug.length > 64 || !SLUG.test(slug)) {
      throw doubleError(422, "ValidationFailure", [{ path: ["slug"], message: "slug must be [a-z0-9-], at most 64" }]);
    }
    if (p.environments.some((e) => e.slug === slug)) throw doubleError(400, "BadRequest", "Environment with slug already exists");
    return this.addEnv(p, name, slug);
  }

  private addEnv(p: Project, name: string, slug: string): Environment {
    const env: Environment = { id: randomUUID(), name, slug, folders: new Set(["/"]), secrets: new Map() };
    p.environments.push(env);
    return env;
  }

  env(projectId: string, slug: unknown): Environment {
    const p = this.project(projectId);
    const e = p.environments.find((x) => x.slug === slug);
    if (!e) throw doubleError(404, "NotFound", `Environment with slug '${String(slug)}' in project with ID '${projectId}' not found`);
    return e;
  }

  // Folders (§2): creating one creates its missing parents; an existing one is 400.

  createFolder(body: Record<string, unknown>): { id: string; name: string } {
    const env = this.env(String(body.projectId ?? body.workspaceId ?? ""), body.environment);
    const name = body.name;
    if (typeof name !== "string" || !FOLDER.test(name)) throw doubleError(422, "ValidationFailure", [{ path: ["name"], message: "Invalid folder name. Only alphanumeric characters, dashes, and underscores are allowed." }]);
    const parent = normPath(body.path);
    const full = parent === "/" ? `/${name}` : `${parent}/${name}`;
    if (env.folders.has(full)) throw doubleError(400, "BadRequest", `Folder with name '${name}' already exists in path '${parent}'`);
    const parts = full.split("/").filter(Boolean);
    for (let i = 1; i <= parts.length; i++) env.folders.add(`/${parts.slice(0, i).join("/")}`);
    return { id: randomUUID(), name };
  }

  listFolders(projectId: string, envSlug: unknown, path: unknown): { id: string; name: string }[] {
    const env = this.env(projectId, envSlug);
    const parent = normPath(path);
    if (!env.folders.has(parent)) throw doubleError(404, "NotFound", `Folder with path '${parent}' not found`);
    const prefix = parent === "/" ? "/" : `${parent}/`;
    return [...env.folders].filter((f) => f !== parent && f.startsWith(prefix) && !f.slice(prefix.length).includes("/")).sort().map((f) => ({ id: f, name: f.slice(prefix.length) }));
  }

  // Secrets (§3).

  private folder(env: Environment, path: unknown): string {
    const p = normPath(path);
    if (!env.folders.has(p)) throw doubleError(404, "NotFound", `Folder with path '${p}' in environment with slug '${env.slug}' not found`);
    return p;
  }

  listSecrets(projectId: string, envSlug: unknown, path: unknown, recursive: boolean): { secretKey: string; secretValue: string; secretPath: string; version: number; type: "shared"; secretMetadata: { key: string; value: string }[] }[] {
    const env = this.env(projectId, envSlug);
    const root = this.folder(env, path);
    const under = root === "/" ? "/" : `${root}/`;
    const out = [];
    for (const [k, s] of env.secrets) {
      const [p, key] = k.split("\u0000") as [string, string];
      if (p === root || (recursive && p.startsWith(under))) out.push({ secretKey: key, secretValue: s.value, secretPath: p, version: s.version, type: "shared" as const, secretMetadata: s.metadata.map((m) => ({ ...m })) });
    }
    return out.sort((a, b) => (a.secretPath + a.secretKey < b.secretPath + b.secretKey ? -1 : 1));
  }

  /** Upsert (or create only / update only) one key, with Infisical's key, value and metadata rules. */
  put(projectId: string, envSlug: unknown, path: unknown, item: Record<string, unknown>, mode: "create" | "update" | "upsert"): void {
    const env = this.env(projectId, envSlug);
    const folder = this.folder(env, item.secretPath ?? path);
    const key = validKey(item.secretKey);
    if (item.type !== undefined && item.type !== "shared") throw doubleError(403, "PermissionDenied", "A machine identity may only write shared secrets");
    const existing = env.secrets.get(join(folder, key));
    if (mode === "create" && existing) throw doubleError(400, "BadRequest", "Secret already exists");
    if (mode === "update" && !existing) throw doubleError(404, "NotFound", `Secret with name '${key}' not found`);
    const metadata = item.secretMetadata === undefined ? existing?.metadata ?? [] : validMetadata(item.secretMetadata);
    const value = typeof item.secretValue === "string" ? infisicalTrim(item.secretValue) : existing?.value ?? "";
    env.secrets.set(join(folder, key), { value, metadata, version: (existing?.version ?? 0) + 1 });
  }

  remove(projectId: string, envSlug: unknown, path: unknown, key: unknown): void {
    const env = this.env(projectId, envSlug);
    const folder = this.folder(env, path);
    if (!env.secrets.delete(join(folder, String(key)))) throw doubleError(404, "NotFound", `Secret with name '${String(key)}' not found`);
  }

  /** Test hook: one secret as stored. */
  peek(projectSlug: string, envSlug: string, path: string, key: string): StoredSecret | undefined {
    const p = this.projects.find((x) => x.slug === projectSlug);
    const e = p?.environments.find((x) => x.slug === envSlug);
    return e?.secrets.get(join(normPath(path), key));
  }
}

function validKey(k: unknown): string {
  const key = typeof k === "string" ? k.trim() : "";
  if (!key || key.includes(":") || key.includes("/") || key.length > 500) throw doubleError(422, "ValidationFailure", [{ path: ["secretKey"], message: "Secret key must be 1-500 characters without ':' or '/'" }]);
  return key;
}

function validMetadata(m: unknown): { key: string; value: string }[] {
  if (!Array.isArray(m)) throw doubleError(422, "ValidationFailure", [{ path: ["secretMetadata"], message: "must be an array" }]);
  return m.map((x: unknown, i) => {
    const { key, value } = (x ?? {}) as { key?: unknown; value?: unknown };
    if (typeof key !== "string" || !key || key.length > 255) throw doubleError(422, "ValidationFailure", [{ path: ["secretMetadata", i, "key"], message: "must be 1-255 characters" }]);
    if (typeof value !== "string" || value.length > 1020) throw doubleError(422, "ValidationFailure", [{ path: ["secretMetadata", i, "value"], message: "must be at most 1020 characters" }]);
    return { key, value };
  });
}
