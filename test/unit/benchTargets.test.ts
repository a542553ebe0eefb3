// The Vault → OpenBao targets of `npm run bench` (scripts/lib/benchTargets.ts): pure, no servers.
import * as assert from "node:assert/strict";
import { planInState, scaleTargets, vaultTargets, type Results } from "../../scripts/lib/benchTargets";

const run = (over: Results = {}): Results => ({
  vaultFullRate: 180,
  vaultRssLargeMb: 300,
  vaultUpProviderRssMb: 400,
  vaultUpProgramRssMb: 350,
  vaultUpEngineRssMb: 250,
  vaultStatePendingBytesPerSecret: 250,
  vaultStatePlanBytesPerSecret: 180,
  vaultStateAfterBytes: 34_000,
  vaultStateAfterPlanEntries: 0,
  vaultPreviewOneLine: 1,
  vaultPreviewLines: 1,
  vaultPreviewS: 12.5,
  ...over,
});
const byName = (targets: [string, boolean, string][], part: string): [string, boolean, string] => {
  const t = targets.find(([name]) => name.includes(part));
  assert.ok(t, `no target naming ${part}`);
  return t;
};

describe("bench targets: Vault → OpenBao (issue #22 targets 2, 4, 5)", () => {
  it("target 5 without a baseline: the rate and RSS comparisons are missed for want of one; the rest is measured", () => {
    const t = scaleTargets(run(), 100_000);
    for (const part of ["full copy rate", "runner peak RSS", "provider process peak RSS", "program process (planning) peak RSS", "engine peak RSS"]) assert.deepEqual(byName(t, part).slice(1), [false, "missed: no baseline"]);
    assert.equal(byName(t, "300 bytes per secret")[1], true);
    assert.match(byName(t, "fixed size")[2], /no baseline to compare/);
    assert.equal(byName(t, "fixed size")[1], true);
    assert.equal(byName(t, "prints that one line")[1], true);
  });

  it("target 5 against a 10,000 baseline: ratios of this run's figures to the baseline's, met or missed at 0.9 (rate) and 1.5 (RSS)", () => {
    const baseline = { secrets: 10_000, small: 1_000, results: run({ vaultFullRate: 200, vaultRssLargeMb: 190, vaultUpProviderRssMb: 300, vaultUpProgramRssMb: 200, vaultUpEngineRssMb: 100 }) };
    const t = scaleTargets(run(), 100_000, baseline);
    assert.deepEqual(byName(t, "full copy rate").slice(1), [true, "0.90 (180 vs 200)"]);
    assert.match(byName(t, "full copy rate")[0], /at 100000 ≥ 0\.9 × at 10000/);
    assert.deepEqual(byName(t, "runner peak RSS").slice(1), [false, "1.58 (300 vs 190)"]);
    assert.deepEqual(byName(t, "provider process peak RSS").slice(1), [true, "1.33 (400 vs 300)"]);
    assert.deepEqual(byName(t, "program process (planning) peak RSS").slice(1), [false, "1.75 (350 vs 200)"]);
    assert.deepEqual(byName(t, "engine peak RSS").slice(1), [false, "2.50 (250 vs 100)"]);
    assert.equal(scaleTargets(run({ vaultFullRate: 179 }), 100_000, baseline).find(([n]) => n.includes("full copy rate"))?.[1], false);
  });

  it("target 5's comparisons: a figure of 0 is one not measured, in this run or the baseline, and never met", () => {
    const baseline = { secrets: 10_000, small: 1_000, results: run({ vaultUpProgramRssMb: 0 }) };
    assert.deepEqual(byName(scaleTargets(run({ vaultUpProgramRssMb: 0 }), 100_000, baseline), "program process").slice(1), [false, "missed: not measured in this run"]);
    assert.deepEqual(byName(scaleTargets(run(), 100_000, baseline), "program process").slice(1), [false, "missed: no baseline"]);
  });

  it("target 5's state: missed over 300 bytes a secret, with plan entries left, or past 1.1 × the baseline's fixed size", () => {
    const baseline = { secrets: 10_000, small: 1_000, results: run() };
    assert.equal(byName(scaleTargets(run({ vaultStatePendingBytesPerSecret: 301 }), 100_000), "300 bytes")[1], false);
    assert.equal(byName(scaleTargets(run({ vaultStateAfterPlanEntries: 1 }), 100_000, baseline), "fixed size")[1], false);
    assert.equal(byName(scaleTargets(run({ vaultStateAfterBytes: 37_500 }), 100_000, baseline), "fixed size")[1], false);
    assert.deepEqual(byName(scaleTargets(run({ vaultStateAfterBytes: 37_000 }), 100_000, baseline), "fixed size").slice(0, 2), ["5. scale: state back to its fixed size after the no-change run", true]);
  });

  it("target 5's preview: missed unless the one changed secret's line is the only one", () => {
    assert.equal(byName(scaleTargets(run({ vaultPreviewOneLine: 0, vaultPreviewLines: 2 }), 100_000), "one line")[1], false);
    assert.match(byName(scaleTargets(run({ vaultPreviewOneLine: 0, vaultPreviewLines: 2 }), 100_000), "one line")[2], /^2 pending line\(s\), 12\.50 s$/);
  });

  it("targets 2 and 4: rates against the raw copy floor, the no-change run against the engine no-op + 1.25 × both listings", () => {
    const t = vaultTargets({ vaultFullRate: 60, vaultCopyRate: 85, vaultFloorRate: 100, engineNoop: 3, floorListing: 4, vaultFloorDestListing: 4, vaultNoChange: 13, vaultRssLargeMb: 150, vaultRssSmallMb: 100 }, 10_000, 1_000);
    assert.deepEqual(t.map(([, met, value]) => [met, value]), [
      [true, "0.60"],
      [true, "0.85"],
      [true, "13.00 s vs 13.00 s (1.00)"],
      [true, "1.50"],
    ]);
  });

  it("the plan left in a state: every pending, __pending and __sourceSettings map, in the migration resource's inputs and the component's outputs", () => {
    const plan = { "secret/a → a": "create v1: new in source", "secret/b → b": "create v1: new in source" };
    const settings = { "secret/a → a": "max_versions=3" };
    assert.deepEqual(planInState([{ inputs: { __pending: plan, pending: {}, __sourceSettings: settings } }, { outputs: { pending: plan } }, { inputs: { policy: "x" } }]), { entries: 5, bytes: 2 * JSON.stringify(plan).length + 2 + JSON.stringify(settings).length });
    assert.deepEqual(planInState([{ inputs: { __pending: {}, pending: {} } }, { outputs: { pending: {} } }]), { entries: 0, bytes: 6 });
  });
});
