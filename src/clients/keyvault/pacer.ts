/**
 * Client-side pacer for one Key Vault limit class. A sliding
 * log, FIFO, where a slot is held from admission until the RESPONSE arrives plus one window, not
 * from admission plus one window. Why: the service counts requests when they arrive, and arrival
 * lags admission by a variable delay (TLS handshakes, the SDK's 401 challenge round trip on a new
 * connection); stamping at admission let a slowed first burst and the next burst land inside one
 * service window (measured: 3–16 429s in 3 s against a 30/s limit). A response time is never
 * earlier than the arrival, so counting from it never undercounts. Cost: latency/window of rate.
 */
export class Pacer {
  private inFlight = 0;
  private readonly done: number[] = [];
  private tail: Promise<void> = Promise.resolve();
  private pausedUntil = 0;
  private release?: () => void;

  constructor(private readonly limit: number, private readonly windowMs: number) {
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
      this.done.push(Date.now());
      this.release?.();
    }
  }

  /** Holds every caller for `ms` (a 429's Retry-After): the limit is per vault, not per task. */
  pauseFor(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ms);
  }

  private async acquire(): Promise<void> {
    for (;;) {
      const now = Date.now();
      if (now < this.pausedUntil) {
        await sleep(this.pausedUntil - now);
        continue;
      }
      while (this.done.length > 0 && (this.done[0] as number) <= now - this.windowMs) this.done.shift();
      if (this.inFlight + this.done.length < this.limit) {
        this.inFlight++;
        return;
      }
      if (this.done.length > 0) {
        await sleep((this.done[0] as number) + this.windowMs - now);
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
 * The process's one pacer for a vault's limit class. Key Vault counts requests per vault, and one
 * provider process serves every dynamic resource of a stack (several migrations into one vault run
 * there side by side), so clients of one vault must share the pacer. The registry lives on
 * `process`, not in this module: Pulumi serializes each resource's provider with its own copy of
 * this module, so a module-level map would be one per resource. Clients asking for different
 * limits or windows (explicit `pacing` options) get their own pacer for those settings.
 */
export function sharedPacer(vaultUrl: string, kind: "write" | "other", limit: number, windowMs: number): Pacer {
  const registryKey = Symbol.for("vault-migration.keyVaultPacers");
  const proc = process as unknown as Record<symbol, Map<string, Pacer> | undefined>;
  const registry = (proc[registryKey] ??= new Map<string, Pacer>());
  const key = `${vaultUrl.replace(/\/+$/, "").toLowerCase()}|${kind}|${limit}|${windowMs}`;
  let pacer = registry.get(key);
  if (!pacer) {
    pacer = new Pacer(limit, windowMs);
    registry.set(key, pacer);
  }
  return pacer;
}
