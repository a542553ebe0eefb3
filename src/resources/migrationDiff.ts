// What decides whether the migration resource changes: serialized with its provider (see
// SecretMigration.ts), so a no-change run diffs without loading the run code. Kept tiny.
import { planOf } from "../migration/planCarrier";
import type { SecretMigrationProps } from "./SecretMigration";

/** Everything that, changed, calls for a run even with nothing pending. */
function configKey(p: Partial<SecretMigrationProps>): string {
  return JSON.stringify([p.sourceEndpoint?.address, p.sourceEndpoint?.namespace, p.settings, p.destination, p.reportPath ?? null, p.onDestroy ?? "keep"]);
}

/** Identity of a plan (its lines, sorted): paths, names and reasons only, no value. */
export function planIdentityHash(p: Pick<SecretMigrationProps, "pending" | "__pending" | "planId">): string {
  const { createHash } = require("node:crypto") as typeof import("node:crypto");
  const lines = Object.entries(planOf(p) ?? {}).map(([k, v]) => `${k}\t${v}`).sort();
  return createHash("sha256").update(`${p.planId ?? ""}\n${lines.join("\n")}`).digest("hex").slice(0, 32);
}

/**
 * In sync and unchanged settings: no change at all, so a no-op `up` writes nothing. Rotated
 * credentials are a change too (an update with nothing pending writes nothing): `read` and
 * `delete` only see the stored outputs, so they must hold the credentials in force.
 */
export function migrationChanges(olds: SecretMigrationProps, news: SecretMigrationProps): boolean {
  const pending = Object.keys(planOf(news) ?? {}).length > 0 && planIdentityHash(news) !== olds.appliedPlan;
  const credentials = JSON.stringify([olds.sourceAuth, olds.destinationCredentials, olds.fingerprintKey]) !== JSON.stringify([news.sourceAuth, news.destinationCredentials, news.fingerprintKey]);
  return pending || credentials || configKey(olds) !== configKey(news) || Object.keys(olds.drift ?? {}).length > 0;
}
