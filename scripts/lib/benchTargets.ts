// Issue #22's targets for the Vault → OpenBao case of `npm run bench`, from the figures a run
// measured (and, for target 5, an earlier run's results file): pure, so test/unit/benchTargets.test.ts
// checks them without servers.
import type { Target } from "./benchRun";

export type Results = Record<string, number>;

/** What a results file (`.bench/results*.json`) holds that another run compares with. */
export interface BenchFile { secrets: number; small: number; results: Results }

const ratio = (x: number): string => x.toFixed(2);

/** Target 4's bound: the engine's no-op plus 1.25 × the raw listings of both sides. */
export const noChangeBound = (r: Results, floorListings: number): number => r.engineNoop + 1.25 * floorListings;

/**
 * The plan an exported state still carries: the entries and JSON bytes of every `pending`,
 * `__pending` and `__sourceSettings` map in any resource's inputs or outputs (the migration
 * resource's `__pending` input and the settings beside it, the component's `pending` output). An `up` stores the plan it applied; the next one with nothing
 * to do stores an empty one, which is how the state gets back to its fixed size.
 */
export function planInState(resources: { inputs?: Record<string, unknown>; outputs?: Record<string, unknown> }[]): { entries: number; bytes: number } {
  let entries = 0;
  let bytes = 0;
  for (const r of resources) {
    for (const props of [r.inputs, r.outputs]) {
      for (const key of ["pending", "__pending", "__sourceSettings"]) {
        const map = props?.[key];
        if (!map || typeof map !== "object") continue;
        entries += Object.keys(map).length;
        bytes += JSON.stringify(map).length;
      }
    }
  }
  return { entries, bytes };
}

/** Targets 2 and 4 (the Vault half) and the runner's RSS, of one run at `n` (and `small`). */
export function vaultTargets(r: Results, n: number, small: number): Target[] {
  const bound = noChangeBound(r, r.floorListing + r.vaultFloorDestListing);
  return [
    ["2. Vault → OpenBao full copy ≥ 0.6 × raw copy floor", r.vaultFullRate >= 0.6 * r.vaultFloorRate, ratio(r.vaultFullRate / r.vaultFloorRate)],
    ["2. Vault → OpenBao copy phase ≥ 0.85 × raw copy floor", r.vaultCopyRate >= 0.85 * r.vaultFloorRate, ratio(r.vaultCopyRate / r.vaultFloorRate)],
    ["4. Vault → OpenBao no-change re-run ≤ engine no-op + 1.25 × raw listing of both sides", r.vaultNoChange <= bound, `${r.vaultNoChange.toFixed(2)} s vs ${bound.toFixed(2)} s (${ratio(r.vaultNoChange / bound)})`],
    [`Vault → OpenBao: RSS at ${n} ≤ 1.5 × RSS at ${small}`, r.vaultRssLargeMb <= 1.5 * r.vaultRssSmallMb, ratio(r.vaultRssLargeMb / r.vaultRssSmallMb)],
  ];
}

/**
 * Target 5 (scale) of a run at `n`: its full copy rate and the peak RSS of the runner and of the
 * `up`'s provider process against an earlier run's (the 10,000 one: `--baseline`; "missed: no
 * baseline" without it), and what needs
 * no other run: the state per secret while the plan is in it, the state back to its fixed size
 * after (no plan left, and the baseline's size when there is one), and the preview of one change.
 */
export function scaleTargets(r: Results, n: number, baseline?: BenchFile): Target[] {
  const b = baseline?.results;
  // A figure of 0 (or none) was not measured: never met, whatever the other run's.
  const measured = (x: number | undefined): x is number => x !== undefined && Number.isFinite(x) && x > 0;
  const vs = (what: string, atMost: boolean, bound: number, mine: number | undefined, theirs: number | undefined): Target =>
    !measured(mine)
      ? [`5. scale: ${what} at ${n} vs the baseline run`, false, "missed: not measured in this run"]
      : !measured(theirs)
      ? [`5. scale: ${what} at ${n} vs the baseline run`, false, "missed: no baseline"]
      : [`5. scale: ${what} at ${n} ${atMost ? "≤" : "≥"} ${bound} × at ${baseline?.secrets}`, atMost ? mine <= bound * theirs : mine >= bound * theirs, `${ratio(mine / theirs)} (${mine.toFixed(0)} vs ${theirs.toFixed(0)})`];
  const afterKb = r.vaultStateAfterBytes / 1024;
  const sameSize = b?.vaultStateAfterBytes === undefined || r.vaultStateAfterBytes <= 1.1 * b.vaultStateAfterBytes;
  const sizeVs = b?.vaultStateAfterBytes === undefined ? "no baseline to compare its size with" : `${(b.vaultStateAfterBytes / 1024).toFixed(1)} KB at ${baseline?.secrets} (${ratio(r.vaultStateAfterBytes / b.vaultStateAfterBytes)})`;
  return [
    vs("full copy rate (/s)", false, 0.9, r.vaultFullRate, b?.vaultFullRate),
    vs("runner peak RSS (MB)", true, 1.5, r.vaultRssLargeMb, b?.vaultRssLargeMb),
    vs("provider process peak RSS during pulumi up (MB)", true, 1.5, r.vaultUpProviderRssMb, b?.vaultUpProviderRssMb),
    vs("program process (planning) peak RSS during pulumi up (MB)", true, 1.5, r.vaultUpProgramRssMb, b?.vaultUpProgramRssMb),
    vs("engine peak RSS during pulumi up (MB)", true, 1.5, r.vaultUpEngineRssMb, b?.vaultUpEngineRssMb),
    [`5. scale: state ≤ 300 bytes per secret while pending (after the first up, at ${n})`, r.vaultStatePendingBytesPerSecret <= 300, `${r.vaultStatePendingBytesPerSecret.toFixed(0)} bytes/secret, ${(r.vaultStatePendingBytesPerSecret - r.vaultStateAfterBytes / n).toFixed(0)} past the fixed size (the plan, unindented: ${r.vaultStatePlanBytesPerSecret.toFixed(0)})`],
    [`5. scale: state back to its fixed size after the no-change run`, r.vaultStateAfterPlanEntries === 0 && sameSize, `${afterKb.toFixed(1)} KB, ${r.vaultStateAfterPlanEntries} plan entries left; ${sizeVs}`],
    [`5. scale: pulumi preview --diff of one changed secret among ${n} prints that one line`, r.vaultPreviewOneLine === 1, `${r.vaultPreviewLines} pending line(s)${r.vaultPreviewOneLine === 1 ? ", the changed secret's" : ""}, ${r.vaultPreviewS.toFixed(2)} s`],
  ];
}
