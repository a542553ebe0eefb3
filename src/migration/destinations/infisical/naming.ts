/**
 * Infisical names (fact sheet §2, §3). A destination name is `<project>/<environment>/<folder>/…/<leaf>`:
 * the project's slug (5–36 of `[a-z0-9-]`), the environment's slug (≤ 64 of `[a-z0-9-]`), then
 * folders (`^[a-zA-Z0-9-_]+$`) and a leaf that is the Infisical key (one-key secrets, `layout: json`)
 * or the folder holding one key per Vault key (multi-key secrets, `layout: folder`).
 *
 * A rendered name `<project>:<environment>:<path>` (a rule's explicit target; `:` is never part of a
 * slug, folder or key) is taken as written. Any other rendered name (the default `{mount}/{path}`)
 * is read by the project mapping: `mount` takes its first segment as the project (one project per KV
 * mount, `environment` default `production`); `namespace` takes it as the environment of the
 * configured `project` (one project per namespace, one environment per mount).
 */
import type { DestinationNaming } from "../../../engine";

export type InfisicalProjectMapping = "mount" | "namespace";

export interface InfisicalNamingOptions {
  readonly projectMapping?: InfisicalProjectMapping;
  /** The project's slug: required for `namespace`, optional for `mount` (else from the mount). */
  readonly project?: string;
  /** `mount` mapping: the environment slug. Default `production`. */
  readonly environment?: string;
  /**
   * The source mount: a default name starting with it takes the whole mount as its first part,
   * so a mount with a slash (`apps/kv`) is one project or environment (`apps-kv`), not a folder.
   */
  readonly mount?: string;
}

export const PROJECT_SLUG = /^[a-z0-9-]{5,36}$/;
export const ENV_SLUG = /^[a-z0-9-]{1,64}$/;
export const FOLDER_NAME = /^[a-zA-Z0-9-_]+$/;

/** `[a-z0-9-]`, runs of `-` collapsed, no edge `-`. */
function slugChars(raw: string): string {
  return raw.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/-+/g, "-").replace(/^-+|-+$/g, "");
}

/** A project slug from a mount or namespace: `team_a` → `team-a`; shorter than 5 gets `-vault` (`kv` → `kv-vault`). */
export function projectSlug(raw: string): string {
  const s = slugChars(raw).slice(0, 36).replace(/-+$/, "");
  return s.length >= 5 ? s : s ? `${s}-vault` : "";
}

/** An environment slug from a mount: `apps/kv` → `apps-kv`. */
export function environmentSlug(raw: string): string {
  return slugChars(raw).slice(0, 64).replace(/-+$/, "");
}

/** A folder name (or a leaf): characters outside `[a-zA-Z0-9-_]` become `-`. */
export function folderName(raw: string): string {
  return raw.replace(/[^a-zA-Z0-9-_]/g, "-");
}

/** The parts of a canonical name, or undefined when it is not one. */
export interface InfisicalName {
  readonly project: string;
  readonly environment: string;
  /** Folders between the environment and the leaf. */
  readonly folders: readonly string[];
  readonly leaf: string;
}

export function parseInfisicalName(name: string): InfisicalName | undefined {
  const parts = name.split("/");
  if (parts.length < 3) return undefined;
  const [project, environment, ...rest] = parts as [string, string, ...string[]];
  if (!PROJECT_SLUG.test(project) || !ENV_SLUG.test(environment) || !rest.every((s) => FOLDER_NAME.test(s))) return undefined;
  return { project, environment, folders: rest.slice(0, -1), leaf: rest[rest.length - 1] as string };
}

/** `/a/b` of a list of folders (`/` for none). */
export const folderPath = (folders: readonly string[]): string => `/${folders.join("/")}`;

export function sanitizeInfisicalName(raw: string, o: InfisicalNamingOptions): string {
  const explicit = raw.split(":");
  if (explicit.length === 3) {
    const [project, env, path] = explicit as [string, string, string];
    const segs = path.split("/").filter(Boolean).map(folderName);
    return [projectSlug(project), environmentSlug(env), ...segs].join("/");
  }
  // A single `:` or more than two: left as is, so the name is invalid and the mapping says so.
  if (explicit.length > 1) return raw;
  const mount = (o.mount ?? "").replace(/^\/+|\/+$/g, "");
  const parts = mount.includes("/") && raw.startsWith(`${mount}/`) ? [mount, ...raw.slice(mount.length + 1).split("/")] : raw.split("/");
  const [first = "", ...rest] = parts.filter(Boolean);
  const segs = rest.map(folderName);
  if ((o.projectMapping ?? "mount") === "namespace") return [o.project ?? "", environmentSlug(first), ...segs].join("/");
  return [o.project ?? projectSlug(first), o.environment ?? "production", ...segs].join("/");
}

/** The naming of one Infisical destination (the mapping mode decides how default names read). */
export function infisicalNaming(o: InfisicalNamingOptions): DestinationNaming {
  return {
    id: "infisical",
    caseSensitive: true,
    sanitize: (raw) => sanitizeInfisicalName(raw, o),
    isValid: (name) => parseInfisicalName(name) !== undefined,
    describeChange(raw, name) {
      // The raw path's last segments are the name's folders and leaf (the first part was the project or environment).
      const count = name.split("/").length - 2;
      const folders = (raw.includes(":") ? raw.split(":")[2] ?? "" : raw).split("/").filter(Boolean).slice(-count);
      const changed = folders.filter((s) => folderName(s) !== s);
      return changed.length ? `folder/key name(s) ${changed.map((s) => JSON.stringify(s)).join(", ")} sanitised to [a-zA-Z0-9-_] (${name})` : undefined;
    },
  };
}
