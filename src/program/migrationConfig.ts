// `vault-migration:migrations`: the migration runs of a stack, validated with errors naming the key.
// Destination-generic: each destination's keys are read by its reader in ./destinations/.
import type { MigrationCommonArgs } from "../components/migrationArgs";
import { validateCutover, type CutoverArgsBase } from "../migration/cutover/settings";
import { DEFAULT_DESTINATION_KIND, DESTINATION_CONFIG_READERS } from "./destinations";
import { isObject } from "./destinations/types";
import { unknownKeys } from "./unknownKeys";

/** One migration as configured; the program adds the source connection and what `fromStack` names. */
export interface MigrationConfig {
  name: string;
  /** Destination kind (a registered driver). */
  kind: string;
  args: Omit<MigrationCommonArgs, "source" | "fingerprintKey" | "planConnection"> & { source: Omit<MigrationCommonArgs["source"], "connection"> };
  /** The driver's spec without `kind`. */
  destination: Record<string, unknown>;
  /** The driver's credentials (made a Pulumi secret by the program). */
  credentials: Readonly<Record<string, unknown>>;
  /** Spec keys the stack fills from its own outputs when the config leaves them out. */
  fromStack?: Readonly<Record<string, string>>;
}

/** Keys every migration entry may have, whatever its destination. */
export const COMMON_KEYS = ["name", "source", "destination", "mapping", "existing", "deletionPolicy", "unwrapKey", "expiryKey", "concurrency", "reportPath", "onDestroy", "logLimit", "progressIntervalMs", "maxDuration", "migrationId", "cutover"];
export const SOURCE_KEYS = ["mount", "prefix", "kvVersion"];
export const MAPPING_KEYS = ["rules", "include", "exclude"];
/** Keys of a migration's `cutover` (the stack adds `retireConnection`: the reader's retire identity). */
export const CUTOVER_KEYS = ["auditLogs", "quietWindow", "maxGap", "readers", "retireSource", "permanent", "reportPath"];

/**
 * Parses the list. `secret(key)` gives secret stack config values (`keyVaultAccessToken`,
 * `destinationVaultToken`, …); `env` the environment fallbacks each destination documents.
 */
export function readMigrations(raw: unknown, env: Record<string, string | undefined>, secret: (key: string) => string | undefined = () => undefined): MigrationConfig[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new Error("[vault-migration:migrations] must be a list");
  const problems: string[] = [];
  const out: MigrationConfig[] = [];
  raw.forEach((m: unknown, i: number) => {
    const at = (k: string): string => `[vault-migration:migrations[${i}].${k}]`;
    if (!isObject(m)) return void problems.push(`[vault-migration:migrations[${i}]] must be an object`);
    if (typeof m.name !== "string" || !/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(m.name)) problems.push(`${at("name")} must be a name of letters, digits, '-' and '_'`);
    const source = isObject(m.source) ? m.source : {};
    if (typeof source.mount !== "string" || !source.mount) problems.push(`${at("source.mount")} is required`);
    const destination = isObject(m.destination) ? { ...m.destination } : {};
    const kind = typeof destination.kind === "string" ? destination.kind : DEFAULT_DESTINATION_KIND;
    const reader = DESTINATION_CONFIG_READERS.find((r) => r.kind === kind);
    if (!reader) return void problems.push(`${at("destination.kind")} must be one of ${DESTINATION_CONFIG_READERS.map((r) => `"${r.kind}"`).join(", ")}`);
    // A misplaced key would be ignored silently (and, say for `exclude`, copy more than meant).
    unknownKeys(m, [...COMMON_KEYS, ...reader.entryKeys], (k) => at(k), problems);
    unknownKeys(source, SOURCE_KEYS, (k) => at(`source.${k}`), problems);
    if (isObject(m.mapping)) unknownKeys(m.mapping, MAPPING_KEYS, (k) => at(`mapping.${k}`), problems);
    if (m.cutover !== undefined) {
      if (!isObject(m.cutover)) problems.push(`${at("cutover")} must be an object`);
      else {
        unknownKeys(m.cutover, CUTOVER_KEYS, (k) => at(`cutover.${k}`), problems);
        // Checked here too, so a bad duration is a config error naming the stack key.
        const checked = validateCutover(m.cutover as unknown as CutoverArgsBase, typeof m.reportPath === "string" ? m.reportPath : undefined, `vault-migration:migrations[${i}].cutover`);
        problems.push(...checked.problems);
      }
    }
    delete destination.kind;
    const read = reader.read(m, destination, { env, secret, at, prefix: `vault-migration:migrations[${i}]`, problem: (p) => problems.push(p) });
    const args: Record<string, unknown> = {};
    for (const k of COMMON_KEYS) if (!["name", "destination"].includes(k) && m[k] !== undefined) args[k] = m[k];
    out.push({
      name: m.name as string,
      kind,
      args: args as MigrationConfig["args"],
      destination: read.spec,
      credentials: read.credentials,
      ...(read.fromStack ? { fromStack: read.fromStack } : {}),
    });
  });
  const names = out.map((m) => m.name);
  for (const n of new Set(names)) if (names.filter((x) => x === n).length > 1) problems.push(`[vault-migration:migrations] name "${n}" is used twice`);
  if (problems.length) throw new Error(`invalid stack configuration:\n  - ${problems.join("\n  - ")}`);
  return out;
}
