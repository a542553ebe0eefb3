// The shared pacer (src/clients/http/pacer.ts) on a virtual clock: time moves on to the earliest
// sleeper's wake once nothing else can run, so the times below are exact and the test waits for nothing.
import * as assert from "node:assert/strict";
import { Pacer, type PacerClock } from "../../../src/clients/http/pacer";

function virtualClock(): PacerClock {
  const timers: { at: number; wake: () => void }[] = [];
  let t = 0;
  let ticking = false;
  // The earliest sleeper wakes only once every task has run as far as it can (setImmediate comes
  // after the microtasks), so concurrent requests see time pass as they would.
  const tick = (): void => {
    const next = timers.shift();
    ticking = timers.length > 0;
    if (!next) return;
    t = Math.max(t, next.at);
    next.wake();
    if (ticking) setImmediate(tick);
  };
  return {
    now: () => t,
    sleep: (ms) =>
      new Promise<void>((wake) => {
        timers.push({ at: t + Math.max(0, ms), wake });
        timers.sort((a, b) => a.at - b.at);
        if (!ticking) {
          ticking = true;
          setImmediate(tick);
        }
      }),
  };
}

describe("Pacer (virtual clock)", () => {
  it("lets the first window's budget through at once, then never more than the limit in any window", async () => {
    const clock = virtualClock();
    const pacer = new Pacer(10, 1000, clock);
    const at: number[] = [];
    await Promise.all(Array.from({ length: 40 }, () => pacer.run(async () => void at.push(clock.now()))));
    assert.deepEqual(at.slice(0, 10), Array(10).fill(0));
    for (const t of at) assert.ok(at.filter((u) => u > t - 1000 && u <= t).length <= 10, `more than 10 admitted in the window ending at ${t}`);
    // Answered at once, so the slots come back one window later: the limit's full rate.
    assert.equal(at[39], 3000);
  });

  it("holds a slot until the response plus one window: a slow answer delays the request that reuses its slot", async () => {
    const clock = virtualClock();
    const pacer = new Pacer(1, 1000, clock);
    const at: number[] = [];
    // Answered 300 ms after it was sent: it may have reached the service that late.
    const slow = pacer.run(async () => {
      at.push(clock.now());
      await clock.sleep(300);
    });
    await Promise.all([slow, pacer.run(async () => void at.push(clock.now()))]);
    // Counted from the answer (300 + 1000), not from the send (0 + 1000).
    assert.deepEqual(at, [0, 1300]);
  });
});
