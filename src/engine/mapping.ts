/**
 * Mapping of source paths to destination names.
 *
 * Rules are `{ match, name, mount? }`, tried in order; the first whose glob
 * matches the path RELATIVE TO THE MOUNT (and whose `mount`, if set, equals the
 * source mount) wins. When none matches, the default rule `{mount}/{path}` applies
 * — which, through the Key Vault sanitiser, is seed 003's
 * `sanitize_name(mount + "/" + path)`. Every rendered name goes through the
 * destination's `sanitize`, then must pass its `isValid`.
 *
 * Template placeholders:
 * - `{mount}` source mount; `{path}` path relative to the mount;
 * - `{name}` last path segment; `{dir}` path without its last segment (`''` at top level);
 * - `{1}` … `{n}` glob captures, numbered left to right as picomatch's
 *   `capture` mode numbers them: one per `*`, `**`, brace set `{a,b}` and bracket
 *   class `[…]` (`?` does not capture); a capture that matched nothing is `''`.
 * Unknown placeholders, stray braces and capture numbers beyond the glob's captures
 * are configuration errors.
 *
 * Include/exclude globs also match the path relative to the mount: a path is mapped
 * when it matches some include (or there are none) and no exclude. Globs use
 * picomatch with `dot: true` (dot-files match `*`) and POSIX separators.
 */
import picomatch = require("picomatch");
import { buildEngineError, isEngineError, type EngineError } from "./errors";
import type { SourceRef } from "./types";

/** One mapping rule: first match wins. */
export interface MappingRule {
  /** picomatch glob over the path relative to the mount. */
  readonly match: string;
  /** Name template, see the module comment for placeholders. */
  readonly name: string;
  /** Restricts the rule to one mount (without slashes). */
  readonly mount?: string;
}

/** The naming rules of one destination kind. */
export interface DestinationNaming {
  /** Stable id, e.g. `azure-key-vault` (worth including in the mapping hash). */
  readonly id: string;
  /** Whether names differing only in case are different secrets. */
  readonly caseSensitive: boolean;
  /** Turns a rendered name into the destination's alphabet; may return `''`. */
  sanitize(raw: string): string;
  /** Whether a sanitised name is acceptable to the destination. */
  isValid(name: string): boolean;
  /**
   * Says when sanitising did more than substitute characters (a name cut to a length limit, a part
   * of the path that vanished), so the plan and the report can show it; undefined otherwise.
   */
  describeChange?(raw: string, name: string): string | undefined;
}

/** Lookup key of a destination name: lower-cased when the destination ignores case. */
export function nameKey(naming: DestinationNaming, name: string): string {
  return naming.caseSensitive ? name : name.toLowerCase();
}

/** Strips leading/trailing slashes of a mount. */
export function normalizeMount(mount: string): string {
  return mount.replace(/^\/+|\/+$/g, "");
}

/** `mount/path` of a source reference, the form used in markers, plans and reports. */
export function fullSourcePath(ref: SourceRef): string {
  return `${normalizeMount(ref.mount)}/${ref.path.replace(/^\/+/, "")}`;
}

/** Thrown by {@link createMapper} for bad globs or templates; lists every problem. */
export interface MappingConfigError extends EngineError {
  name: "MappingConfigError";
  readonly code: "MAPPING_CONFIG";
  /** One line per bad glob or template, each naming it. */
  readonly problems: readonly string[];
}

/** Builds a {@link MappingConfigError}. */
export function mappingConfigError(problems: readonly string[]): MappingConfigError {
  return buildEngineError<MappingConfigError>(
    "MappingConfigError",
    "MAPPING_CONFIG",
    `invalid mapping configuration:\n - ${problems.join("\n - ")}`,
    { problems },
  );
}

/** True when `err` is a {@link MappingConfigError}. */
export function isMappingConfigError(err: unknown): err is MappingConfigError {
  return isEngineError(err, "MAPPING_CONFIG") && err.name === "MappingConfigError";
}


/** Outcome of mapping one path. */
export type MapOutcome =
  | { readonly kind: "mapped"; readonly name: string; readonly rule: number | "default"; readonly note?: string }
  /** `by`: the rule that excluded it, as written (`exclude[0] "tmp/**"`, `include (no pattern matched)`). */
  | { readonly kind: "excluded"; readonly by: string }
  | { readonly kind: "invalid"; readonly message: string };

/** Options of {@link createMapper}. */
export interface MapperOptions {
  readonly naming: DestinationNaming;
  readonly rules?: readonly MappingRule[];
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
}

/** A validated, reusable path → name mapper. */
export interface Mapper {
  readonly naming: DestinationNaming;
  /** Maps one source path; never throws for a valid configuration. */
  map(ref: SourceRef): MapOutcome;
  /** Lookup key of a destination name (see {@link nameKey}). */
  key(name: string): string;
}

/** The default rule's template: seed 003's `mount + "/" + path`. */
export const DEFAULT_TEMPLATE = "{mount}/{path}";

// An array, not a Set: module-level Sets do not survive the closure serializer of dynamic providers.
const NAMED_PLACEHOLDERS: readonly string[] = ["mount", "path", "name", "dir"];

type TemplatePart = string | { readonly placeholder: string };

interface CompiledRule {
  readonly regex: RegExp;
  readonly mount: string | undefined;
  readonly template: readonly TemplatePart[];
}

/** Longest glob accepted: the compiled regex grows with the pattern. */
export const MAX_GLOB_LENGTH = 256;

/**
 * Most wildcards of one glob that can compete for the same characters of a path (see
 * {@link globWildcardDegree}). picomatch compiles each `*` to a lazy `[^/]*?` and each `**` to a
 * lazy group that crosses `/`; V8's backtracking then tries every way of splitting a path among
 * competing wildcards, O(length^degree) on a path that does not match. Measured on the 2-core
 * machine, on a non-matching path of {@link MAX_MATCH_PATH_LENGTH} characters: degree 3
 * (`*a*a*b`) about 0.15 s, degree 4 (`*a*a*a*b`) 43 s, and `*a*a*a*a*a*a*a*b` (degree 8) 60 s on a
 * path of 100.
 */
export const MAX_GLOB_WILDCARDS = 3;

/** Longest path (relative to the mount) a glob is matched against; longer paths are refused. */
export const MAX_MATCH_PATH_LENGTH = 1024;

/**
 * How many wildcards of `glob` can compete for one character: every `**` (which may cross `/`, so
 * competes with all the others) plus the single `*`s of its busiest segment. Escaped characters are
 * literals; a `*` inside a bracket or a brace counts too, and so does a `**` that picomatch would
 * treat as a single `*` (`**a`): an over-count keeps the bound sound.
 */
export function globWildcardDegree(glob: string): number {
  const unescaped = glob.replace(/\\./g, "x");
  const globstars = (unescaped.match(/\*{2,}/g) ?? []).length;
  const busiest = Math.max(0, ...unescaped.replace(/\*{2,}/g, "").split("/").map((s) => (s.match(/\*/g) ?? []).length));
  return globstars + busiest;
}

/** Compiles a glob, or returns a problem naming it. */
function compileGlob(glob: string, what: string): RegExp | string {
  if (typeof glob !== "string" || glob.length === 0) return `${what}: empty glob`;
  if (glob.startsWith("/")) return `${what} [${glob}]: globs match paths relative to the mount and must not start with "/"`;
  if (glob.length > MAX_GLOB_LENGTH) return `${what} [${glob.slice(0, 40)}…]: a glob is at most ${MAX_GLOB_LENGTH} characters (this one has ${glob.length})`;
  // Extglobs nest quantifiers (`+(a|aa)`), whose matching cost has no useful bound.
  if (/(^|[^\\])[@!?*+]\(/.test(glob)) return `${what} [${glob}]: extglobs (@(…), !(…), ?(…), *(…), +(…)) are not supported: their matching cost cannot be bounded (write \\( for a literal parenthesis)`;
  const degree = globWildcardDegree(glob);
  if (degree > MAX_GLOB_WILDCARDS) {
    return `${what} [${glob}]: at most ${MAX_GLOB_WILDCARDS} wildcards may compete for the same part of a path (every '**' plus the '*'s of one segment), this glob has ${degree}: its matching cost grows as path length^${degree}`;
  }
  try {
    return picomatch.makeRe(glob, { capture: true, dot: true, strictBrackets: true, windows: false });
  } catch (err) {
    return `${what} [${glob}]: ${(err as Error).message}`;
  }
}

function captureCount(regex: RegExp): number {
  // Matching the empty alternative yields an array with one slot per group.
  return (new RegExp(`${regex.source}|`).exec("") as RegExpExecArray).length - 1;
}

/** Parses a template into literal and placeholder parts, or returns a problem. */
function parseTemplate(template: string, captures: number, what: string): TemplatePart[] | string {
  if (typeof template !== "string" || template.length === 0) return `${what}: empty name template`;
  const parts: TemplatePart[] = [];
  const re = /\{([^{}]*)\}/g;
  let last = 0;
  for (let m = re.exec(template); m !== null; m = re.exec(template)) {
    const literal = template.slice(last, m.index);
    if (/[{}]/.test(literal)) return `${what} [${template}]: unbalanced brace`;
    if (literal) parts.push(literal);
    const p = m[1] ?? "";
    if (/^[1-9][0-9]*$/.test(p)) {
      if (Number(p) > captures) {
        return `${what} [${template}]: {${p}} but the glob has ${captures} capture(s)`;
      }
    } else if (!NAMED_PLACEHOLDERS.includes(p)) {
      return `${what} [${template}]: unknown placeholder {${p}} (use {mount}, {path}, {name}, {dir} or {1}…{n})`;
    }
    parts.push({ placeholder: p });
    last = re.lastIndex;
  }
  const tail = template.slice(last);
  if (/[{}]/.test(tail)) return `${what} [${template}]: unbalanced brace`;
  if (tail) parts.push(tail);
  return parts;
}

function render(parts: readonly TemplatePart[], ref: SourceRef, captures: readonly (string | undefined)[]): string {
  const slash = ref.path.lastIndexOf("/");
  const values: Record<string, string> = {
    mount: ref.mount,
    path: ref.path,
    name: slash < 0 ? ref.path : ref.path.slice(slash + 1),
    dir: slash < 0 ? "" : ref.path.slice(0, slash),
  };
  return parts
    .map((part) => {
      if (typeof part === "string") return part;
      const n = Number(part.placeholder);
      return Number.isInteger(n) ? captures[n] ?? "" : values[part.placeholder] ?? "";
    })
    .join("");
}

/**
 * Validates the mapping configuration and returns a mapper. Throws a
 * {@link MappingConfigError} listing every bad glob or template, each named.
 */
export function createMapper(options: MapperOptions): Mapper {
  const problems: string[] = [];
  const rules: CompiledRule[] = [];
  (options.rules ?? []).forEach((rule, i) => {
    const regex = compileGlob(rule.match, `rules[${i}].match`);
    if (typeof regex === "string") {
      problems.push(regex);
      return;
    }
    const template = parseTemplate(rule.name, captureCount(regex), `rules[${i}].name`);
    if (typeof template === "string") {
      problems.push(template);
      return;
    }
    rules.push({ regex, template, mount: rule.mount === undefined ? undefined : normalizeMount(rule.mount) });
  });
  const compileList = (globs: readonly string[] | undefined, what: string): RegExp[] =>
    (globs ?? []).flatMap((g, i) => {
      const r = compileGlob(g, `${what}[${i}]`);
      if (typeof r === "string") {
        problems.push(r);
        return [];
      }
      return [r];
    });
  const include = compileList(options.include, "include");
  const exclude = compileList(options.exclude, "exclude");
  if (problems.length > 0) throw mappingConfigError(problems);

  const defaultTemplate = parseTemplate(DEFAULT_TEMPLATE, 0, "default") as TemplatePart[];
  const { naming } = options;

  return {
    naming,
    key: (name) => nameKey(naming, name),
    map(input: SourceRef): MapOutcome {
      const ref = { mount: normalizeMount(input.mount), path: input.path.replace(/^\/+/, "") };
      // The cost bound of matching: a glob's cost grows with the path's length (see MAX_GLOB_WILDCARDS).
      if (ref.path.length > MAX_MATCH_PATH_LENGTH) {
        return { kind: "invalid", message: `source path [${fullSourcePath(ref).slice(0, 80)}…] is ${ref.path.length} characters long; paths longer than ${MAX_MATCH_PATH_LENGTH} are not mapped` };
      }
      if (include.length > 0 && !include.some((r) => r.test(ref.path))) return { kind: "excluded", by: "include (no pattern matched)" };
      const ex = exclude.findIndex((r) => r.test(ref.path));
      if (ex >= 0) return { kind: "excluded", by: `exclude[${ex}] ${JSON.stringify(options.exclude?.[ex] ?? "")}` };
      let raw: string | undefined;
      let rule: number | "default" = "default";
      for (let i = 0; i < rules.length && raw === undefined; i++) {
        const r = rules[i] as CompiledRule;
        if (r.mount !== undefined && r.mount !== ref.mount) continue;
        const m = r.regex.exec(ref.path);
        if (m) {
          raw = render(r.template, ref, m);
          rule = i;
        }
      }
      raw ??= render(defaultTemplate, ref, []);
      const name = naming.sanitize(raw);
      if (!naming.isValid(name)) {
        const why = name === "" ? "an empty name" : `[${name}], which is not a valid ${naming.id} name`;
        return { kind: "invalid", message: `source path [${fullSourcePath(ref)}] maps to ${why}` };
      }
      const note = naming.describeChange?.(raw, name);
      return { kind: "mapped", name, rule, ...(note ? { note } : {}) };
    },
  };
}

