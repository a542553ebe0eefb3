// Re-verifies a migrated destination against its source, values included: what `pulumi refresh`
// runs. Metadata drift comes from re-planning; value drift from comparing keyed fingerprints of
// the stored value with what the source's value would be written as.
import { mapConcurrent, nameKey, ownsCopy, redactedError, secretStrings, type FingerprintKey, type PlanItem } from "../engine";
import type { MigrationDestination } from "./destination";
import { planRun } from "./planRun";
import type { MigrationSettings } from "./settings";
import type { MigrationSource } from "./source";
import { destinationWrite } from "./writes";

export interface Verification {
  /** Everything a new `pulumi up` would do, including copies whose value was edited by hand. */
  drift: PlanItem[];
  /** Copies checked value by value. */
  verified: number;
}

export async function verifyRun(source: MigrationSource, destination: MigrationDestination, settings: MigrationSettings, fingerprintKey: FingerprintKey): Promise<Verification> {
  const { plan, mappingHash } = await planRun(source, destination, settings, fingerprintKey);
  // Under the destination's own case rule (Key Vault ignores case, Vault does not).
  const pendingNames = new Set(plan.items.map((i) => nameKey(destination.naming, i.destinationName)));
  const ours: { name: string; path: string; version?: number }[] = [];
  for await (const e of destination.entries()) {
    const m = e.markers;
    // A soft-deleted copy holds no value to verify: re-planning already re-creates it.
    if (e.deleted || !ownsCopy(m, settings.migrationId, [source.scope]) || pendingNames.has(nameKey(destination.naming, e.name))) continue;
    ours.push({ name: e.name, path: m.sourcePath.slice(source.mount.length + 1), version: m.sourceVersion });
  }
  const ctx = { fingerprintKey, mappingHash, migrationId: settings.migrationId };
  const drift: PlanItem[] = [...plan.items];
  let verified = 0;
  for await (const r of mapConcurrent(ours, settings.concurrency, async (o) => {
    const v = await source.read(o.path, o.version);
    if (!v) return true; // the source moved on: re-planning already reports it
    try {
      const expected = destination.expectedFingerprint(destinationWrite(o.name, v, ctx));
      return (await destination.storedFingerprint(o.name)) === expected;
    } catch (e) {
      // The destination's read may fail with a message that quotes what it read (the copy: this
      // value, or a hand-edited one the error itself must not carry); cut every form of the value
      // held here. The clients build their messages from safe fields; this is the second line.
      throw redactedError(e, secretStrings(v.data));
    }
  })) {
    if (!r.ok) throw r.error;
    verified++;
    if (!r.value) {
      drift.push({ sourcePath: `${source.mount}/${r.item.path}`, mount: source.mount, destinationName: r.item.name, action: "update", reason: "destination changed by hand", ...(r.item.version ? { sourceVersion: r.item.version } : {}), detail: "stored value differs" });
    }
  }
  return { drift, verified };
}
