// The arguments every migration takes besides its destination, and their checks (no network).
import type * as pulumi from "@pulumi/pulumi";
import { configuredPathProblem } from "../engine/paths";
import { createMapper, type DeletionPolicy, type DestinationNaming, type ExistingPolicy, type MappingRule } from "../engine";
import { withDefaults, type MigrationSettings } from "../migration/settings";
import type { CutoverArgsBase } from "../migration/cutover/settings";
import { parseDurationSeconds } from "../resources/durations";
import type { VaultConnectionArgs } from "../resources/vaultResourceInputs";

/** Cutover readiness from the source's audit log, and optionally retiring quiet sources. */
export interface CutoverArgs extends CutoverArgsBase {
  /** The retire identity (`MigrationReader`'s `retireConnection`): required with `retireSource`. */
  retireConnection?: pulumi.Input<VaultConnectionArgs>;
}

/** Arguments every migration component takes besides its destination. */
export interface MigrationCommonArgs {
  source: {
    /** Connection the copy reads with: the MigrationReader's `readerConnection` gives least privilege. */
    connection: pulumi.Input<VaultConnectionArgs>;
    mount: string;
    /** Folder under the mount, e.g. `apps/`. */
    prefix?: string;
    /** Detected from the mount when omitted. */
    kvVersion?: 1 | 2;
  };
  /**
   * Connection used to plan during `pulumi preview`. Defaults to `source.connection`; give an
   * existing identity here when the reader is created in the same stack and does not exist yet.
   */
  planConnection?: pulumi.Input<VaultConnectionArgs>;
  /** Per-stack key of the keyed fingerprints written as markers (≥ 16 bytes). A Pulumi secret. */
  fingerprintKey: pulumi.Input<string>;
  /** Path globs → name templates (first match wins; default seed 003's `{mount}/{path}`), include/exclude globs. */
  mapping?: { rules?: MappingRule[]; include?: string[]; exclude?: string[] };
  /** A destination secret this migration did not write: `fail` (default) at preview, `adopt` or `overwrite`. */
  existing?: ExistingPolicy;
  /** Copies whose source is gone: `keep` (default, reported as orphaned) or `delete`. */
  deletionPolicy?: DeletionPolicy;
  /** Copies in flight (default 32). */
  concurrency?: number;
  /** Report files `<path>.json` and `<path>.md`, relative to the project. */
  reportPath?: string;
  /** `pulumi destroy`: `keep` the copies (default) or soft-`delete` them. */
  onDestroy?: "keep" | "delete";
  /** At most this many plan lines are logged one by one (the rest are counted). Default 200. */
  logLimit?: number;
  /** How often `up` logs a progress line while copying, in ms (100–600,000; default 5,000). */
  progressIntervalMs?: number;
  /**
   * Time budget of one `up`'s copy: a duration (`"45m"`, `"1h30m"`) or whole seconds, from 1 s to
   * 24 h. Past it no more secrets start; the rest are reported pending and the next `up` continues.
   */
  maxDuration?: string | number;
  /**
   * The migration's identity, written as a marker on every copy; default `<stack>/<name>`. Removal
   * and orphan detection touch only copies that carry it, so keep it stable (set it explicitly
   * before renaming the stack or the migration).
   */
  migrationId?: string;
  /** Multi-key secrets holding this key are migrated as that key's value alone (Key Vault). */
  unwrapKey?: string;
  /** custom_metadata key holding an expiry date or duration (Key Vault). */
  expiryKey?: string;
  /** Who still reads each migrated path (audit log), and `retireSource` to delete quiet sources. */
  cutover?: CutoverArgs;
}

/** Checks what can be checked before any network call; throws `<label>: …` naming the argument. */
export function validateMigrationArgs(label: string, migrationId: string, args: MigrationCommonArgs, naming: DestinationNaming): MigrationSettings {
  const problems: string[] = [];
  if (!migrationId || migrationId.length > 256 || /[\u0000-\u001f\u007f]/.test(migrationId)) problems.push("[migrationId] must be 1 to 256 printable characters");
  const mountProblem = configuredPathProblem(typeof args.source?.mount === "string" ? args.source.mount : "", true);
  if (mountProblem) problems.push(`[source.mount] ${mountProblem}`);
  if (args.source?.prefix !== undefined) {
    const prefixProblem = typeof args.source.prefix === "string" ? configuredPathProblem(args.source.prefix, false) : "must be a string";
    if (prefixProblem) problems.push(`[source.prefix] ${prefixProblem}`);
  }
  if (args.source?.kvVersion !== undefined && args.source.kvVersion !== 1 && args.source.kvVersion !== 2) problems.push("[source.kvVersion] must be 1 or 2");
  if (args.existing && !["fail", "adopt", "overwrite"].includes(args.existing)) problems.push('[existing] must be "fail", "adopt" or "overwrite"');
  if (args.deletionPolicy && !["keep", "delete"].includes(args.deletionPolicy)) problems.push('[deletionPolicy] must be "keep" or "delete"');
  if (args.concurrency !== undefined && (!Number.isInteger(args.concurrency) || args.concurrency < 1 || args.concurrency > 256)) problems.push("[concurrency] must be a whole number from 1 to 256");
  if (args.progressIntervalMs !== undefined && (!Number.isInteger(args.progressIntervalMs) || args.progressIntervalMs < 100 || args.progressIntervalMs > 600_000)) problems.push("[progressIntervalMs] must be a whole number of milliseconds from 100 to 600,000");
  let maxDurationMs: number | undefined;
  if (args.maxDuration !== undefined) {
    let seconds: number | undefined;
    try {
      seconds = typeof args.maxDuration === "string" || typeof args.maxDuration === "number" ? parseDurationSeconds(args.maxDuration) : undefined;
    } catch {
      seconds = undefined;
    }
    if (seconds === undefined || seconds < 1 || seconds > 86_400) problems.push(`[maxDuration] must be a duration like "45m" or "1h30m" (or whole seconds) from 1 s to 24 h: ${JSON.stringify(args.maxDuration)}`);
    else maxDurationMs = seconds * 1000;
  }
  const settings = withDefaults({
    migrationId,
    mount: args.source?.mount ?? "",
    prefix: args.source?.prefix,
    kvVersion: args.source?.kvVersion,
    rules: args.mapping?.rules,
    include: args.mapping?.include,
    exclude: args.mapping?.exclude,
    ...(args.existing ? { existing: args.existing } : {}),
    ...(args.deletionPolicy ? { deletionPolicy: args.deletionPolicy } : {}),
    unwrapKey: args.unwrapKey,
    expiryKey: args.expiryKey,
    ...(args.concurrency ? { concurrency: args.concurrency } : {}),
    ...(args.progressIntervalMs ? { progressIntervalMs: args.progressIntervalMs } : {}),
    ...(maxDurationMs !== undefined ? { maxDurationMs } : {}),
  });
  try {
    createMapper({ naming, rules: settings.rules, include: settings.include, exclude: settings.exclude });
  } catch (e) {
    problems.push(`[mapping] ${(e as Error).message}`);
  }
  if (problems.length) throw new Error(`${label}: ${problems.join("; ")}`);
  return JSON.parse(JSON.stringify(settings)) as MigrationSettings; // drop undefined: it is a resource input
}
