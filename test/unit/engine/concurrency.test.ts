import * as assert from "node:assert/strict";
import * as fc from "fast-check";
import { mapConcurrent } from "../../../src/engine";
import type { Settled } from "../../../src/engine";

async function collect<T, R>(gen: AsyncGenerator<Settled<T, R>>): Promise<Settled<T, R>[]> {
  const out: Settled<T, R>[] = [];
  for await (const r of gen) out.push(r);
  return out;
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("engine/concurrency", () => {
  describe("mapConcurrent", () => {
    it("never runs more than `limit` tasks at once, and uses them all", async () => {
      let active = 0;
      let peak = 0;
      const results = await collect(
        mapConcurrent(Array.from({ length: 20 }, (_, i) => i), 3, async (n) => {
          active++;
          peak = Math.max(peak, active);
          for (let i = 0; i < (n % 4) + 1; i++) await tick();
          active--;
          return n * 2;
        }),
      );
      assert.equal(peak, 3);
      assert.deepEqual(results.map((r) => (r.ok ? r.value : -1)).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i * 2));
    });

    it("pulls lazily from the source", async () => {
      let pulled = 0;
      function* source(): Generator<number> {
        for (let i = 0; i < 1000; i++) {
          pulled++;
          yield i;
        }
      }
      let consumed = 0;
      for await (const r of mapConcurrent(source(), 4, async (n) => n)) {
        assert.ok(r.ok);
        if (++consumed === 5) break;
      }
      assert.ok(pulled <= consumed + 4, `pulled ${pulled} for ${consumed} consumed`);
    });

    it("reports per-item failures without stopping the others", async () => {
      const results = await collect(
        mapConcurrent([1, 2, 3, 4, 5, 6], 2, async (n) => {
          if (n === 3) throw new Error("boom 3");
          if (n === 4) return Promise.reject(new Error("boom 4"));
          return n;
        }),
      );
      assert.equal(results.length, 6);
      assert.deepEqual(results.filter((r) => !r.ok).map((r) => [r.item, (r as { error: Error }).error.message]).sort(), [[3, "boom 3"], [4, "boom 4"]]);
    });

    it("captures synchronous throws as failures", async () => {
      const results = await collect(
        mapConcurrent([1], 1, (): Promise<number> => {
          throw new Error("sync");
        }),
      );
      assert.equal(results[0]?.ok, false);
    });

    it("drains in-flight tasks, then rethrows a source failure", async () => {
      async function* source(): AsyncGenerator<number> {
        yield 1;
        yield 2;
        throw new Error("listing failed");
      }
      const seen: number[] = [];
      await assert.rejects(
        (async () => {
          for await (const r of mapConcurrent(source(), 5, async (n) => {
            await tick();
            return n;
          })) {
            if (r.ok) seen.push(r.value);
          }
        })(),
        /listing failed/,
      );
      assert.deepEqual(seen.sort(), [1, 2]);
    });

    it("aborts and awaits in-flight tasks when the consumer stops", async () => {
      const finished: number[] = [];
      let aborted = 0;
      for await (const r of mapConcurrent([0, 1, 2, 3], 3, async (n, { signal }) => {
        if (n > 0) {
          while (!signal.aborted) await tick();
          aborted++;
        }
        finished.push(n);
        return n;
      })) {
        assert.equal(r.item, 0);
        break;
      }
      assert.equal(aborted, 2);
      assert.deepEqual(finished.sort(), [0, 1, 2], "in-flight tasks settled before the loop returned; item 3 never started");
    });

    it("rejects a bad limit", async () => {
      await assert.rejects(collect(mapConcurrent([1], 0, async (n) => n)), RangeError);
    });

    it("yields exactly one outcome per item (property)", async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 30 }), fc.integer({ min: 1, max: 6 }), async (delays, limit) => {
          const results = await collect(
            mapConcurrent(delays, limit, async (d, { index }) => {
              for (let i = 0; i < d; i++) await tick();
              if (d === 3) throw new Error(`fail ${index}`);
              return index;
            }),
          );
          assert.deepEqual(results.map((r) => r.index).sort((a, b) => a - b), delays.map((_, i) => i));
          for (const r of results) assert.equal(r.ok, r.item !== 3);
        }),
        { numRuns: 50 },
      );
    });
  });
});
