// The pending changes as a flat string map: the migration resource's input. One line per secret in
// `pulumi preview --diff` (dynamic providers have no detailed diff, so the input IS the preview).
// The text of each entry is the plan-line codec's (src/engine/planlines.ts); nothing parses it here.
import { decodePlanMap, encodePlanMap, type PlanAction, type PlanItem } from "../engine";

/** `"secret/apps/db → secret-apps-db": "update v4: source version changed"`. No value, ever. */
export type PendingChanges = Record<string, string>;

export function encodePending(items: readonly PlanItem[], actions: readonly PlanAction[] = ["create", "update", "delete"]): PendingChanges {
  return encodePlanMap(items.filter((i) => actions.includes(i.action)));
}

/** The inverse of {@link encodePending} (plus the source mount); throws on an entry it did not write. */
export function decodePending(pending: PendingChanges, mount: string): PlanItem[] {
  return decodePlanMap(pending ?? {}).map((i) => ({ ...i, mount }));
}

/** Skipped and orphaned secrets: not changes, but the report names them with their reason. */
export function encodeNotices(items: readonly PlanItem[]): PendingChanges {
  return encodePending(items, ["skip", "orphan"]);
}

// Where the plan travels in the resource's inputs: its own module, free of imports, because the
// migration provider (serialized into the state) reads it.
export { planInputs, planOf } from "./planCarrier";
