import * as assert from "node:assert/strict";
import * as fc from "fast-check";
import { clientError } from "../../../src/clients/http/errors";
import {
  DEFAULT_RETRY_POLICY,
  backoffMs,
  decide,
  parseRetryAfter,
  retryHintMs,
  retryPolicy,
  retrySession,
  withRetry,
  type AttemptOutcome,
} from "../../../src/clients/http/retry";
import { stepClock } from "./support";

const NOW = Date.parse("2026-05-01T00:00:00Z");
const clock = { now: () => NOW, random: () => 0.5 };
const policy = retryPolicy({ retries: 5, baseMs: 100, maxMs: 1_000, maxRetryAfterMs: 60_000, maxTotalMs: 120_000 });

function sysError(code: string, message = `connect ${code} 127.0.0.1:1`): Error {
  return Object.assign(new Error(message), { code });
}

describe("clients/http retry policy", () => {
  describe("decide", () => {
    it("waits Retry-After seconds on a 429", () => {
      assert.deepEqual(decide(0, { status: 429, headers: { "retry-after": "7" }, idempotent: true }, policy, clock), { retry: true, delayMs: 7_000, hinted: true });
    });

    it("waits until a Retry-After HTTP date on a 503 (a past date: at once)", () => {
      assert.deepEqual(decide(0, { status: 503, headers: { "Retry-After": "Fri, 01 May 2026 00:00:12 GMT" }, idempotent: true }, policy, clock), { retry: true, delayMs: 12_000, hinted: true });
      assert.deepEqual(decide(0, { status: 503, headers: { "retry-after": "Thu, 30 Apr 2026 00:00:00 GMT" }, idempotent: true }, policy, clock), { retry: true, delayMs: 0, hinted: true });
    });

    it("reads the hint through a get() header source too (fetch, the Azure SDK)", () => {
      const headers = { get: (n: string) => (n === "retry-after" ? "3" : undefined) };
      assert.deepEqual(decide(0, { status: 429, headers, idempotent: true }, policy, clock), { retry: true, delayMs: 3_000, hinted: true });
    });

    it("ignores Retry-After on other statuses: a 500 backs off", () => {
      assert.deepEqual(decide(0, { status: 500, headers: { "retry-after": "30" }, idempotent: true }, policy, clock), { retry: true, delayMs: 50, hinted: false });
    });

    it("backs off with full jitter, doubling and capped, when there is no hint", () => {
      const delays = [0, 1, 2, 3, 4].map((n) => decide(n, { status: 502, idempotent: true }, policy, { now: () => NOW, random: () => 0.999 }));
      assert.deepEqual(delays.map((d) => (d.retry ? d.delayMs : -1)), [99, 199, 399, 799, 999]);
    });

    it("never retries a request that is not idempotent", () => {
      assert.deepEqual(decide(0, { status: 503, headers: { "retry-after": "1" }, idempotent: false }, policy, clock), { retry: false, reason: "not_idempotent" });
      assert.deepEqual(decide(0, { error: sysError("ECONNRESET"), idempotent: false }, policy, clock), { retry: false, reason: "not_idempotent" });
    });

    it("does not retry answers a retry cannot change", () => {
      for (const status of [400, 401, 403, 404, 409, 412, 422]) assert.deepEqual(decide(0, { status, idempotent: true }, policy, clock), { retry: false, reason: "not_retryable" }, String(status));
    });

    it("stops when the retries are spent", () => {
      assert.deepEqual(decide(5, { status: 500, idempotent: true }, policy, clock), { retry: false, reason: "attempts_exhausted" });
      assert.equal(decide(0, { status: 500, idempotent: true, retries: 0 }, policy, clock).retry, false, "a per-failure override (ScaiVault: internal_error once)");
    });

    it("fails at once when the service asks for a wait above the cap", () => {
      assert.deepEqual(decide(0, { status: 429, headers: { "retry-after": "61" }, idempotent: true }, policy, clock), { retry: false, reason: "retry_after_too_long" });
    });

    it("bounds the total: a backoff is shortened to the time left, a hint past it stops", () => {
      assert.deepEqual(decide(0, { status: 500, idempotent: true }, policy, clock, 119_980), { retry: true, delayMs: 20, hinted: false });
      assert.deepEqual(decide(0, { status: 500, idempotent: true }, policy, clock, 120_000), { retry: false, reason: "deadline" });
      assert.deepEqual(decide(0, { status: 429, headers: { "retry-after": "5" }, idempotent: true }, policy, clock, 118_000), { retry: false, reason: "deadline" });
    });

    it("retries dropped connections and timeouts, never TLS or DNS failures", () => {
      assert.equal(decide(0, { error: sysError("ECONNRESET"), idempotent: true }, policy, clock).retry, true);
      assert.equal(decide(0, { error: sysError("UND_ERR_HEADERS_TIMEOUT", "Headers Timeout Error"), idempotent: true }, policy, clock).retry, true);
      assert.equal(decide(0, { error: sysError("DEPTH_ZERO_SELF_SIGNED_CERT", "self-signed certificate"), idempotent: true }, policy, clock).retry, false);
      assert.equal(decide(0, { error: sysError("ENOTFOUND", "getaddrinfo ENOTFOUND vault.invalid"), idempotent: true }, policy, clock).retry, false);
    });

    it("retries a refused connection only `refusedRetries` times", () => {
      const refused: AttemptOutcome = { error: sysError("ECONNREFUSED"), idempotent: true };
      assert.deepEqual([0, 1, 2, 3].map((n) => decide(n, refused, policy, clock).retry), [true, true, false, false]);
    });

    it("treats a client's own transport error by its code", () => {
      const refused = clientError({ code: "connection_refused", service: "vault", method: "GET", path: "x", retryable: true }, "refused");
      const tls = clientError({ code: "tls_failed", service: "vault", method: "GET", path: "x", retryable: false }, "tls");
      assert.equal(decide(1, { error: refused, idempotent: true }, policy, clock).retry, true);
      assert.equal(decide(2, { error: refused, idempotent: true }, policy, clock).retry, false);
      assert.equal(decide(0, { error: tls, idempotent: true }, policy, clock).retry, false);
    });

    it("never retries an error without a status or a system code (a programming error)", () => {
      assert.deepEqual(decide(0, { error: new TypeError("x is undefined"), idempotent: true }, policy, clock), { retry: false, reason: "not_retryable" });
    });

    it("lets a client override the classification and name a wait", () => {
      // Infisical names its wait in the message ("try again in N seconds"); ScaiVault by its own error code.
      assert.deepEqual(decide(0, { status: 429, hintMs: 4_000, idempotent: true }, policy, clock), { retry: true, delayMs: 4_000, hinted: true });
      assert.equal(decide(0, { status: 400, retryable: true, idempotent: true }, policy, clock).retry, true);
      assert.equal(decide(0, { status: 503, retryable: false, idempotent: true }, policy, clock).retry, false);
    });
  });

  describe("retryHintMs", () => {
    it("reads Azure's millisecond headers before Retry-After", () => {
      assert.equal(retryHintMs(429, { "retry-after-ms": "1500", "retry-after": "9" }, NOW), 1_500);
      assert.equal(retryHintMs(503, { "x-ms-retry-after-ms": "250" }, NOW), 250);
    });

    it("falls back to X-RateLimit-Reset on a 429 (ScaiVault: Unix seconds; small values are deltas)", () => {
      assert.equal(retryHintMs(429, { "x-ratelimit-reset": String(NOW / 1000 + 42) }, NOW), 42_000);
      assert.equal(retryHintMs(429, { "X-RateLimit-Reset": "8" }, NOW), 8_000);
      assert.equal(retryHintMs(503, { "x-ratelimit-reset": "8" }, NOW), undefined, "a reset time says when the quota refills, not when a 503 ends");
    });

    it("has no hint for other statuses or unparseable values", () => {
      assert.equal(retryHintMs(500, { "retry-after": "5" }, NOW), undefined);
      assert.equal(retryHintMs(429, { "retry-after": "soon" }, NOW), undefined);
      assert.equal(retryHintMs(429, undefined, NOW), undefined);
    });

    it("parses Retry-After seconds and dates", () => {
      assert.equal(parseRetryAfter("5", NOW), 5000);
      assert.equal(parseRetryAfter("Fri, 01 May 2026 00:00:10 GMT", NOW), 10_000);
      assert.equal(parseRetryAfter("Thu, 30 Apr 2026 00:00:00 GMT", NOW), 0);
      assert.equal(parseRetryAfter("soon", NOW), undefined);
      assert.equal(parseRetryAfter("-1", NOW), undefined);
      assert.equal(parseRetryAfter(undefined, NOW), undefined);
    });
  });

  it("keeps backoff within [minDelayMs, min(max, base·2^n)] (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 60_000 }),
        fc.integer({ min: 0, max: 500 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (n, baseMs, maxMs, minDelayMs, r) => {
          const d = backoffMs(n, { baseMs, maxMs, minDelayMs }, () => r);
          assert.ok(d >= minDelayMs && d <= Math.max(minDelayMs, Math.min(maxMs, baseMs * 2 ** n)));
        },
      ),
    );
  });

  describe("withRetry", () => {
    const transient = (e: unknown): AttemptOutcome => ({ status: (e as { status?: number }).status ?? 500, idempotent: true });

    it("retries until success, sleeping each decided delay", async () => {
      const c = stepClock(NOW, 0.5);
      let calls = 0;
      const result = await withRetry(
        async (attempt) => {
          calls++;
          if (attempt < 3) throw new Error("transient");
          return "ok";
        },
        { policy, clock: c, classify: transient },
      );
      assert.equal(result, "ok");
      assert.equal(calls, 4);
      assert.deepEqual(c.sleeps, [50, 100, 200]);
    });

    it("throws a non-retryable error at once, and the last error when retries run out", async () => {
      const c = stepClock();
      const fatal = Object.assign(new Error("fatal"), { status: 400 });
      let calls = 0;
      await assert.rejects(withRetry(async () => { calls++; throw fatal; }, { policy, clock: c, classify: transient }), (e) => e === fatal);
      assert.equal(calls, 1);
      calls = 0;
      await assert.rejects(withRetry(async () => { calls++; throw new Error(`try ${calls}`); }, { policy: retryPolicy({ retries: 2 }, policy), clock: c, classify: transient }), /try 3/);
      assert.equal(calls, 3);
    });

    it("stops at the total bound even with retries left", async () => {
      const c = stepClock(NOW, 0.999);
      let calls = 0;
      const bounded = retryPolicy({ retries: 100, baseMs: 1_000, maxMs: 1_000, maxTotalMs: 3_500 });
      await assert.rejects(withRetry(async () => { calls++; throw new Error("down"); }, { policy: bounded, clock: c, classify: transient }), /down/);
      assert.deepEqual(c.sleeps, [999, 999, 999, 503], "the last backoff is cut to the time left");
      assert.equal(calls, 5);
    });

    it("reports each retry before its wait", async () => {
      const seen: number[] = [];
      await assert.rejects(withRetry(async () => { throw new Error("x"); }, { policy: retryPolicy({ retries: 2 }, policy), clock: stepClock(), classify: transient, onRetry: (i) => seen.push(i.attempt) }));
      assert.deepEqual(seen, [0, 1]);
    });
  });

  it("a session counts retries and time for loops that cannot be wrapped", () => {
    const c = stepClock(NOW, 0);
    const s = retrySession(retryPolicy({ retries: 1, minDelayMs: 10 }, DEFAULT_RETRY_POLICY), c);
    assert.deepEqual(s.next({ status: 503, idempotent: true }), { retry: true, delayMs: 10, hinted: false });
    c.advance(10);
    assert.equal(s.attempt, 1);
    assert.equal(s.elapsedMs(), 10);
    assert.deepEqual(s.next({ status: 503, idempotent: true }), { retry: false, reason: "attempts_exhausted" });
  });
});
