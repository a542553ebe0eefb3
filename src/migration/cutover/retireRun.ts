// Retires migrated sources: for each path the plan found quiet, after the copy, the source value is
// read (with the migration's reader), the destination is checked to hold exactly that value (keyed
// fingerprints, as verification does), and only then the source is deleted with the retire
// identity: KV v2 soft-deletes that version, the current one (`undelete` brings it back), KV v1 deletes it.
// Idempotent: a path already retired (nothing current to read) is reported as such and left alone.
import { deleteKvSecret, softDeleteKvVersion } from "../../clients/vault/kv";
import type { VaultConnection } from "../../clients/vault/connection";
import { VaultClient } from "../../clients/vault/VaultClient";
import { decodePlanKey, mapConcurrent, redactedError, secretStrings, type FingerprintKey } from "../../engine";
import type { MigrationDestination } from "../destination";
import type { MigrationSource } from "../source";
import { destinationWrite, relativePath } from "../writes";

export type RetireResult = "retired" | "already retired" | "held: copy not verified";

export interface RetireOutcome {
  sourcePath: string;
  destinationName: string;
  result: RetireResult;
}

export interface RetirementSummary {
  retired: number;
  alreadyRetired: number;
  held: number;
  /** Paths retired by the last run. */
  paths: string[];
}

export async function retireRun(o: {
  retire: Readonly<Record<string, string>>;
  source: MigrationSource;
  destination: MigrationDestination;
  retireConnection: VaultConnection;
  fingerprintKey: FingerprintKey;
  mappingHash: string;
  migrationId: string;
  concurrency: number;
}): Promise<RetireOutcome[]> {
  const items = Object.keys(o.retire).map((k) => decodePlanKey(k));
  // Only paths inside this migration's scope are ever deleted, whatever the input says.
  for (const i of items) {
    if (i.sourcePath !== o.source.scope && !i.sourcePath.startsWith(`${o.source.scope}/`)) throw new Error(`retirement refused: ${i.sourcePath} is outside this migration's source ${o.source.scope}/`);
  }
  const client = VaultClient.connect(o.retireConnection, { connections: Math.min(o.concurrency, 8) });
  const ctx = { fingerprintKey: o.fingerprintKey, mappingHash: o.mappingHash, migrationId: o.migrationId };
  const out: RetireOutcome[] = [];
  const errors: string[] = [];
  try {
    for await (const r of mapConcurrent(items, Math.min(o.concurrency, 8), async (i): Promise<RetireResult> => {
      const rel = relativePath(i, o.source.mount);
      const v = await o.source.read(rel);
      if (!v) return "already retired";
      let verified: boolean;
      try {
        verified = (await o.destination.storedFingerprint(i.destinationName)) === o.destination.expectedFingerprint(destinationWrite(i.destinationName, v, ctx));
      } catch (e) {
        throw redactedError(e, secretStrings(v.data));
      }
      if (!verified) return "held: copy not verified";
      // KV v2: the version just verified, not whatever is current by the time the delete lands.
      const version = v.secret.currentVersion;
      if (o.source.kvVersion === 2 && version !== undefined) await softDeleteKvVersion(client, o.source.mount, rel, version);
      else await deleteKvSecret(client, o.source.mount, o.source.kvVersion, rel);
      return "retired";
    })) {
      if (r.ok) out.push({ sourcePath: r.item.sourcePath, destinationName: r.item.destinationName, result: r.value });
      else errors.push(`${r.item.sourcePath}: ${(r.error as Error).message}`);
    }
  } finally {
    await client.close();
  }
  if (errors.length) throw new Error(`retirement: ${errors.length} path(s) failed (${out.filter((x) => x.result === "retired").length} retired); re-run to retry:\n  ${errors.slice(0, 10).join("\n  ")}`);
  return out.sort((a, b) => (a.sourcePath < b.sourcePath ? -1 : 1));
}

export function retirementSummary(outcomes: readonly RetireOutcome[]): RetirementSummary {
  return {
    retired: outcomes.filter((x) => x.result === "retired").length,
    alreadyRetired: outcomes.filter((x) => x.result === "already retired").length,
    held: outcomes.filter((x) => x.result === "held: copy not verified").length,
    paths: outcomes.filter((x) => x.result === "retired").map((x) => x.sourcePath),
  };
}
