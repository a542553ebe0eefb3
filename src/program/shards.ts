// Sharded stacks: one description (source, destination, a shard key and its shards) → one stack
// file per shard (`stacks/Pulumi.<base>-<shard>.yaml`), each its own stack: its own lock, state,
// report directory and resumable run, so the shards can run as parallel CI jobs. Pure: the caller
// (scripts/shard.ts) reads the files, lists what discovery needs from Vault, and writes the result.
import { configuredPathProblem } from "../engine/paths";
import { isObject } from "./destinations/types";
import { plaintextCredentialProblems } from "./plaintextCredentials";
import { unknownKeys } from "./unknownKeys";

/** What a shard is: a KV mount, a Vault namespace, or a path prefix inside one mount. */
export const SHARD_KEYS = ["mount", "namespace", "prefix"] as const;
export type ShardKey = (typeof SHARD_KEYS)[number];

/** Every key of a description file. */
export const DESCRIPTION_KEYS = ["base", "shardBy", "shards", "discover", "vault", "reader", "migration", "reportDir", "config"];
/** Keys of one entry of `shards` written as an object (besides the shard key itself). */
export const SHARD_ENTRY_KEYS = ["name", "kvVersion", "destination"];

/** Pulumi's rule for a stack name (sdk/go/common/tokens: alphanumerics, '-', '_', '.'; at most 100). */
const STACK_NAME = /^[A-Za-z0-9_.-]{1,100}$/;
const CONFIG_NS = "vault-migration";

export interface ShardSpec {
  /** The stack is `<base>-<name>`. */
  name: string;
  /** The mount, namespace or prefix, without leading or trailing '/'. */
  value: string;
  kvVersion?: 1 | 2;
  /** Destination settings of this shard over the description's (for instance its own Key Vault). */
  destination?: Record<string, unknown>;
}

export interface ShardDescription {
  base: string;
  shardBy: ShardKey;
  /** Listed shards; absent when they are discovered. */
  shards?: ShardSpec[];
  /** Discover the shards from the source instead; values to leave out. */
  discover?: { exclude: string[] };
  vault?: Record<string, unknown>;
  reader?: Record<string, unknown>;
  /** One `vault-migration:migrations` entry; each shard fills its source (and reportPath). */
  migration: Record<string, unknown>;
  /** Each shard's reports go to `<reportDir>/<stack>/<migration name>`. Default `.reports`. */
  reportDir: string;
  /** Other stack settings, copied into every shard's file. */
  config: Record<string, unknown>;
}

/** A shard found by discovery. */
export interface DiscoveredShard {
  value: string;
  kvVersion?: 1 | 2;
}

/** What discovery lists: the KV mounts, the child namespaces of `namespace`, or the folders under `prefix` of `mount`. */
export type DiscoveryTarget = { key: "mount" } | { key: "namespace"; namespace?: string } | { key: "prefix"; mount: string; prefix: string; kvVersion?: 1 | 2 };

const trim = (s: string): string => s.replace(/^\/+|\/+$/g, "");

function fail(problems: string[], what: string): void {
  if (problems.length) throw new Error(`invalid shard description${what ? ` (${what})` : ""}:\n  - ${problems.join("\n  - ")}`);
}

/** The parent the shards' values lie under: the migration's prefix (prefix shards), the Vault namespace (namespace shards). */
function parentOf(d: Pick<ShardDescription, "shardBy" | "migration" | "vault">): string {
  if (d.shardBy === "prefix") return trim(String((d.migration.source as Record<string, unknown> | undefined)?.prefix ?? ""));
  if (d.shardBy === "namespace") return trim(String(d.vault?.namespace ?? ""));
  return "";
}

/** A shard's default name: its value relative to the parent, '/' → '-'. */
function defaultName(value: string, parent: string): string {
  const rel = parent && value.startsWith(`${parent}/`) ? value.slice(parent.length + 1) : value;
  return rel.replace(/\//g, "-");
}

/** Validates a parsed description file; throws one error listing every problem, each naming its key. */
export function parseShardDescription(raw: unknown, what = ""): ShardDescription {
  const problems: string[] = [];
  if (!isObject(raw)) throw new Error(`invalid shard description${what ? ` (${what})` : ""}: must be an object (YAML or JSON)`);
  unknownKeys(raw, DESCRIPTION_KEYS, (k) => `[${k}]`, problems);
  const base = raw.base;
  if (typeof base !== "string" || !STACK_NAME.test(base)) problems.push("[base] must be the start of a stack name: letters, digits, '-', '_', '.'");
  const shardBy = raw.shardBy as ShardKey;
  if (!SHARD_KEYS.includes(shardBy)) problems.push(`[shardBy] must be one of ${SHARD_KEYS.map((k) => `"${k}"`).join(", ")}`);
  for (const k of ["vault", "reader", "config"]) if (raw[k] !== undefined && !isObject(raw[k])) problems.push(`[${k}] must be an object`);
  const vault = isObject(raw.vault) ? raw.vault : undefined;
  const reader = isObject(raw.reader) ? raw.reader : undefined;
  const config = isObject(raw.config) ? raw.config : {};
  if (!isObject(raw.migration)) problems.push("[migration] is required: one migration entry, as in vault-migration:migrations");
  const migration = isObject(raw.migration) ? raw.migration : {};
  if (typeof migration.name !== "string" || !/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(migration.name)) problems.push("[migration.name] must be a name of letters, digits, '-' and '_'");
  if (migration.reportPath !== undefined) problems.push("[migration.reportPath] is set per shard: set [reportDir] (each shard's reports go to <reportDir>/<stack>/<migration name>)");
  const source = isObject(migration.source) ? migration.source : {};
  if (migration.source !== undefined && !isObject(migration.source)) problems.push("[migration.source] must be an object");
  if (source.kvVersion !== undefined && source.kvVersion !== 1 && source.kvVersion !== 2) problems.push("[migration.source.kvVersion] must be 1 or 2");
  if (shardBy === "mount" && source.mount !== undefined) problems.push("[migration.source.mount] is each shard's own (shardBy: mount): leave it out");
  if (shardBy !== "mount" && (typeof source.mount !== "string" || configuredPathProblem(source.mount, true))) problems.push("[migration.source.mount] is required: the mount every shard reads");
  if (source.prefix !== undefined && (typeof source.prefix !== "string" || configuredPathProblem(source.prefix, false))) problems.push("[migration.source.prefix] must be a path without empty, '.' or '..' segments");
  if (shardBy === "namespace" && vault?.namespace !== undefined && (typeof vault.namespace !== "string" || configuredPathProblem(vault.namespace, false))) problems.push("[vault.namespace] must be a namespace path");
  if (reader?.sources !== undefined) problems.push("[reader.sources] is each shard's own (its mount and prefix): leave it out");
  if (reader && (typeof reader.name !== "string" || !reader.name)) problems.push("[reader.name] is required: each shard's reader is <name>-<shard>");
  for (const k of Object.keys(config)) {
    if (!/^[A-Za-z0-9_-]+:[A-Za-z0-9_.-]+$/.test(k)) problems.push(`[config.${k}] must be a namespaced stack setting (namespace:key)`);
    else if (["vault", "reader", "migrations"].some((x) => k === `${CONFIG_NS}:${x}`)) problems.push(`[config.${k}] is generated: set it through [${k.slice(CONFIG_NS.length + 1).replace("migrations", "migration")}]`);
  }
  if (raw.reportDir !== undefined && (typeof raw.reportDir !== "string" || !raw.reportDir.trim())) problems.push("[reportDir] must be a directory");

  let shards: ShardSpec[] | undefined;
  let discover: ShardDescription["discover"];
  if (raw.shards !== undefined && raw.discover !== undefined) problems.push("[shards] and [discover]: list the shards or discover them, not both");
  else if (raw.discover !== undefined) {
    if (raw.discover === true) discover = { exclude: [] };
    else if (isObject(raw.discover)) {
      unknownKeys(raw.discover, ["exclude"], (k) => `[discover.${k}]`, problems);
      const ex = raw.discover.exclude ?? [];
      if (!Array.isArray(ex) || !ex.every((x) => typeof x === "string")) problems.push("[discover.exclude] must be a list of values");
      else discover = { exclude: ex.map(trim) };
    } else problems.push("[discover] must be true or {exclude: [...]}");
  } else if (!Array.isArray(raw.shards) || raw.shards.length === 0) problems.push("[shards] must list at least one shard (or set [discover])");
  else {
    const parent = parentOf({ shardBy, migration, vault });
    shards = [];
    raw.shards.forEach((s: unknown, i: number) => {
      const at = (k?: string): string => `[shards[${i}]${k ? `.${k}` : ""}]`;
      const entry: Record<string, unknown> = isObject(s) ? s : { [shardBy]: s };
      if (isObject(s)) unknownKeys(s, [shardBy, ...SHARD_ENTRY_KEYS], (k) => at(k), problems);
      const value = entry[shardBy];
      if (typeof value !== "string" || configuredPathProblem(value, true)) return void problems.push(`${at(isObject(s) ? shardBy : undefined)} must be a ${shardBy} path (a string without empty, '.' or '..' segments)`);
      const v = trim(value);
      if (parent && !v.startsWith(`${parent}/`)) return void problems.push(`${at(isObject(s) ? shardBy : undefined)} "${v}" is not under ${shardBy === "prefix" ? "[migration.source.prefix]" : "[vault.namespace]"} "${parent}"`);
      if (entry.name !== undefined && typeof entry.name !== "string") problems.push(`${at("name")} must be a string`);
      if (entry.kvVersion !== undefined && entry.kvVersion !== 1 && entry.kvVersion !== 2) problems.push(`${at("kvVersion")} must be 1 or 2`);
      if (entry.destination !== undefined && !isObject(entry.destination)) problems.push(`${at("destination")} must be an object`);
      shards!.push({
        name: typeof entry.name === "string" ? entry.name : defaultName(v, parent),
        value: v,
        ...(entry.kvVersion === 1 || entry.kvVersion === 2 ? { kvVersion: entry.kvVersion } : {}),
        ...(isObject(entry.destination) ? { destination: entry.destination } : {}),
      });
    });
  }
  // A credential here would land in the clear in every shard's stack file (and from there in state).
  const asConfig: Record<string, string> = { [`${CONFIG_NS}:migrations`]: JSON.stringify([migration, ...(shards ?? []).map((s) => ({ destination: s.destination ?? {} }))]) };
  if (vault) asConfig[`${CONFIG_NS}:vault`] = JSON.stringify(vault);
  if (reader) asConfig[`${CONFIG_NS}:reader`] = JSON.stringify(reader);
  for (const [k, v] of Object.entries(config)) asConfig[k] = typeof v === "string" ? v : JSON.stringify(v);
  for (const p of plaintextCredentialProblems(asConfig, new Set(), CONFIG_NS)) {
    // Named as the description spells it: migration…, shards[i]…, vault…, reader…, config.<key>.
    const at = /^\[(.+?)\] is a credential/.exec(p)?.[1] ?? "";
    const m = /^vault-migration:migrations\[(\d+)\]/.exec(at);
    const key = m ? `${m[1] === "0" ? "migration" : `shards[${Number(m[1]) - 1}]`}${at.slice(m[0].length)}` : /^vault-migration:(vault|reader)([.[]|$)/.test(at) ? at.slice(CONFIG_NS.length + 1) : `config.${at}`;
    problems.push(`[${key}] is a credential: it would be written in the clear into every shard's stack file; pass it through its environment variable, or \`pulumi config set --secret\` in each shard stack`);
  }
  fail(problems, what);
  return {
    base: base as string,
    shardBy,
    ...(shards ? { shards } : {}),
    ...(discover ? { discover } : {}),
    ...(vault ? { vault } : {}),
    ...(reader ? { reader } : {}),
    migration,
    reportDir: typeof raw.reportDir === "string" ? raw.reportDir.replace(/\/+$/, "") : ".reports",
    config,
  };
}

/** What the generator must list from Vault for a description that discovers its shards. */
export function discoveryTarget(d: ShardDescription): DiscoveryTarget | undefined {
  if (!d.discover) return undefined;
  const source = (d.migration.source ?? {}) as Record<string, unknown>;
  if (d.shardBy === "mount") return { key: "mount" };
  if (d.shardBy === "namespace") return { key: "namespace", ...(parentOf(d) ? { namespace: parentOf(d) } : {}) };
  const kv: { kvVersion?: 1 | 2 } = source.kvVersion === 1 || source.kvVersion === 2 ? { kvVersion: source.kvVersion } : {};
  return { key: "prefix", mount: trim(String(source.mount)), prefix: parentOf(d), ...kv };
}

/** The KV mounts in a `GET sys/mounts` answer's data, with their version (sorted). */
export function kvMountsOf(data: unknown): DiscoveredShard[] {
  if (!isObject(data)) return [];
  const out: DiscoveredShard[] = [];
  for (const [path, m] of Object.entries(data)) {
    if (!isObject(m) || (m.type !== "kv" && m.type !== "generic")) continue;
    const version = isObject(m.options) && String(m.options.version) === "2" ? 2 : 1;
    out.push({ value: trim(path), kvVersion: version });
  }
  return out.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
}

/**
 * The shards under `parent` from one LIST of it: each folder is a shard. A secret right under the
 * parent would belong to no shard, so it is refused rather than left out silently.
 */
export function foldersOf(keys: readonly string[], parent: string, where: string): DiscoveredShard[] {
  const leaves = keys.filter((k) => !k.endsWith("/"));
  if (leaves.length) throw new Error(`discovery: ${leaves.length} secret(s) directly under ${where} would belong to no shard: list the shards in [shards] (a shard per folder, and one for the parent with mapping.exclude), or move them into a folder`);
  return keys.map((k) => ({ value: parent ? `${parent}/${trim(k)}` : trim(k) }));
}

/** The shards of a description, listed or discovered: validated and sorted by name. */
export function resolveShards(d: ShardDescription, discovered?: readonly DiscoveredShard[]): ShardSpec[] {
  const problems: string[] = [];
  const parent = parentOf(d);
  let shards: ShardSpec[];
  if (d.discover) {
    if (!discovered) throw new Error("[discover] needs the discovered shards (the generator lists them from the source Vault)");
    shards = discovered.filter((s) => !d.discover!.exclude.includes(s.value)).map((s) => ({ name: defaultName(s.value, parent), value: s.value, ...(s.kvVersion ? { kvVersion: s.kvVersion } : {}) }));
    if (shards.length === 0) problems.push(`discovery found no ${d.shardBy} to shard by${parent ? ` under "${parent}"` : ""}`);
  } else shards = [...(d.shards ?? [])];

  for (const s of shards) {
    const stack = `${d.base}-${s.name}`;
    if (!s.name || !STACK_NAME.test(stack)) problems.push(`shard ${JSON.stringify(s.name)} (${d.shardBy} "${s.value}"): "${stack}" is not a valid stack name (letters, digits, '-', '_', '.'; at most 100): give it a [name]`);
  }
  const byName = new Map<string, ShardSpec>();
  for (const s of shards) {
    const other = byName.get(s.name);
    if (other) problems.push(`shards ${d.shardBy} "${other.value}" and "${s.value}" have the same name "${s.name}"`);
    else byName.set(s.name, s);
  }
  // Two shards reading the same secret would both own its copy (and fight over it): every secret in one shard only.
  for (let i = 0; i < shards.length; i++) {
    for (let j = i + 1; j < shards.length; j++) {
      const [a, b] = [shards[i]!.value, shards[j]!.value];
      if (a === b) problems.push(`${d.shardBy} "${a}" is listed twice`);
      else if (d.shardBy === "prefix" && (a.startsWith(`${b}/`) || b.startsWith(`${a}/`))) problems.push(`prefixes "${a}" and "${b}" overlap: one contains the other`);
    }
  }
  fail(problems, "");
  return [...shards].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Replaces `{shard}` in every string of a destination (a vault URL or namespace per shard). */
function withShard(v: unknown, shard: string): unknown {
  if (typeof v === "string") return v.split("{shard}").join(shard);
  if (Array.isArray(v)) return v.map((x) => withShard(x, shard));
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withShard(x, shard)]));
  return v;
}

/** The `config:` of one shard's stack file, in a fixed order. */
export function shardStackConfig(d: ShardDescription, s: ShardSpec): Record<string, unknown> {
  const stack = `${d.base}-${s.name}`;
  const source = { ...((d.migration.source ?? {}) as Record<string, unknown>) };
  if (d.shardBy === "mount") source.mount = s.value;
  if (d.shardBy === "prefix") source.prefix = `${s.value}/`;
  const kvVersion = s.kvVersion ?? (source.kvVersion as 1 | 2 | undefined);
  if (kvVersion) source.kvVersion = kvVersion;
  const destination = { ...(withShard(d.migration.destination ?? {}, s.name) as Record<string, unknown>), ...(s.destination ?? {}) };
  const migration: Record<string, unknown> = { name: d.migration.name };
  for (const [k, v] of Object.entries(d.migration)) if (k !== "name") migration[k] = v;
  migration.source = source;
  if (d.migration.destination !== undefined || s.destination) migration.destination = destination;
  migration.reportPath = `${d.reportDir}/${stack}/${String(d.migration.name)}`;

  const config: Record<string, unknown> = {};
  const vault = { ...(d.vault ?? {}) };
  if (d.shardBy === "namespace") vault.namespace = s.value;
  if (Object.keys(vault).length) config[`${CONFIG_NS}:vault`] = vault;
  if (d.reader) {
    if (!kvVersion) throw new Error(`shard ${s.name}: [migration.source.kvVersion] is required with a [reader] (its policy differs between KV v1 and v2)`);
    const prefix = typeof source.prefix === "string" && trim(source.prefix) ? { prefixes: [`${trim(source.prefix)}/`] } : {};
    // Each shard's own reader and AppRole auth mount: parallel stacks never create or delete one another's.
    config[`${CONFIG_NS}:reader`] = { ...d.reader, name: `${String(d.reader.name)}-${s.name}`, authMountPath: `${trim(String(d.reader.authMountPath ?? "approle"))}-${s.name}`, sources: [{ mount: trim(String(source.mount)), kvVersion, ...prefix }] };
  }
  config[`${CONFIG_NS}:migrations`] = [migration];
  for (const k of Object.keys(d.config).sort()) config[k] = d.config[k];
  return config;
}

/** The first line of every generated file: how `--check` tells its own files from hand-written ones. */
export function generatedHeader(descriptionPath: string): string {
  return `# Generated by \`npm run shard -- ${descriptionPath}\`: edit that file and run it again, not this one.`;
}

/** An existing stack file: its text and what it parses to. */
export interface ExistingStackFile {
  file: string;
  text: string;
  parsed: unknown;
}

export interface ShardFile {
  stack: string;
  /** File name inside the stacks directory. */
  file: string;
  text: string;
  /** The file on disk already holds these settings (formatting and comments aside). */
  current: boolean;
}

export interface ShardFilesPlan {
  files: ShardFile[];
  /** Files this description generated once whose shard is gone (the stack may still hold state). */
  leftovers: string[];
  /** Files of a shard's name that this description did not generate: never overwritten. */
  foreign: string[];
}

/**
 * The stack files of the shards, against what is on disk. What Pulumi itself adds to a stack file
 * (`encryptionsalt`, `secretsprovider`, `encryptedkey`, a `--secret` config value) is kept, so
 * regenerating never cuts a stack off its secrets; everything else in `config:` is the description's.
 */
export function planShardFiles(d: ShardDescription, shards: readonly ShardSpec[], descriptionPath: string, existing: readonly ExistingStackFile[]): ShardFilesPlan {
  const header = generatedHeader(descriptionPath);
  const files = shards.map((s): ShardFile => {
    const stack = `${d.base}-${s.name}`;
    const file = `Pulumi.${stack}.yaml`;
    const config = shardStackConfig(d, s);
    const old = existing.find((e) => e.file === file);
    const oldDoc = old && isObject(old.parsed) ? old.parsed : {};
    const oldConfig = isObject(oldDoc.config) ? oldDoc.config : {};
    const kept: Record<string, unknown> = {};
    for (const k of Object.keys(oldConfig).sort()) if (!(k in config) && isObject(oldConfig[k]) && Object.keys(oldConfig[k] as object).join() === "secure") kept[k] = oldConfig[k];
    const top: Record<string, unknown> = {};
    for (const k of Object.keys(oldDoc).sort()) if (k !== "config") top[k] = oldDoc[k];
    const doc = { config: { ...config, ...kept }, ...top };
    const what = d.shardBy === "prefix" ? `${String((d.migration.source as Record<string, unknown>).mount)}/${s.value}/` : s.value;
    const text = [header, `# Shard "${s.name}" of "${d.base}" (${d.shardBy} ${what}): stack ${stack}, its own state, lock and reports.`, renderYaml(doc), ""].join("\n");
    return { stack, file, text, current: old !== undefined && sameValue(old.parsed, doc) };
  });
  const expected = files.map((f) => f.file);
  const ours = (e: ExistingStackFile): boolean => e.text.startsWith(`${header}\n`);
  const leftovers = existing.filter((e) => !expected.includes(e.file) && ours(e)).map((e) => e.file).sort();
  const foreign = existing.filter((e) => expected.includes(e.file) && !ours(e)).map((e) => e.file).sort();
  return { files, leftovers, foreign };
}

/** Deep equality of parsed YAML, key order aside. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameValue(a[k], b[k]));
  }
  return a === b;
}

// Keys like `vault-migration:vault` stay plain; one a YAML reader could re-type (a number, `yes`) is quoted.
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_.\/-]*(:[A-Za-z0-9_][A-Za-z0-9_.\/-]*)?$/;
const TYPED_WORD = /^(true|false|yes|no|on|off|y|n|null)$/i;

/** Block YAML of plain data; every string double-quoted (JSON's escapes are YAML's), so no value is ever re-typed. */
export function renderYaml(v: unknown, indent = 0): string {
  const pad = " ".repeat(indent);
  const scalar = (x: unknown): string | undefined => {
    if (x === null || x === undefined) return "null";
    if (typeof x === "string") return JSON.stringify(x);
    if (typeof x === "number" || typeof x === "boolean") return String(x);
    if (Array.isArray(x) && x.length === 0) return "[]";
    if (isObject(x) && Object.keys(x).length === 0) return "{}";
    return undefined;
  };
  if (Array.isArray(v)) {
    return v
      .map((x) => {
        const s = scalar(x);
        if (s !== undefined) return `${pad}- ${s}`;
        // The item's first line goes after the dash; the rest keep the item's indentation.
        const inner = renderYaml(x, indent + 2);
        return `${pad}- ${inner.slice(indent + 2)}`;
      })
      .join("\n");
  }
  if (isObject(v)) {
    return Object.entries(v)
      .map(([k, x]) => {
        const key = PLAIN_KEY.test(k) && !TYPED_WORD.test(k) ? k : JSON.stringify(k);
        const s = scalar(x);
        return s !== undefined ? `${pad}${key}: ${s}` : `${pad}${key}:\n${renderYaml(x, indent + 2)}`;
      })
      .join("\n");
  }
  return `${pad}${scalar(v)}`;
}
