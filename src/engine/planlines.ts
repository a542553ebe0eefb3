/**
 * The plan-line codec: the one text form of a plan item, used for the migration resource's
 * `pending`, `notices` and `drift` maps, the component's log lines and refusal texts, the report's
 * reasons and the CI Markdown. Nothing else parses these lines.
 *
 *     <path> → <name>: <action>[ v<N>]: <reason>[ (<detail>)]
 *     secret/apps/db → app-db: update v4: source version changed
 *
 * The map form splits a line at its first `: ` after the arrow: key `<path> → <name>`, value
 * `<action>[ vN]: <reason>[ (<detail>)]`.
 *
 * Paths, names and details are arbitrary strings (a Vault path may hold ` → `, `:`, parentheses,
 * quotes or a newline), so each is escaped just enough that every separator is unambiguous:
 * - everywhere: `\` as `\\`; `→` as `\u2192`, so the only raw arrow of a line is the separator;
 *   newline, CR and tab as `\n`, `\r`, `\t`; other control characters, and the invisible ones that
 *   could make a preview read as another path (bidirectional overrides, zero-width characters, line
 *   separators, lone surrogates), as `\xHH` or `\uHHHH` (lowercase hex);
 * - in a destination name also `:` as `\x3a`, so the name ends at the first colon.
 * A path needs nothing more (it ends at the arrow), nor does a detail (it is the rest of the line,
 * after a reason from the closed {@link PlanReason} set: no reason is another one plus ` (`, so the
 * longest reason that fits is the only one).
 *
 * Decoding is strict: anything that is not exactly what the encoder writes (an unknown action or
 * reason, a version with a leading zero, an unneeded or non-canonical escape) throws, so
 * `encode(decode(s)) === s` for every `s` that decodes. A line never holds a value.
 */
import { buildEngineError, type EngineError } from "./errors";
import type { PlanAction, PlanItem, PlanReason } from "./types";

/** What a plan line says about one secret: a {@link PlanItem} without its mount. */
export type PlanLineItem = Pick<PlanItem, "sourcePath" | "destinationName" | "action" | "reason" | "sourceVersion" | "detail">;

/** A line, key or value that the encoder did not write. */
export interface PlanLineError extends EngineError {
  name: "PlanLineError";
  readonly code: "PLAN_INPUT";
}

function planLineError(what: string, text: string, why: string): PlanLineError {
  // The text holds paths, names and reasons only; JSON quoting keeps control characters visible.
  const shown = text.length > 300 ? `${JSON.stringify(text.slice(0, 300))}…` : JSON.stringify(text);
  return buildEngineError<PlanLineError>("PlanLineError", "PLAN_INPUT", `unreadable plan ${what} ${shown}: ${why}`, {});
}

/** True when `err` was thrown by a decoder of this module. */
export function isPlanLineError(err: unknown): err is PlanLineError {
  return err instanceof Error && err.name === "PlanLineError" && (err as { code?: unknown }).code === "PLAN_INPUT";
}

const ARROW = " → ";

// Every member of PlanAction and PlanReason: `Record<…, true>` makes the compiler reject a member
// added to the union but not here (the decoder would refuse its lines).
const ACTIONS: Record<PlanAction, true> = { create: true, update: true, delete: true, skip: true, orphan: true, refuse: true };
const REASONS: Record<PlanReason, true> = {
  "new in source": true,
  "source version changed": true,
  "source value changed": true,
  "source metadata changed": true,
  "destination changed by hand": true,
  "destination write interrupted": true,
  "destination markers incomplete": true,
  "destination was written from another source path": true,
  "mapping changed": true,
  "adopting existing destination secret": true,
  "overwriting existing destination secret": true,
  "source deleted (kept, orphaned)": true,
  "source deleted (deletionPolicy: delete)": true,
  "no longer mapped (kept, orphaned)": true,
  "no longer mapped (deletionPolicy: delete)": true,
  "source version deleted": true,
  "source version destroyed": true,
  "destination disabled": true,
  "destination exists and was not created by this migration": true,
  "destination is managed by the destination service": true,
  "destination name collision": true,
  "invalid destination name": true,
  "value refused by the destination": true,
};

/** Every plan action, in no particular order. */
export const PLAN_ACTIONS: readonly PlanAction[] = Object.keys(ACTIONS) as PlanAction[];
/** Every plan reason, longest first (the order the decoder tries them in). */
export const PLAN_REASONS: readonly PlanReason[] = (Object.keys(REASONS) as PlanReason[]).sort((a, b) => b.length - a.length || (a < b ? -1 : 1));

/** Which escapes a field needs beyond the common ones. */
type FieldKind = "path" | "name" | "detail";

// Escaped in every field: backslash, the arrow, C0 and C1 controls and DEL, and invisible or
// direction-changing characters (fixed ranges, not Unicode properties, so that an encoded line
// decodes the same on every Node version): U+061C, U+200B–U+200F, U+2028–U+202E, U+2060–U+2069,
// U+FEFF, and lone surrogates (they would not survive the engine's UTF-8).
// eslint-disable-next-line no-control-regex
const SPECIAL = /[\\\u2192\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
// eslint-disable-next-line no-control-regex
const SPECIAL_IN_NAME = /[\\:\u2192\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function escapeChar(c: string): string {
  switch (c) {
    case "\\":
      return "\\\\";
    case "\n":
      return "\\n";
    case "\r":
      return "\\r";
    case "\t":
      return "\\t";
  }
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** A path, name or detail as it appears in a line (see the top of this file). */
export function encodePlanText(text: string, kind: FieldKind): string {
  return String(text).replace(kind === "name" ? SPECIAL_IN_NAME : SPECIAL, escapeChar);
}

/** The inverse of {@link encodePlanText}; throws on anything it would not have written. */
export function decodePlanText(encoded: string, kind: FieldKind): string {
  const out = encoded.replace(/\\(?:x([0-9a-f]{2})|u([0-9a-f]{4})|([\\nrt]))/g, (_m, x?: string, u?: string, c?: string) => {
    if (x !== undefined || u !== undefined) return String.fromCharCode(parseInt((x ?? u)!, 16));
    return c === "n" ? "\n" : c === "r" ? "\r" : c === "t" ? "\t" : c!;
  });
  // Canonical form only: an unneeded escape (`\x41`), a raw character that needs one, a stray `\`.
  if (encodePlanText(out, kind) !== encoded) throw planLineError(kind, encoded, `not in the canonical escaped form of a ${kind}`);
  return out;
}

/** `<path> → <name>`: the key of a plan map entry. */
export function encodePlanKey(item: Pick<PlanItem, "sourcePath" | "destinationName">): string {
  return `${encodePlanText(item.sourcePath, "path")}${ARROW}${encodePlanText(item.destinationName, "name")}`;
}

/** The inverse of {@link encodePlanKey}. */
export function decodePlanKey(key: string): Pick<PlanItem, "sourcePath" | "destinationName"> {
  const at = String(key).indexOf(ARROW);
  if (at < 0) throw planLineError("key", key, `no "${ARROW.trim()}" between source path and destination name`);
  return { sourcePath: decodePlanText(key.slice(0, at), "path"), destinationName: decodePlanText(key.slice(at + ARROW.length), "name") };
}

/** `<reason>[ (<detail>)]`, as in a line and in the report. */
export function encodePlanReason(reason: PlanReason, detail?: string): string {
  if (!Object.prototype.hasOwnProperty.call(REASONS, reason)) throw planLineError("reason", String(reason), "not a plan reason");
  return detail === undefined ? reason : `${reason} (${encodePlanText(detail, "detail")})`;
}

/** The inverse of {@link encodePlanReason}: the reason is one of the closed set, the detail the rest. */
export function decodePlanReason(text: string): { reason: PlanReason; detail?: string } {
  const s = String(text);
  for (const reason of PLAN_REASONS) {
    if (s === reason) return { reason };
    if (s.startsWith(`${reason} (`) && s.endsWith(")") && s.length >= reason.length + 3) {
      return { reason, detail: decodePlanText(s.slice(reason.length + 2, -1), "detail") };
    }
  }
  throw planLineError("reason", s, "not a plan reason, optionally followed by \" (<detail>)\"");
}

/** `<action>[ vN]: <reason>[ (<detail>)]`: the value of a plan map entry. */
export function encodePlanValue(item: Pick<PlanItem, "action" | "sourceVersion" | "reason" | "detail">): string {
  if (!Object.prototype.hasOwnProperty.call(ACTIONS, item.action)) throw planLineError("action", String(item.action), "not a plan action");
  const v = item.sourceVersion;
  if (v !== undefined && !(Number.isSafeInteger(v) && v >= 0)) throw planLineError("version", String(v), "not a whole number ≥ 0");
  return `${item.action}${v !== undefined ? ` v${v}` : ""}: ${encodePlanReason(item.reason, item.detail)}`;
}

/** The inverse of {@link encodePlanValue}. */
export function decodePlanValue(value: string): Pick<PlanItem, "action" | "sourceVersion" | "reason" | "detail"> {
  const s = String(value);
  const m = /^([a-z]+)(?: v(0|[1-9][0-9]*))?: /.exec(s);
  if (!m || !Object.prototype.hasOwnProperty.call(ACTIONS, m[1])) throw planLineError("value", s, "not \"<action>[ vN]: <reason>\"");
  const version = m[2] === undefined ? undefined : Number(m[2]);
  if (version !== undefined && !Number.isSafeInteger(version)) throw planLineError("value", s, "version out of range");
  const { reason, detail } = decodePlanReason(s.slice(m[0].length));
  return { action: m[1] as PlanAction, ...(version !== undefined ? { sourceVersion: version } : {}), reason, ...(detail !== undefined ? { detail } : {}) };
}

/** One line: `<path> → <name>: <action>[ vN]: <reason>[ (<detail>)]`. */
export function encodePlanLine(item: PlanLineItem): string {
  return `${encodePlanKey(item)}: ${encodePlanValue(item)}`;
}

/** The inverse of {@link encodePlanLine}. */
export function decodePlanLine(line: string): PlanLineItem {
  const s = String(line);
  const arrow = s.indexOf(ARROW);
  // An encoded name has no colon: the first one after the arrow ends it.
  const colon = arrow < 0 ? -1 : s.indexOf(":", arrow + ARROW.length);
  if (colon < 0 || s[colon + 1] !== " ") throw planLineError("line", s, "not \"<path> → <name>: <action>[ vN]: <reason>\"");
  return { ...decodePlanKey(s.slice(0, colon)), ...decodePlanValue(s.slice(colon + 2)) };
}

/** A plan map (key → value per item). Throws on two items with one key: a map cannot hold both. */
export function encodePlanMap(items: readonly PlanLineItem[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of items) {
    const key = encodePlanKey(i);
    if (Object.prototype.hasOwnProperty.call(out, key)) throw planLineError("key", key, "two plan items with the same source path and destination name");
    out[key] = encodePlanValue(i);
  }
  return out;
}

/** The inverse of {@link encodePlanMap}, in the map's order. */
export function decodePlanMap(map: Readonly<Record<string, string>>): PlanLineItem[] {
  return Object.entries(map ?? {}).map(([key, value]) => ({ ...decodePlanKey(key), ...decodePlanValue(value) }));
}
