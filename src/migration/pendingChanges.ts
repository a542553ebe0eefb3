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

/**
 * Where the plan travels in the migration resource's inputs. `pulumi preview --diff` prints a
 * dynamic resource's stored inputs against its new ones (the provider does not preview outputs),
 * so a plan an `up` stored under `pending` would come back in the next preview as
 * `"create v1: …" => "update v2: …"`, or as removed lines. So only a preview carries the plan as
 * `pending`, shown line by line; an `up` carries it as `__pending`, a key the engine's display
 * ignores (a property key starting with `__` is internal), with `pending` empty.
 */
export function planInputs<T>(pending: T, dryRun: boolean): { pending: T | PendingChanges; __pending?: T } {
  return dryRun ? { pending } : { pending: {}, __pending: pending };
}

/** The plan carried by the migration resource's inputs (see {@link planInputs}). */
export function planOf<T>(p: { pending?: T; __pending?: T } | undefined): T | undefined {
  return p?.__pending ?? p?.pending;
}
