// The pending changes as a flat string map: the migration resource's input. One line per secret in
// `pulumi preview --diff` (dynamic providers have no detailed diff, so the input IS the preview).
// The text of each entry is the plan-line codec's (src/engine/planlines.ts); nothing parses it here.
import { DEFAULT_KV_SETTINGS, decodeKvSettings, decodePlanMap, encodeKvSettings, encodePlanKey, encodePlanMap, isDefaultKvSettings, type PlanAction, type PlanItem } from "../engine";

/** `"secret/apps/db → secret-apps-db": "update v4: source version changed"`. No value, ever. */
export type PendingChanges = Record<string, string>;

export function encodePending(items: readonly PlanItem[], actions: readonly PlanAction[] = ["create", "update", "delete"]): PendingChanges {
  return encodePlanMap(items.filter((i) => actions.includes(i.action)));
}

/** The inverse of {@link encodePending} (plus the source mount); throws on an entry it did not write. */
export function decodePending(pending: PendingChanges, mount: string): PlanItem[] {
  return decodePlanMap(pending ?? {}).map((i) => ({ ...i, mount }));
}

/**
 * The KV v2 settings of the plan's creates and updates, beside the pending map (the resource's hidden
 * `__sourceSettings` input), keyed like it. A separate hidden map rather than a suffix of the plan
 * line: the lines users read in `pulumi preview --diff` stay as they are, and only a secret with
 * non-default settings has an entry, so most secrets cost no byte of state. Present (even empty) =
 * the plan knows every item's settings, and an item without an entry has the defaults; absent =
 * the plan does not know (KV v1 source, or items without them), and the write asks the source.
 */
export type SourceSettingsMap = Record<string, string>;

export function encodeSourceSettings(items: readonly PlanItem[]): SourceSettingsMap | undefined {
  const out: SourceSettingsMap = {};
  for (const i of items) {
    if (i.action !== "create" && i.action !== "update") continue;
    if (!i.sourceSettings) return undefined;
    if (!isDefaultKvSettings(i.sourceSettings)) out[encodePlanKey(i)] = encodeKvSettings(i.sourceSettings);
  }
  return out;
}

/**
 * Gives the creates and updates of `plan` (a pending map) their settings from `settings`; items from
 * elsewhere (drift a refresh found, merged in) and every item when `settings` is absent stay
 * without, so their write asks the source: "not known" never becomes "default".
 */
export function withSourceSettings(items: readonly PlanItem[], plan: PendingChanges | undefined, settings: SourceSettingsMap | undefined): PlanItem[] {
  if (!settings || !plan) return [...items];
  const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);
  return items.map((i) => {
    if (i.action !== "create" && i.action !== "update") return i;
    const key = encodePlanKey(i);
    if (!has(plan, key)) return i;
    return { ...i, sourceSettings: has(settings, key) ? decodeKvSettings(settings[key] as string) : DEFAULT_KV_SETTINGS };
  });
}

/** Skipped and orphaned secrets: not changes, but the report names them with their reason. */
export function encodeNotices(items: readonly PlanItem[]): PendingChanges {
  return encodePending(items, ["skip", "orphan"]);
}

// Where the plan travels in the resource's inputs: its own module, free of imports, because the
// migration provider (serialized into the state) reads it.
export { planInputs, planOf } from "./planCarrier";
