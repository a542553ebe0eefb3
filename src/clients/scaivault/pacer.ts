// Client-side pacing under ScaiVault's per-identity, per-category rate limits (fact sheet §1:
// write 100/min, read 1,000/min, delete 100/min, list 100/min, federation 20/min). A sliding log
// per category: a slot is held from admission until the answer arrives plus one window (the
// service counts a request when it arrives, which is never after its answer), so the client never
// sends more than `limit` requests into any window. The service's own headers correct it: an
// answer saying `X-RateLimit-Remaining: 0` pauses the category until `X-RateLimit-Reset`, and a
// 429's wait pauses it for everyone, not only the caller that got it.

/** The rate-limit categories of fact sheet §1 that this client uses. */
export type ScaiVaultCategory = "write" | "read" | "delete" | "list" | "federation";

/** Requests per window, per category; `headroom` scales every limit (default 0.95). */
export interface ScaiVaultPacing {
  readonly writeLimit?: number;
  readonly readLimit?: number;
  readonly deleteLimit?: number;
  readonly listLimit?: number;
  readonly federationLimit?: number;
  /** Window length; default 60,000 ms (the service's limits are per minute). */
  readonly windowMs?: number;
  readonly headroom?: number;
}

/** The service's documented defaults (fact sheet §1). */
export const SCAIVAULT_DEFAULT_LIMITS: Readonly<Record<ScaiVaultCategory, number>> = { write: 100, read: 1000, delete: 100, list: 100, federation: 20 };

/** Limits after headroom, at least 1 each. */
export function pacingLimits(p: ScaiVaultPacing = {}): { limits: Record<ScaiVaultCategory, number>; windowMs: number } {
  const h = p.headroom ?? 0.95;
  const at = (v: number | undefined, d: number): number => Math.max(1, Math.floor((v ?? d) * h));
  return {
    limits: {
      write: at(p.writeLimit, SCAIVAULT_DEFAULT_LIMITS.write),
      read: at(p.readLimit, SCAIVAULT_DEFAULT_LIMITS.read),
      delete: at(p.deleteLimit, SCAIVAULT_DEFAULT_LIMITS.delete),
      list: at(p.listLimit, SCAIVAULT_DEFAULT_LIMITS.list),
      federation: at(p.federationLimit, SCAIVAULT_DEFAULT_LIMITS.federation),
    },
    windowMs: p.windowMs ?? 60_000,
  };
}

/** One category's sliding log. */
export class CategoryPacer {
  private inFlight: number;
  private readonly done: number[];
  private tail: Promise<void>;
  private pausedUntil: number;
  private waiters: (() => void)[];

  constructor(private readonly limit: number, private readonly windowMs: number) {
    this.inFlight = 0;
    this.done = [];
    this.tail = Promise.resolve();
    this.pausedUntil = 0;
    this.waiters = [];
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
      const w = this.waiters;
      this.waiters = [];
      w.forEach((r) => r());
    }
  }

  /** Holds every caller until `atMs` (epoch ms): a 429's wait, or a reset with nothing remaining. */
  pauseUntil(atMs: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, atMs);
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
      if (this.done.length > 0) await sleep((this.done[0] as number) + this.windowMs - now);
      else await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/**
 * The process's pacer for one identity's category. Limits are per identity, and one provider
 * process serves every migration of a stack, so clients of one server share it. The registry
 * lives on `process`, not in this module: each serialized provider carries its own module copy.
 * `identity` is the caller's own label (the server URL), never a token or its hash.
 */
export function sharedCategoryPacer(identity: string, category: ScaiVaultCategory, limit: number, windowMs: number): CategoryPacer {
  const registryKey = Symbol.for("vault-migration.scaiVaultPacers");
  const proc = process as unknown as Record<symbol, Map<string, CategoryPacer> | undefined>;
  const registry = (proc[registryKey] ??= new Map<string, CategoryPacer>());
  const key = `${identity}|${category}|${limit}|${windowMs}`;
  let p = registry.get(key);
  if (!p) {
    p = new CategoryPacer(limit, windowMs);
    registry.set(key, p);
  }
  return p;
}
