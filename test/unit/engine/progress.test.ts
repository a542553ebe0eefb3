import * as assert from "node:assert/strict";
import { Progress, formatDuration, formatProgress } from "../../../src/engine";

describe("engine/progress", () => {
  it("reports done/total, rate and ETA from the injected clock", () => {
    let t = 0;
    const p = new Progress({ total: 100, now: () => t });
    assert.equal(p.snapshot().etaSeconds, undefined);
    for (let i = 0; i < 10; i++) {
      t += 1000;
      p.advance(2);
    }
    const s = p.snapshot();
    assert.equal(s.done, 20);
    assert.equal(s.percent, 20);
    assert.equal(s.ratePerSecond, 2);
    assert.equal(s.etaSeconds, 40);
    assert.equal(p.format("migrating"), "migrating 20/100 (20%) 2.0/s ETA 40s");
  });

  it("follows the recent rate rather than the whole-run average", () => {
    let t = 0;
    const p = new Progress({ total: 1000, now: () => t, windowMs: 10_000 });
    for (let i = 0; i < 60; i++) {
      t += 1000;
      p.advance(10);
    }
    for (let i = 0; i < 20; i++) {
      t += 1000;
      p.advance(1); // throttled
    }
    const s = p.snapshot();
    assert.ok(s.ratePerSecond > 0.9 && s.ratePerSecond < 1.5, `rate ${s.ratePerSecond}`);
  });

  it("counts failures, grows the total when needed and finishes at 100%", () => {
    let t = 0;
    const p = new Progress({ total: 1, now: () => t });
    t = 500;
    p.advance(1, { failed: true });
    p.advance(1);
    const s = p.snapshot();
    assert.deepEqual([s.done, s.total, s.failed, s.percent, s.etaSeconds], [2, 2, 1, 100, 0]);
    assert.match(p.format(), /, 1 failed$/);
    p.setTotal(4);
    assert.equal(p.snapshot().total, 4);
    assert.equal(new Progress({ total: 0, now: () => 0 }).snapshot().percent, 100);
  });

  it("formats durations", () => {
    assert.equal(formatDuration(42), "42s");
    assert.equal(formatDuration(185), "3m05s");
    assert.equal(formatDuration(3720), "1h02m");
    assert.equal(formatProgress({ done: 0, failed: 0, total: 5, elapsedMs: 0, ratePerSecond: 0, etaSeconds: undefined, percent: 0 }), "0/5 (0%) 0.0/s ETA ?");
  });
});
