// The pending changes as a flat string map: the migration resource's input. One line per secret in
// `pulumi preview --diff` (dynamic providers have no detailed diff, so the input IS the preview).
import type { PlanAction, PlanItem, PlanReason } from "../engine";

/** `"secret/apps/db → secret-apps-db": "update v4: source version changed"`. No value, ever. */
export type PendingChanges = Record<string, string>;

const ARROW = " → ";
const LINE = /^(create|update|delete|skip|orphan)(?: v(\d+))?: (.+)$/;

export function encodePending(items: readonly PlanItem[], actions: readonly PlanAction[] = ["create", "update", "delete"]): PendingChanges {
  const out: PendingChanges = {};
  for (const i of items) {
    if (!actions.includes(i.action)) continue;
    const version = i.sourceVersion !== undefined ? ` v${i.sourceVersion}` : "";
    out[`${i.sourcePath}${ARROW}${i.destinationName}`] = `${i.action}${version}: ${i.reason}${i.detail ? ` (${i.detail})` : ""}`;
  }
  return out;
}

/** The inverse of {@link encodePending}; throws on a line it did not write. */
export function decodePending(pending: PendingChanges, mount: string): PlanItem[] {
  return Object.entries(pending ?? {}).map(([key, line]) => {
    const at = key.lastIndexOf(ARROW);
    const m = LINE.exec(line);
    if (at < 0 || !m) throw new Error(`unreadable pending change "${key}": "${line}"`);
    const reasonAndDetail = m[3];
    const d = / \((.*)\)$/.exec(reasonAndDetail);
    const item: PlanItem = {
      sourcePath: key.slice(0, at),
      mount,
      destinationName: key.slice(at + ARROW.length),
      action: m[1] as PlanAction,
      reason: (d ? reasonAndDetail.slice(0, d.index) : reasonAndDetail) as PlanReason,
      ...(m[2] ? { sourceVersion: Number(m[2]) } : {}),
      ...(d ? { detail: d[1] } : {}),
    };
    return item;
  });
}

/** Skipped and orphaned secrets: not changes, but the report names them with their reason. */
export function encodeNotices(items: readonly PlanItem[]): PendingChanges {
  return encodePending(items, ["skip", "orphan"]);
}
