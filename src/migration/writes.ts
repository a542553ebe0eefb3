// The one constructor of a DestinationWrite: planning's value checks, the copy and the
// re-verification all build what they hand a destination here, so nothing the source said about
// a secret (its version, custom_metadata, updated time) is lost between plan and apply.
import { fingerprint, fullSourcePath, type FingerprintKey, type KvSettings, type Markers, type PlanItem } from "../engine";
import type { DestinationWrite } from "./destination";
import type { MigrationSource, SourceValue } from "./source";

/** What a run writes with every copy besides the value. */
export interface WriteContext {
  readonly fingerprintKey: FingerprintKey;
  readonly mappingHash: string;
  readonly migrationId: string;
}

/** The write of one planned secret, from the value just read. */
export function destinationWrite(name: string, value: SourceValue, ctx: WriteContext, sourceSettings?: KvSettings): DestinationWrite {
  return {
    name,
    source: value.secret,
    data: value.data,
    fingerprint: fingerprint(ctx.fingerprintKey, fullSourcePath(value.secret), value.data),
    mappingHash: ctx.mappingHash,
    migrationId: ctx.migrationId,
    ...(sourceSettings ? { sourceSettings } : {}),
  };
}

/**
 * Whether markers found under a name planned as a create (`DestinationWrite.expectAbsent`) are this
 * migration's, or from before migration ids existed, as the planner counts them: then the write goes
 * on (our interrupted or soft-deleted copy); anything else appeared since planning and is refused.
 */
export function writtenByMigration(markers: Markers | undefined, migrationId: string): boolean {
  return markers?.mappingHash !== undefined && (markers.migrationId === migrationId || markers.migrationId === undefined);
}

/** The code and message every destination refuses such a write with (`expectAbsent`, someone else's secret there). */
export const APPEARED_SINCE_PLANNING = "APPEARED_SINCE_PLANNING";
export function appearedMessage(location: string, name: string): string {
  return `${location}: secret '${name}' was absent when planned and now exists, not written by this migration; nothing was overwritten, the next run plans it again (and [existing] decides)`;
}

/** Path of a plan item relative to the source mount. */
export function relativePath(item: Pick<PlanItem, "sourcePath">, mount: string): string {
  return item.sourcePath.startsWith(`${mount}/`) ? item.sourcePath.slice(mount.length + 1) : item.sourcePath;
}

/** Reads the value a plan item pinned (its version on KV v2); undefined when gone since planning. */
export function readPlanned(source: MigrationSource, item: Pick<PlanItem, "sourcePath" | "sourceVersion">): Promise<SourceValue | undefined> {
  return source.read(relativePath(item, source.mount), item.sourceVersion);
}
