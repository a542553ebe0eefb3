// What a mapping's include/exclude globs left out, counted by the rule that did it, so the plan
// and the report say how many paths each pattern excluded (paths are not secret; values are never
// read for an excluded path).
import { fullSourcePath, type Mapper, type MapOutcome } from "./mapping";

/** Paths one rule excluded: the rule as the user wrote it, how many, and the first few paths. */
export interface ExclusionGroup {
  /** `exclude[0] "apps/*\/tmp/**"`, or `include (no pattern matched)`. */
  readonly by: string;
  readonly count: number;
  /** Up to {@link EXCLUSION_EXAMPLES} full source paths, in listing order. */
  readonly examples: readonly string[];
}

/** How many example paths a group keeps. */
export const EXCLUSION_EXAMPLES = 3;

/**
 * A tally of excluded paths. Fed by the source's inventory filter and by the planner alike (a path
 * counts once), and asked by the planner whether a path of one of our copies was excluded (its
 * copy is then "no longer mapped", not "source deleted"). Holds every excluded path: as much as the
 * inventory holds for a mapped one.
 */
export class ExclusionTally {
  private readonly groupsByRule = new Map<string, { count: number; examples: string[] }>();
  private readonly paths = new Set<string>();

  /** Records `fullPath` (`mount/path`) as excluded by `by`; a path already recorded is not counted again. */
  record(fullPath: string, by: string): void {
    if (this.paths.has(fullPath)) return;
    this.paths.add(fullPath);
    let g = this.groupsByRule.get(by);
    if (!g) this.groupsByRule.set(by, (g = { count: 0, examples: [] }));
    g.count++;
    if (g.examples.length < EXCLUSION_EXAMPLES) g.examples.push(fullPath);
  }

  has(fullPath: string): boolean {
    return this.paths.has(fullPath);
  }

  get count(): number {
    return this.paths.size;
  }

  /** Groups in the order their rule first excluded a path. */
  groups(): ExclusionGroup[] {
    return [...this.groupsByRule].map(([by, g]) => ({ by, count: g.count, examples: [...g.examples] }));
  }
}

/** A mapper that records what it excludes in `tally` (for a source's inventory filter). */
export function tallyingMapper(mapper: Mapper, tally: ExclusionTally): Mapper {
  return {
    naming: mapper.naming,
    key: (name) => mapper.key(name),
    map(ref): MapOutcome {
      const out = mapper.map(ref);
      if (out.kind === "excluded") tally.record(fullSourcePath(ref), out.by);
      return out;
    },
  };
}

/** One line per group: `excluded by exclude[0] "tmp/**": 3 (kv/tmp/a, kv/tmp/b, …)`. */
export function exclusionLines(groups: readonly ExclusionGroup[]): string[] {
  return groups.map((g) => `excluded by ${g.by}: ${g.count} (${g.examples.join(", ")}${g.count > g.examples.length ? ", …" : ""})`);
}
