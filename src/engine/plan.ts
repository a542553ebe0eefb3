/**
 * Migration planning: compares the source inventory (metadata only) with the
 * destination listing (properties and markers only) and returns the pending
 * changes. The plan holds paths, names, versions and reasons — never a value.
 *
 * Memory: the source is streamed; the planner keeps the destination index, the
 * resulting items, and one claim per source that has an item or an existing
 * destination (every mapped source has one or the other, so claims are bounded
 * by items + destination index).
 *
 * Ownership: a destination secret is OURS when its markers carry a mapping hash
 * (only this tool writes one), this migration's id, and a `vault-path` that is
 * this source's path or lies under one of `options.scope` (with a `/` boundary:
 * `secret/apps2` is not under `secret/apps`). Only such copies are ever orphaned
 * or deleted. A copy written before migration ids existed (a mapping hash, no id,
 * in scope) is updated in place to carry the id when a source maps to it, never
 * deleted. Anything else that exists — foreign secrets, copies made by seed 003's
 * script, another migration's copies, and any of those soft-deleted — is refused unless
 * `existing` is `adopt` or `overwrite`. Our own soft-deleted copy is created again.
 */
import { buildEngineError, isEngineError, type EngineError } from "./errors";
import { fullSourcePath, normalizeMount } from "./mapping";
import type { Mapper } from "./mapping";
import { ExclusionTally, type ExclusionGroup } from "./exclusions";
import { truncateSourcePath } from "./markers";
import type { DestinationEntry, Markers, PlanAction, PlanItem, PlanReason, SourceSecret } from "./types";

/** What to do when a mapped name exists but is not ours. */
export type ExistingPolicy = "fail" | "adopt" | "overwrite";
/** What to do with our copies whose source is gone or no longer mapped. */
export type DeletionPolicy = "keep" | "delete";

/** Planner options. */
export interface PlanOptions {
  /** `fail` refuses; `adopt` takes ownership (the provider may skip the value write when equal); `overwrite` replaces. */
  readonly existing: ExistingPolicy;
  readonly deletionPolicy: DeletionPolicy;
  /** `mappingHash(settings)` of the current settings. */
  readonly mappingHash: string;
  /** Mounts or `mount/prefix`es this migration owns in the destination; must not be empty. */
  readonly scope: readonly string[];
  /** This migration's identity, as written in the `migration-id` marker; must not be empty. */
  readonly migrationId: string;
  /** Expected metadata hash of a source (e.g. `s => sourceMetadataHash(s, expiry)`); omit to ignore metadata. */
  readonly metadataHash?: (secret: SourceSecret) => string;
  /** Length at which markers truncate `vault-path`; default 512 (Key Vault tag value limit). */
  readonly sourcePathLimit?: number;
}

/** Looks a destination entry up by `mapper.key(name)`. */
export type DestinationLookup = (key: string) => DestinationEntry | undefined | PromiseLike<DestinationEntry | undefined>;

/**
 * A destination listing. A `Map<string, DestinationEntry>` fits. When `values` is
 * present the planner indexes it itself (so map keys need not be normalised) and
 * can find orphans; with `get` alone, keys must be `mapper.key(name)` and orphans
 * are not looked for.
 */
export interface DestinationIndex {
  get(key: string): DestinationEntry | undefined | PromiseLike<DestinationEntry | undefined>;
  values?(): Iterable<DestinationEntry> | AsyncIterable<DestinationEntry>;
}

/** Input of {@link planMigration}. */
export interface PlanInput {
  readonly source: Iterable<SourceSecret> | AsyncIterable<SourceSecret>;
  readonly destination: DestinationIndex | DestinationLookup;
  readonly mapper: Mapper;
  readonly options: PlanOptions;
  /**
   * Paths excluded before they reached the planner (a source's inventory filter); the planner adds
   * the ones it excludes itself. Counted in `counts.excluded` and returned as `exclusions`.
   */
  readonly exclusions?: ExclusionTally;
  /**
   * Looks closer at a destination entry without markers that a source maps to, before deciding
   * (e.g. a copy of ours whose latest version was set by hand: `handEdited` with the old markers).
   * Called lazily, only for such entries, because it may cost requests.
   */
  readonly inspectUnmarked?: (entry: DestinationEntry) => DestinationEntry | PromiseLike<DestinationEntry>;
}

/**
 * Counts. Source side: `sources = excluded + inSync + create + update + skip + refuse`.
 * Destination side: `delete + orphan` (copies with no current source).
 */
export interface PlanCounts {
  readonly sources: number;
  readonly excluded: number;
  readonly inSync: number;
  readonly create: number;
  readonly update: number;
  readonly delete: number;
  readonly skip: number;
  readonly orphan: number;
  readonly refuse: number;
}

/** The result of planning. Plain JSON. */
export interface Plan {
  /** Pending: create, update, delete and refuse items, sorted by source path then name. Empty when in sync. */
  readonly items: readonly PlanItem[];
  /** Sources deliberately left alone (deleted/destroyed versions, disabled copies). */
  readonly skipped: readonly PlanItem[];
  /** Our copies kept although their source is gone or no longer mapped (`deletionPolicy: keep`). */
  readonly orphaned: readonly PlanItem[];
  readonly counts: PlanCounts;
  /** Sources whose copy is already up to date. */
  readonly inSync: number;
  /** Those sources, by path and name (what cutover readiness counts as migrated besides the pending copies). */
  readonly inSyncCopies?: readonly InSyncCopy[];
  /** False when the destination could only be looked up, so orphans were not searched. */
  readonly orphansChecked: boolean;
  /** Excluded paths by the rule that excluded them, with counts (paths only, never read). */
  readonly exclusions: readonly ExclusionGroup[];
}

/** A source whose copy is up to date. */
export interface InSyncCopy {
  readonly sourcePath: string;
  readonly mount: string;
  readonly destinationName: string;
  readonly sourceVersion?: number;
}

/** Bad planner input (a programming error, not a user one). */
export interface PlanInputError extends EngineError {
  name: "PlanInputError";
  readonly code: "PLAN_INPUT";
}

/** Builds a {@link PlanInputError}. */
export function planInputError(message: string): PlanInputError {
  return buildEngineError<PlanInputError>("PlanInputError", "PLAN_INPUT", message, {});
}

/** True when `err` is a {@link PlanInputError}. */
export function isPlanInputError(err: unknown): err is PlanInputError {
  return isEngineError(err, "PLAN_INPUT") && err.name === "PlanInputError";
}

interface Claim {
  readonly path: string;
  readonly mount: string;
  readonly name: string;
}

function inScope(path: string, scope: readonly string[]): boolean {
  return scope.some((s) => path === s || path.startsWith(`${s}/`));
}

/**
 * Whether a destination copy was written by this migration: our mapping-hash marker, this
 * migration's id, and a source path inside its scope with a `/` boundary. The one rule for
 * orphan detection, `deletionPolicy: delete`, `onDestroy: delete` and re-verification.
 */
export function ownsCopy(markers: Markers | undefined, migrationId: string, scope: readonly string[]): markers is Markers {
  return markers !== undefined && markers.mappingHash !== undefined && migrationId !== "" && markers.migrationId === migrationId && inScope(markers.sourcePath, scope.map(normalizeMount));
}

function compareItems(a: PlanItem, b: PlanItem): number {
  if (a.sourcePath !== b.sourcePath) return a.sourcePath < b.sourcePath ? -1 : 1;
  if (a.destinationName !== b.destinationName) return a.destinationName < b.destinationName ? -1 : 1;
  return 0;
}

/**
 * Why an owned, enabled, not hand-edited copy is stale, or `undefined` when it is
 * in sync. Checks run from the most to the least specific reason.
 */
function staleReason(secret: SourceSecret, markers: Markers, storedPath: string, options: PlanOptions): PlanReason | undefined {
  if (markers.sourcePath !== storedPath) return "destination was written from another source path";
  if (secret.kvVersion === 2) {
    if (markers.sourceVersion === undefined) return "destination markers incomplete";
    if (markers.sourceVersion !== secret.currentVersion) return "source version changed";
  } else if (markers.fingerprint === undefined) {
    return "destination markers incomplete";
  }
  // A version-1 marker (no source path in it) of the same value is in sync: upgrading neither
  // rewrites every copy nor refuses one; the copy gets the current marker when next written.
  if (secret.fingerprint !== undefined && markers.fingerprint !== undefined && markers.fingerprint !== secret.fingerprint && markers.fingerprint !== secret.legacyFingerprint) {
    return "source value changed";
  }
  if (markers.mappingHash !== options.mappingHash) return "mapping changed";
  // Written before migration ids existed: stamp the id, so removal can later prove ownership.
  if (markers.migrationId !== options.migrationId) return "destination markers incomplete";
  if (options.metadataHash) {
    if (markers.metadataHash === undefined) return "destination markers incomplete";
    if (markers.metadataHash !== options.metadataHash(secret)) return "source metadata changed";
  }
  return undefined;
}

function checkSource(s: SourceSecret, path: string): void {
  if (s.kvVersion === 1 && !s.fingerprint) {
    throw planInputError(`KV v1 secret [${path}] has no fingerprint; inventory must fingerprint KV v1 values`);
  }
  if (s.kvVersion === 2 && (s.currentVersion === undefined || !Number.isInteger(s.currentVersion))) {
    throw planInputError(`KV v2 secret [${path}] has no current version`);
  }
}

/**
 * Plans a migration; see the module comment for ownership and memory. Rules per
 * mapped source: KV v2 current version deleted/destroyed → skip; no destination →
 * create; managed destination → refuse; our soft-deleted copy → create; ours → update when stale (source path,
 * version, fingerprint, mapping hash, metadata hash, hand edit), skip when
 * disabled, else in sync; not ours → refuse / adopt / overwrite per `existing`.
 * Two sources on one name (case-insensitively when the destination ignores case)
 * → both refused. Our copies claimed by no source → orphan or delete per
 * `deletionPolicy`.
 */
export async function planMigration(input: PlanInput): Promise<Plan> {
  const { mapper, options } = input;
  const scope = options.scope.map(normalizeMount).filter((s) => s.length > 0);
  if (scope.length === 0) throw planInputError("plan option [scope] must name at least one mount or mount/prefix");
  if (!options.migrationId) throw planInputError("plan option [migrationId] is required");
  const limit = options.sourcePathLimit ?? 512;
  // A source may claim our copy, or a copy written before ids existed (no id: stamped on update).
  const owned = (e: DestinationEntry, storedPath: string): e is DestinationEntry & { markers: Markers } =>
    e.markers !== undefined &&
    e.markers.mappingHash !== undefined &&
    (e.markers.migrationId === options.migrationId || e.markers.migrationId === undefined) &&
    (e.markers.sourcePath === storedPath || inScope(e.markers.sourcePath, scope));

  // Destination pass: index by normalised key and remember our copies for orphan search.
  const dest = input.destination;
  let lookup: DestinationLookup;
  const ours = new Map<string, { name: string; sourcePath: string }>();
  const ourPaths = new Set<string>();
  const listing = typeof dest === "function" ? undefined : dest.values?.();
  if (listing) {
    const index = new Map<string, DestinationEntry>();
    for await (const e of listing) {
      const key = mapper.key(e.name);
      index.set(key, e);
      // A soft-deleted copy of ours is already removed: never an orphan or a delete candidate.
      if (!e.deleted && ownsCopy(e.markers, options.migrationId, scope)) {
        ours.set(key, { name: e.name, sourcePath: e.markers.sourcePath });
        ourPaths.add(e.markers.sourcePath);
      }
    }
    lookup = (key) => index.get(key);
  } else {
    lookup = typeof dest === "function" ? dest : (key) => dest.get(key);
  }

  function decide(
    s: SourceSecret,
    storedPath: string,
    make: (action: PlanAction, reason: PlanReason, detail?: string) => PlanItem,
    entry: DestinationEntry | undefined,
  ): PlanItem | undefined {
    if (s.state === "deleted") return make("skip", "source version deleted");
    if (s.state === "destroyed") return make("skip", "source version destroyed");
    if (!entry) return make("create", "new in source");
    if (entry.managed) return make("refuse", "destination is managed by the destination service");
    // Our own removed copy comes back like a new one; a stranger's soft-deleted secret falls
    // through to `existing`: writing would recover it (or add a version on top of its history).
    if (entry.deleted && owned(entry, storedPath)) return make("create", "new in source");
    if (owned(entry, storedPath)) {
      if (!entry.enabled) return make("skip", "destination disabled");
      if (entry.interrupted) return make("update", "destination write interrupted");
      if (entry.handEdited) return make("update", "destination changed by hand");
      const reason = staleReason(s, entry.markers, storedPath, options);
      return reason ? make("update", reason) : undefined;
    }
    switch (options.existing) {
      case "adopt":
        return make("update", "adopting existing destination secret");
      case "overwrite":
        return make("update", "overwriting existing destination secret");
      default: {
        const from = entry.markers ? `it carries markers of [${entry.markers.sourcePath}] without this migration's mapping hash, id or scope` : undefined;
        const deleted = entry.deleted ? "it is soft-deleted (recoverable); purge it to free the name, or set existing: adopt or overwrite to recover and replace it" : undefined;
        const detail = [deleted, from].filter((x) => x !== undefined).join("; ");
        return make("refuse", "destination exists and was not created by this migration", detail || undefined);
      }
    }
  }

  const sourceItems: { key: string | undefined; item: PlanItem }[] = [];
  const inSyncSeen: { key: string; copy: InSyncCopy }[] = [];
  const claims = new Map<string, Claim[]>();
  const seenPaths = new Set<string>();
  let sources = 0;
  let excluded = 0;
  let excludedHere = 0;
  const exclusions = input.exclusions ?? new ExclusionTally();

  for await (const s of input.source) {
    sources++;
    const path = fullSourcePath(s);
    const mount = normalizeMount(s.mount);
    const storedPath = truncateSourcePath(path, limit);
    if (ourPaths.has(storedPath)) seenPaths.add(storedPath);
    const out = mapper.map(s);
    if (out.kind === "excluded") {
      excluded++;
      if (!exclusions.has(path)) excludedHere++;
      exclusions.record(path, out.by);
      continue;
    }
    if (out.kind === "invalid") {
      sourceItems.push({
        key: undefined,
        item: { sourcePath: path, mount, destinationName: "", action: "refuse", reason: "invalid destination name", detail: out.message },
      });
      continue;
    }
    checkSource(s, path);
    const key = mapper.key(out.name);
    const claim = claims.get(key);
    if (claim) claim.push({ path, mount, name: out.name });
    else claims.set(key, [{ path, mount, name: out.name }]);

    const make = (action: PlanAction, reason: PlanReason, detail?: string): PlanItem => ({
      sourcePath: path,
      mount,
      destinationName: out.name,
      action,
      reason,
      ...(s.kvVersion === 2 && s.currentVersion !== undefined ? { sourceVersion: s.currentVersion } : {}),
      ...(detail ? { detail } : {}),
      // What a write copies besides the value, known here from the inventory (see kvSettings.ts).
      ...(s.settings && (action === "create" || action === "update") ? { sourceSettings: s.settings } : {}),
    });
    let entry = await lookup(key);
    // A soft-deleted entry has no versions to inspect: unmarked, it is someone else's.
    if (entry && !entry.markers && !entry.managed && !entry.deleted && input.inspectUnmarked) entry = await input.inspectUnmarked(entry);
    const decided = decide(s, storedPath, make, entry);
    // A name the destination's rules shortened or changed beyond substitution says so where it is written.
    const item = decided && out.note && decided.action !== "skip" ? { ...decided, detail: decided.detail ? `${decided.detail}; ${out.note}` : out.note } : decided;
    if (item) sourceItems.push({ key, item });
    else inSyncSeen.push({ key, copy: { sourcePath: path, mount, destinationName: out.name, ...(s.kvVersion === 2 && s.currentVersion !== undefined ? { sourceVersion: s.currentVersion } : {}) } });
  }

  // Collisions: every source on a shared name is refused, whatever it would have done.
  const colliding = new Map<string, Claim[]>();
  for (const [key, list] of claims) if (list.length > 1) colliding.set(key, list);
  const kept = sourceItems.filter((x) => x.key === undefined || !colliding.has(x.key)).map((x) => x.item);
  for (const list of colliding.values()) {
    for (const c of list) {
      const others = list.filter((o) => o !== c).map((o) => `[${o.path}]`).join(", ");
      kept.push({
        sourcePath: c.path,
        mount: c.mount,
        destinationName: c.name,
        action: "refuse",
        reason: "destination name collision",
        detail: `also mapped here: ${others}`,
      });
    }
  }

  // Orphans: our copies that no current source claims.
  const destItems: PlanItem[] = [];
  for (const [key, copy] of ours) {
    if (claims.has(key)) continue;
    // A copy whose source was excluded before planning (the inventory filter) is unmapped, not deleted.
    const mapped = seenPaths.has(copy.sourcePath) || exclusions.has(copy.sourcePath);
    const del = options.deletionPolicy === "delete";
    const reason: PlanReason = mapped
      ? del ? "no longer mapped (deletionPolicy: delete)" : "no longer mapped (kept, orphaned)"
      : del ? "source deleted (deletionPolicy: delete)" : "source deleted (kept, orphaned)";
    destItems.push({ sourcePath: copy.sourcePath, destinationName: copy.name, action: del ? "delete" : "orphan", reason });
  }

  const all = [...kept, ...destItems].sort(compareItems);
  const count = (a: PlanAction): number => all.filter((i) => i.action === a).length;
  // Paths the inventory filter excluded never reached this loop: they count as sources and exclusions.
  const filtered = exclusions.count - excludedHere;
  const counts: PlanCounts = {
    sources: sources + filtered,
    excluded: exclusions.count,
    inSync: sources - excluded - kept.length,
    create: count("create"),
    update: count("update"),
    delete: count("delete"),
    skip: count("skip"),
    orphan: count("orphan"),
    refuse: count("refuse"),
  };
  return {
    items: all.filter((i) => i.action !== "skip" && i.action !== "orphan"),
    skipped: all.filter((i) => i.action === "skip"),
    orphaned: all.filter((i) => i.action === "orphan"),
    counts,
    inSync: counts.inSync,
    inSyncCopies: inSyncSeen.filter((x) => !colliding.has(x.key)).map((x) => x.copy),
    orphansChecked: listing !== undefined,
    exclusions: exclusions.groups(),
  };
}
