/**
 * Client-side pacer for one rate limit of a service (a Key Vault limit class, an Infisical plan's
 * secrets limit, a ScaiVault category). A sliding
 * log, FIFO, where a slot is held from admission until the RESPONSE arrives plus one window, not
 * from admission plus one window. Why: the service counts requests when they arrive, and arrival
 * lags admission by a variable delay (TLS handshakes, the SDK's 401 challenge round trip on a new
 * connection); stamping at admission let a slowed first burst and the next burst land inside one
 * service window (measured: 3–16 429s in 3 s against a 30/s limit). A response time is never
 * earlier than the arrival, so counting from it never undercounts. Cost: latency/window of rate.
 */
/** Time and sleeps of a pacer (tests pass a virtual clock). */
export interface PacerClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const systemPacerClock: PacerClock = { now: () => Date.now(), sleep };

export class Pacer {
  private inFlight: number;
  private readonly done: number[];
  private tail: Promise<void>;
  private pausedUntil: number;
  private release?: () => void;

  constructor(private readonly limit: number, private readonly windowMs: number, private readonly clock: PacerClock = systemPacerClock) {
    this.inFlight = 0;
    this.done = [];
    this.tail = Promise.resolve();
    this.pausedUntil = 0;
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`pacing limit must be a positive integer (got ${limit})`);
    if (!(windowMs > 0)) throw new RangeError(`pacing window must be positive (got ${windowMs})`);
  }

  /** Runs `fn` once a slot is free, holding the slot until `fn` settles plus one window. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const turn = this.tail.then(() => this.acquire());
    this.tail = turn.catch(() => undefined);
    await turn;
    try {
      return await fn();
    } finally {
      this.inFlight--;
      this.done.push(this.clock.now());
      this.release?.();
    }
  }

  /** Holds every caller for `ms` (a 429's Retry-After): the limit is the service's, not per task. */
  pauseFor(ms: number): void {
    this.pauseUntil(this.clock.now() + ms);
  }

  /** Holds every caller until `atMs` (epoch ms): a rate-limit reset announced with nothing remaining. */
  pauseUntil(atMs: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, atMs);
  }

  private async acquire(): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      if (now < this.pausedUntil) {
        await this.clock.sleep(this.pausedUntil - now);
        continue;
      }
      while (this.done.length > 0 && (this.done[0] as number) <= now - this.windowMs) this.done.shift();
      if (this.inFlight + this.done.length < this.limit) {
        this.inFlight++;
        return;
      }
      if (this.done.length > 0) {
        await this.clock.sleep((this.done[0] as number) + this.windowMs - now);
      } else {
        // Every slot is in flight: wait for one to finish (its window then starts).
        await new Promise<void>((resolve) => {
          this.release = () => {
            this.release = undefined;
            resolve();
          };
        });
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/**
 * The process's one pacer for a service's limit: `scope` names the service, the server and the
 * limit (`keyvault|https://x.vault.azure.net|write`), never a token or its hash. The services count
 * per vault, site or identity, and one provider process serves every dynamic resource of a stack
 * (several migrations to one server run there side by side), so their clients must share it. The
 * registry lives on `process`, not in this module: Pulumi serializes each resource's provider with
 * its own copy of this module, so a module-level map would be one per resource. Clients asking for
 * other limits or windows (explicit pacing options) get their own pacer for those settings.
 */
export function sharedPacer(scope: string, limit: number, windowMs: number): Pacer {
  const registryKey = Symbol.for("vault-migration.pacers");
  const proc = process as unknown as Record<symbol, Map<string, Pacer> | undefined>;
  const registry = (proc[registryKey] ??= new Map<string, Pacer>());
  const key = `${scope}|${limit}|${windowMs}`;
  let pacer = registry.get(key);
  if (!pacer) {
    pacer = new Pacer(limit, windowMs);
    registry.set(key, pacer);
  }
  return pacer;
}
