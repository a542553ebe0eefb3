import type { OperationName } from "./routes";

/**
 * Service limits (fact sheet §4) and fault injection for reliability tests.
 */

export interface ThrottleOptions {
  /** Secret writes (`PUT /secrets/{n}`) allowed per window. Default 300. */
  writeLimit?: number;
  /** All other transactions allowed per window. Default 4,000. */
  otherLimit?: number;
  /** Window length. Default 10,000 ms. */
  windowMs?: number;
}

/**
 * A sliding-window log per class: a request is admitted if fewer than `limit` requests were admitted
 * in the last `windowMs`. Sliding, not fixed, so a burst across a window boundary cannot get 2×
 * the limit through, which a fixed window would let a client "pass" with. Rejected requests are not
 * logged, so a client that waits Retry-After gets in.
 */
class SlidingWindow {
  private stamps: number[] = [];
  private head = 0;

  constructor(private readonly limit: number, private readonly windowMs: number) {}

  /** Admits and logs the request, or returns the whole seconds until a slot frees (at least 1). */
  admit(now: number): number | undefined {
    while (this.head < this.stamps.length && (this.stamps[this.head] as number) <= now - this.windowMs) this.head++;
    if (this.head > 1024 && this.head * 2 > this.stamps.length) {
      this.stamps = this.stamps.slice(this.head);
      this.head = 0;
    }
    if (this.stamps.length - this.head < this.limit) {
      this.stamps.push(now);
      return undefined;
    }
    const oldest = this.stamps[this.head] as number;
    return Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000));
  }
}

export class Throttle {
  private writes?: SlidingWindow;
  private others?: SlidingWindow;

  constructor(options: ThrottleOptions | false) {
    this.configure(options);
  }

  configure(options: ThrottleOptions | false): void {
    if (options === false) {
      this.writes = this.others = undefined;
      return;
    }
    const positive = (name: string, v: number): number => {
      if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`throttling.${name} must be a positive integer`);
      return v;
    };
    const windowMs = positive("windowMs", options.windowMs ?? 10_000);
    this.writes = new SlidingWindow(positive("writeLimit", options.writeLimit ?? 300), windowMs);
    this.others = new SlidingWindow(positive("otherLimit", options.otherLimit ?? 4_000), windowMs);
  }

  /** Undefined if admitted, else the Retry-After seconds. Only `setSecret` is a "secret CREATE" (§4). */
  admit(op: OperationName, now = Date.now()): number | undefined {
    const window = op === "setSecret" ? this.writes : this.others;
    return window?.admit(now);
  }
}

/**
 * - `429`: 429 Throttled with `Retry-After` (the SDK retries it, §3).
 * - `429-bare`: 429 Throttled without `Retry-After` (the SDK does not retry it, §3 last paragraph).
 * - `503`: 503 ServiceUnavailable with `Retry-After`.
 * - `drop`: the socket is destroyed before any reply.
 * - `stall`: the request is never answered (the connection stays open until the client gives up or
 *   the double stops), as behind a hung proxy or an overloaded frontend: for client timeouts.
 * - `malformed`: the operation runs, but its 2xx answer is cut short mid-JSON (as by a proxy that
 *   truncates a response): a SecretBundle answer still quotes the value, which the SDK's parse error
 *   then carries in its message.
 * - `echo`: 400 whose body is not Key Vault's error shape but `{"message": <the request body>}` (as
 *   a gateway in front of the vault may answer): the SDK makes that text its error message.
 *
 * `stall` is drawn by `rate` only when named in `kinds` (a stalled request costs the client its whole
 * timeout). Neither `malformed` nor `echo` is service behaviour (the fact sheet has none): they exist to test
 * that no client turns a body into an error message. They are never drawn by `rate` unless named in
 * `kinds`: the default there is the transient faults, FAULT_KINDS.
 */
export type FaultKind = "429" | "429-bare" | "503" | "drop" | "stall" | "malformed" | "echo";
export const FAULT_KINDS: readonly FaultKind[] = ["429", "429-bare", "503", "drop"];

export interface FaultPlan {
  /** Faults for the next matching requests, in order; `null` lets one through. Used before `rate`. */
  sequence?: readonly (FaultKind | null)[];
  /** After the sequence: the fraction (0–1) of matching requests that get a fault. Default 0. */
  rate?: number;
  /** Kinds drawn from for `rate`. Default all of FAULT_KINDS. */
  kinds?: readonly FaultKind[];
  /** PRNG seed, so a `rate` run is reproducible. Default 1. */
  seed?: number;
  /** Only requests of these operations match. Default all. */
  operations?: readonly OperationName[];
  /** Retry-After of `429` and `503` faults, whole seconds. Default 1. */
  retryAfterSeconds?: number;
}

/** mulberry32: tiny, seedable, good enough to spread faults; Math.random cannot be seeded. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export class FaultInjector {
  private plan?: FaultPlan;
  private queue: (FaultKind | null)[] = [];
  private random: () => number = mulberry32(1);
  private injectedCount = 0;

  set(plan: FaultPlan): void {
    if (plan.rate !== undefined && !(plan.rate >= 0 && plan.rate <= 1)) throw new RangeError("FaultPlan.rate must be in [0, 1]");
    if (plan.kinds !== undefined && plan.kinds.length === 0) throw new RangeError("FaultPlan.kinds must not be empty");
    this.plan = plan;
    this.queue = [...(plan.sequence ?? [])];
    this.random = mulberry32(plan.seed ?? 1);
  }

  clear(): void {
    this.plan = undefined;
    this.queue = [];
  }

  get retryAfterSeconds(): number {
    return this.plan?.retryAfterSeconds ?? 1;
  }

  /** Faults injected since start (not reset by resetCounters). */
  get injected(): number {
    return this.injectedCount;
  }

  /** The fault for this request, if any; consumes one sequence entry or one PRNG draw per match. */
  next(op: OperationName): FaultKind | undefined {
    const plan = this.plan;
    if (!plan || (plan.operations && !plan.operations.includes(op))) return undefined;
    let fault: FaultKind | undefined;
    if (this.queue.length > 0) {
      fault = this.queue.shift() ?? undefined;
    } else if (plan.rate && this.random() < plan.rate) {
      const kinds = plan.kinds ?? FAULT_KINDS;
      fault = kinds[Math.floor(this.random() * kinds.length)];
    }
    if (fault) this.injectedCount++;
    return fault;
  }
}
