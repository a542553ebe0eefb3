// Stack-wide checks across resources at preview: what the resources of one program run declared.
import * as pulumi from "@pulumi/pulumi";

// By the run's Stack resource: an inline program (automation API, tests) runs many times in one
// process, and each run must see only its own declarations. The last few runs are kept (inline
// programs may overlap), not every run's. (An array: see lint.mjs on module-level Maps.)
const runs: { run: object; byKind: Record<string, unknown[]> }[] = [];
const KEPT_RUNS = 8;
const noStack = {};

/**
 * The list of `kind` declarations of this program run, to read the others' and add one's own. Call
 * it in a constructor (synchronously): the run is found from the engine's per-run store.
 */
export function runDeclarations<T>(kind: string): T[] {
  const run = pulumi.runtime.getStackResource() ?? noStack;
  let entry = runs.find((r) => r.run === run);
  if (!entry) {
    entry = { run, byKind: {} };
    runs.push(entry);
    if (runs.length > KEPT_RUNS) runs.shift();
  }
  return (entry.byKind[kind] ??= []) as T[];
}
