// Applies the pending changes of a plan: read each source value, write it with its markers, read it
// back and compare fingerprints. Bounded concurrency; one secret failing never stops the others.
import {
  buildReport,
  fingerprint,
  formatProgress,
  mapConcurrent,
  Progress,
  reportItem,
  secretStrings,
  type FingerprintKey,
  type MigrationReport,
  type PlanItem,
  type ReportItem,
} from "../engine";
import type { DestinationWrite, MigrationDestination } from "./destination";
import { relativePath } from "./planRun";
import type { VaultSource } from "./vaultSource";

export interface ApplyOptions {
  items: readonly PlanItem[];
  source: VaultSource;
  destination: MigrationDestination;
  fingerprintKey: FingerprintKey;
  mappingHash: string;
  concurrency: number;
  /** Called with a progress line (done/total, rate, ETA) at most every `progressEveryMs`. */
  onProgress?: (line: string) => void;
  progressEveryMs?: number;
  inSync?: number;
  warnings?: string[];
  /** Skipped and orphaned secrets: reported with their reason, nothing done. */
  notices?: readonly PlanItem[];
}

type Outcome = { result: ReportItem["result"] } | { error: unknown; secrets: string[] };

async function applyOne(item: PlanItem, o: ApplyOptions): Promise<Outcome> {
  if (item.action === "delete") {
    await o.destination.remove(item.destinationName);
    return { result: "deleted" };
  }
  const path = relativePath(item, o.source.mount);
  const v = await o.source.read(path, item.sourceVersion);
  if (!v) return { error: new Error(`source ${item.sourcePath}${item.sourceVersion ? ` v${item.sourceVersion}` : ""} is gone since planning; the next run re-plans it`), secrets: [] };
  const secrets = secretStrings(v.data);
  const secret = { mount: o.source.mount, path, kvVersion: o.source.kvVersion, currentVersion: v.version, state: "live" as const, customMetadata: v.customMetadata };
  const write: DestinationWrite = {
    name: item.destinationName,
    source: secret,
    data: v.data,
    fingerprint: fingerprint(o.fingerprintKey, v.data),
    mappingHash: o.mappingHash,
    // Lazy: only destinations that copy metadata or history (Vault) call these.
    ...(o.source.kvVersion === 2
      ? { sourceDetails: () => o.source.details(path), readSourceVersion: async (version: number) => (await o.source.read(path, version))?.data }
      : {}),
  };
  try {
    const problem = o.destination.validate(write);
    if (problem) return { error: new Error(problem), secrets };
    await o.destination.write(write);
    // Verification: what is stored now must be what we meant to store.
    const stored = await o.destination.storedFingerprint(item.destinationName);
    if (stored !== o.destination.expectedFingerprint(write)) {
      return { error: new Error(`verification failed: ${item.destinationName} does not hold the value just written (changed concurrently?)`), secrets };
    }
    return { result: item.action === "create" ? "created" : "updated" };
  } catch (e) {
    return { error: e, secrets };
  }
}

/** Runs every create/update/delete item and returns the report (no values in it). */
export async function applyRun(o: ApplyOptions): Promise<MigrationReport> {
  const startedAt = new Date();
  const pending = o.items.filter((i) => i.action === "create" || i.action === "update" || i.action === "delete");
  const progress = new Progress({ total: pending.length, now: () => Date.now() });
  const every = o.progressEveryMs ?? 5_000;
  let lastPrint = Date.now();
  const items: ReportItem[] = [];
  for await (const r of mapConcurrent(pending, o.concurrency, (item) => applyOne(item, o))) {
    const outcome: Outcome = r.ok ? r.value : { error: r.error, secrets: [] };
    const failed = "error" in outcome;
    items.push(failed ? reportItem(r.item, { error: outcome.error, secrets: outcome.secrets }) : reportItem(r.item, { result: outcome.result }));
    progress.advance(1, { failed });
    if (o.onProgress && Date.now() - lastPrint >= every) {
      lastPrint = Date.now();
      o.onProgress(formatProgress(progress.snapshot(), "copying"));
    }
  }
  for (const n of o.notices ?? []) items.push(reportItem(n, { result: n.action === "skip" ? "skipped" : "orphaned" }));
  return buildReport({ startedAt, finishedAt: new Date(), items, inSync: o.inSync, warnings: o.warnings });
}
