import { InfisicalClient, type InfisicalAuth, type InfisicalClientOptions, type InfisicalPacing, type InfisicalSecret, type SecretScope } from "../../../clients/infisical/InfisicalClient";
import { canonicalJson, contentFingerprint, fullSourcePath, type DestinationEntry, type FingerprintKey, type MappingRule, type SecretData } from "../../../engine";
import { namedError } from "../../../engine/errors";
import type { DestinationWrite, MigrationDestination } from "../../destination";
import { APPEARED_SINCE_PLANNING, appearedMessage, writtenByMigration } from "../../writes";
import { ENCODING_KEY, decodeInfisicalMarkers, encodeInfisicalMarkers, type InfisicalLayout } from "./markers";
import { folderPath, infisicalNaming, parseInfisicalName, sanitizeInfisicalName, type InfisicalName, type InfisicalNamingOptions } from "./naming";

/** Sum of a secret's values accepted, UTF-8 bytes: the request body is capped at 1 MiB (§0), metadata included. */
export const INFISICAL_MAX_VALUE_BYTES = 1_000_000;

export interface InfisicalDestinationOptions extends InfisicalNamingOptions {
  readonly siteUrl: string;
  readonly auth: InfisicalAuth;
  readonly caCertPem?: string;
  /** `folder` (default): a multi-key secret is a folder of keys; `json`: one key holding its JSON. */
  readonly layout?: "folder" | "json";
  /** A value Infisical would trim: `refuse` (default) it at preview, or store it `base64`-encoded, its key marked. */
  readonly whitespace?: InfisicalWhitespace;
  readonly pacing?: InfisicalPacing | false;
  readonly fingerprintKey: FingerprintKey;
  /** The run's source mount and rules: which projects and environments `entries()` lists. */
  readonly mount: string;
  readonly rules?: readonly MappingRule[];
  readonly retry?: InfisicalClientOptions["retry"];
}

function destinationError(name: string, code: string, message: string): Error & { code: string; secretName: string } {
  return namedError("InfisicalDestinationError", message, { code, secretName: name });
}

export type InfisicalWhitespace = "refuse" | "base64";

/** What a write stores: where and which keys (values in memory only). */
interface Shaped {
  readonly layout: InfisicalLayout;
  readonly folder: string;
  readonly values: Record<string, string>;
  /** Keys holding `${…}`, which Infisical may expand as a secret reference. */
  readonly references: readonly string[];
  /** Keys whose value is stored base64-encoded (edge whitespace, `whitespace: base64`). */
  readonly encoded: readonly string[];
}

/** As Infisical stores a value (§3): edges trimmed, a trailing newline kept as one `\n`. */
function infisicalStored(value: string): string {
  const t = value.trim();
  return /\n\s*$/.test(value) && t !== "" ? `${t}\n` : t;
}

/** An Infisical key from a Vault key: trimmed, `:` and `/` → `_` (§3). */
export function infisicalKey(raw: string): string {
  return raw.trim().replace(/[:/]/g, "_");
}

const text = (v: unknown): string => (typeof v === "string" ? v : canonicalJson(v));

/** The shape of a write, or the problems that refuse it (naming the path and keys, never values). */
function shapeWrite(w: DestinationWrite, layout: "folder" | "json", whitespace: InfisicalWhitespace, parsed: InfisicalName): Shaped | string[] {
  const path = fullSourcePath(w.source);
  const keys = Object.keys(w.data).sort();
  const problems: string[] = [];
  // Keys are Vault's: no prototype, so `__proto__` or `constructor` is a key like any other.
  const values: Record<string, string> = Object.create(null) as Record<string, string>;
  let shapedLayout: InfisicalLayout = "key";
  if (keys.length === 1 || layout === "json" || keys.length === 0) {
    values[parsed.leaf] = keys.length === 1 ? text(w.data[keys[0] as string]) : canonicalJson(w.data);
  } else {
    shapedLayout = "folder";
    const from: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const k of keys) {
      const ik = infisicalKey(k);
      if (!ik) problems.push(`${path}: key ${JSON.stringify(k)} leaves an empty Infisical key`);
      else if (ik.length > 500) problems.push(`${path}: key ${JSON.stringify(k.slice(0, 40))}… is over Infisical's 500 characters`);
      else if (from[ik] !== undefined) problems.push(`${path}: keys ${JSON.stringify(from[ik])} and ${JSON.stringify(k)} both become Infisical key ${JSON.stringify(ik)}`);
      else {
        from[ik] = k;
        values[ik] = text(w.data[k]);
      }
    }
  }
  let bytes = 0;
  const references: string[] = [];
  const encoded: string[] = [];
  for (const [k, v] of Object.entries(values)) {
    if (infisicalStored(v) !== v && whitespace === "base64") {
      // Base64 has no whitespace, so Infisical keeps it as written; the key's marker tells readers to decode.
      values[k] = Buffer.from(v, "utf8").toString("base64");
      encoded.push(k);
      bytes += (values[k] as string).length;
      continue;
    }
    bytes += Buffer.byteLength(v, "utf8");
    if (infisicalStored(v) !== v) problems.push(`${path}: the value of key ${JSON.stringify(k)} starts or ends with whitespace, which Infisical trims; refused so it is not changed (fix it in Vault${shapedLayout === "folder" ? ", keep the secret whole with layout: json" : ""}, or store such values encoded with whitespace: base64)`);
    if (/\$\{[^}]*\}/.test(v)) references.push(k);
  }
  if (bytes > INFISICAL_MAX_VALUE_BYTES) problems.push(`${path}: ${bytes} bytes of values, over the ${INFISICAL_MAX_VALUE_BYTES} an Infisical request carries`);
  if (problems.length) return problems;
  const folder = shapedLayout === "folder" ? folderPath([...parsed.folders, parsed.leaf]) : folderPath(parsed.folders);
  return { layout: shapedLayout, folder, values, references, encoded };
}

/** Warnings about an accepted write (keys named, never values): references, and base64-stored values. */
function shapedNotices(location: string, name: string, shaped: Shaped): string[] {
  const out: string[] = [];
  for (const k of shaped.references) out.push(`${location}: secret '${name}': key ${JSON.stringify(k)} holds \${…}, which Infisical reads as a secret reference when references are expanded`);
  for (const k of shaped.encoded) out.push(`${location}: secret '${name}': key ${JSON.stringify(k)} has edge whitespace Infisical would trim: stored base64-encoded (secretMetadata ${ENCODING_KEY}=base64); its readers must decode it`);
  return out;
}

/**
 * Infisical as a migration destination: one project per KV mount or per namespace (or as rules
 * say), markers in `secretMetadata`, writes as one batch upsert per secret, projects, environments
 * and folders found by slug or name and created when missing. Needs a machine identity allowed to
 * create projects (or the projects made beforehand) and to read and write the secrets of them.
 */
export function createInfisicalDestination(options: InfisicalDestinationOptions): MigrationDestination {
  const client = new InfisicalClient({
    siteUrl: options.siteUrl,
    auth: options.auth,
    ...(options.caCertPem ? { caCertPem: options.caCertPem } : {}),
    ...(options.pacing ? { pacing: options.pacing } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
  });
  const naming = infisicalNaming(options);
  const whitespace: InfisicalWhitespace = options.whitespace ?? "refuse";
  const layout = options.layout ?? "folder";
  const key = options.fingerprintKey;
  const home = sanitizeInfisicalName(`${options.mount}/x`, options).split("/").slice(0, 2).join("/");
  const location = `${client.siteUrl}/${home}`;
  // Per-run caches, made here (not module-level: the closure serializer re-creates this code).
  const projects = new Map<string, Promise<string>>();
  const folders = new Map<string, Promise<boolean>>();

  const parse = (name: string): InfisicalName => {
    const p = parseInfisicalName(name);
    if (!p) throw destinationError(name, "INVALID_NAME", `${location}: '${name}' is not a valid Infisical name (<project slug>/<environment slug>/<folders>/<key>)`);
    return p;
  };

  /** The project's id, creating project and environment when missing (never duplicated: fixed slug). */
  const projectId = (p: InfisicalName, create: boolean): Promise<string | undefined> => {
    const k = `${p.project}/${p.environment}`;
    const known = projects.get(k);
    if (known) return known;
    if (!create) {
      return (async () => {
        const found = await client.getProjectBySlug(p.project);
        if (!found || !(await client.getEnvironment(found.id, p.environment))) return undefined;
        // Found: later reads and writes of this run skip the two lookups.
        projects.set(k, Promise.resolve(found.id));
        return found.id;
      })();
    }
    const made = (async () => {
      const project = await client.ensureProject(p.project, p.project);
      await client.ensureEnvironment(project.id, p.environment, p.environment);
      return project.id;
    })();
    projects.set(k, made);
    made.catch(() => projects.delete(k));
    return made;
  };

  // A folder's children as listed once (plus those this run made), so a copy into N sibling
  // folders lists their parent once and creates each child once instead of walking from `/`.
  const children = new Map<string, Promise<Set<string>>>();

  const childrenOf = (id: string, env: string, parent: string, fresh: boolean): Promise<Set<string>> => {
    const k = `${id}/${env}${parent}`;
    let c = children.get(k);
    if (!c) {
      // A folder this run just created has no children yet: no listing needed.
      c = fresh ? Promise.resolve(new Set<string>()) : client.listFolders(id, env, parent).then((names) => new Set(names));
      children.set(k, c);
      c.catch(() => children.delete(k));
    }
    return c;
  };

  /** Ensures `path` through its parents (each ensured once a run); answers whether it was created now. */
  const ensureFolder = (id: string, env: string, path: string): Promise<boolean> => {
    if (path === "/") return Promise.resolve(false);
    const k = `${id}/${env}${path}`;
    let f = folders.get(k);
    if (!f) {
      const cut = path.lastIndexOf("/");
      const parent = cut <= 0 ? "/" : path.slice(0, cut);
      const name = path.slice(cut + 1);
      f = (async () => {
        const parentFresh = await ensureFolder(id, env, parent);
        const known = await childrenOf(id, env, parent, parentFresh);
        if (known.has(name)) return false;
        // The client takes a 400 "already exists" (a concurrent writer) as done.
        await client.createFolder(id, env, parent, name);
        known.add(name);
        return true;
      })();
      folders.set(k, f);
      f.catch(() => folders.delete(k));
    }
    return f;
  };

  const listFolder = async (scope: SecretScope): Promise<InfisicalSecret[]> => client.listSecrets(scope);

  /** What is stored under a name: the folder of keys we marked `folder`, else the key `leaf`. */
  const stored = async (name: string): Promise<{ scope: SecretScope; secrets: InfisicalSecret[]; layout: InfisicalLayout } | undefined> => {
    const p = parse(name);
    const id = await projectId(p, false);
    if (!id) return undefined;
    const inFolder = await listFolder({ projectId: id, environment: p.environment, secretPath: folderPath([...p.folders, p.leaf]) });
    const ours = inFolder.filter((s) => decodeInfisicalMarkers(s.secretMetadata).layout === "folder");
    if (ours.length) return { scope: { projectId: id, environment: p.environment, secretPath: folderPath([...p.folders, p.leaf]) }, secrets: ours, layout: "folder" };
    const scope = { projectId: id, environment: p.environment, secretPath: folderPath(p.folders) };
    const single = (await listFolder(scope)).filter((s) => s.secretKey === p.leaf);
    return single.length ? { scope, secrets: single, layout: "key" } : undefined;
  };

  const fingerprintOf = (secrets: readonly InfisicalSecret[]): string => {
    const m: SecretData = {};
    for (const s of secrets) m[s.secretKey] = s.secretValue;
    return contentFingerprint(key, m);
  };

  const checked = (w: DestinationWrite): Shaped => {
    const p = parse(w.name);
    const r = shapeWrite(w, layout, whitespace, p);
    if (Array.isArray(r)) throw destinationError(w.name, "VALUE_REFUSED", `${location}: secret '${w.name}': ${r.join("; ")}`);
    return r;
  };

  return {
    kind: "infisical",
    location,
    naming,
    shaping: { layout },
    capabilities: async () => ({ softDelete: false, versions: true, checkAndSet: false, metadata: true, expiry: false, maxValueBytes: INFISICAL_MAX_VALUE_BYTES }),
    entries: () => entriesOf(client, projectTargets(options, home)),
    inspectUnmarked: async (entry) => entry,

    validate(w) {
      const p = parseInfisicalName(w.name);
      if (!p) return `${location}: '${w.name}' (from ${fullSourcePath(w.source)}) is not a valid Infisical name (<project slug>/<environment slug>/<folders>/<key>)`;
      const r = shapeWrite(w, layout, whitespace, p);
      return Array.isArray(r) ? r.join("; ") : undefined;
    },

    notices(w) {
      const p = parseInfisicalName(w.name);
      const r = p ? shapeWrite(w, layout, whitespace, p) : [];
      return Array.isArray(r) ? [] : shapedNotices(location, w.name, r);
    },

    async write(w) {
      const shaped = checked(w);
      const p = parse(w.name);
      const id = (await projectId(p, true)) as string;
      await ensureFolder(id, p.environment, shaped.folder);
      const scope = { projectId: id, environment: p.environment, secretPath: shaped.folder };
      const encoded = encodeInfisicalMarkers({ secret: w.source, fingerprint: w.fingerprint, mappingHash: w.mappingHash, migrationId: w.migrationId, layout: shaped.layout });
      const sourcePath = fullSourcePath(w.source);
      const mine = (s: InfisicalSecret, as: InfisicalLayout): boolean => {
        const d = decodeInfisicalMarkers(s.secretMetadata);
        return d.layout === as && d.markers?.sourcePath === sourcePath && d.markers.migrationId === w.migrationId;
      };
      // The folder written to: listed for a folder layout (stale keys) and for a create (below).
      const present = shaped.layout === "folder" || w.expectAbsent ? await listFolder(scope) : [];
      // Planned as a create: a key it would write that someone else wrote since planning is not overwritten.
      if (w.expectAbsent && present.some((s) => Object.hasOwn(shaped.values, s.secretKey) && !writtenByMigration(decodeInfisicalMarkers(s.secretMetadata).markers, w.migrationId))) {
        throw destinationError(w.name, APPEARED_SINCE_PLANNING, appearedMessage(location, w.name));
      }
      // Keys of our earlier copy that the source no longer has (folder layout).
      const stale = shaped.layout === "folder" ? present.filter((s) => mine(s, "folder") && !Object.hasOwn(shaped.values, s.secretKey)).map((s) => s.secretKey) : [];
      const encodedMetadata = [...encoded.metadata, { key: ENCODING_KEY, value: "base64" }];
      const metadataOf = (k: string) => (shaped.encoded.includes(k) ? encodedMetadata : encoded.metadata);
      await client.upsertSecrets(scope, Object.entries(shaped.values).map(([secretKey, secretValue]) => ({ secretKey, secretValue, secretMetadata: metadataOf(secretKey) })));
      await client.deleteSecrets(scope, stale);
      // A secret that changed between one key and several: our copy in the other layout goes. Not
      // for a create: the plan found nothing under this name, so no copy of ours in either layout
      // (one listing a secret less, under Infisical's secrets rate limit).
      if (!w.expectAbsent) {
        const other = shaped.layout === "folder" ? { projectId: id, environment: p.environment, secretPath: folderPath(p.folders) } : { projectId: id, environment: p.environment, secretPath: folderPath([...p.folders, p.leaf]) };
        const otherLayout: InfisicalLayout = shaped.layout === "folder" ? "key" : "folder";
        const leftovers = (await listFolder(other)).filter((s) => mine(s, otherLayout) && (otherLayout === "folder" || s.secretKey === p.leaf)).map((s) => s.secretKey);
        await client.deleteSecrets(other, leftovers);
      }
      return { warnings: [...encoded.warnings.map((x) => `${location}: secret '${w.name}': ${x.message}`), ...shapedNotices(location, w.name, shaped)] };
    },

    expectedFingerprint(w) {
      return contentFingerprint(key, checked(w).values);
    },

    async storedFingerprint(name) {
      const s = await stored(name);
      return s ? fingerprintOf(s.secrets) : undefined;
    },

    async remove(name) {
      const s = await stored(name);
      if (s) await client.deleteSecrets(s.scope, s.secrets.map((x) => x.secretKey));
    },

    close: () => client.close(),
  };
}

/** The projects and environments this migration writes: the mapping's own, and each rule's explicit `<project>:<env>:` target. */
function projectTargets(options: InfisicalDestinationOptions, home: string): string[] {
  const out = [home];
  for (const r of options.rules ?? []) {
    const parts = r.name.split(":");
    if (parts.length !== 3) continue;
    if (/[{}]/.test(`${parts[0]}${parts[1]}`)) throw new Error(`rules: name ${JSON.stringify(r.name)}: the project and environment of an Infisical target must be literal (no placeholders), so the migration knows which projects it owns`);
    const t = sanitizeInfisicalName(`${parts[0]}:${parts[1]}:x`, options).split("/").slice(0, 2).join("/");
    if (!out.includes(t)) out.push(t);
  }
  return out;
}

// A free async generator (the closure serializer cannot re-create async-generator methods).
async function* entriesOf(client: InfisicalClient, targets: readonly string[]): AsyncGenerator<DestinationEntry> {
  for (const t of targets) {
    const [projectSlug, environment] = t.split("/") as [string, string];
    const project = await client.getProjectBySlug(projectSlug);
    if (!project || !(await client.getEnvironment(project.id, environment))) continue;
    const all = await client.listSecrets({ projectId: project.id, environment, secretPath: "/" }, true);
    const folderEntries = new Map<string, DestinationEntry>();
    const strangerFolders = new Set<string>();
    for (const s of all) {
      const { markers, layout } = decodeInfisicalMarkers(s.secretMetadata);
      const dir = s.secretPath.replace(/^\/+|\/+$/g, "");
      const base = dir ? `${t}/${dir}` : t;
      if (markers && layout === "folder") {
        if (!folderEntries.has(base)) folderEntries.set(base, { name: base, markers, enabled: true });
        continue;
      }
      yield { name: `${base}/${s.secretKey}`, markers, enabled: true };
      // Someone else's keys in a folder: a multi-key secret mapped onto that folder is `existing`.
      if (!markers) strangerFolders.add(base);
    }
    yield* folderEntries.values();
    for (const f of strangerFolders) if (!folderEntries.has(f)) yield { name: f, markers: undefined, enabled: true };
  }
}
