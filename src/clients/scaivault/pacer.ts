// Client-side pacing under ScaiVault's per-identity, per-category rate limits (fact sheet §1:
// write 100/min, read 1,000/min, delete 100/min, list 100/min, federation 20/min): one shared
// sliding log per category (../http/pacer), so the client never sends more than `limit` requests
// into any window. The service's own headers correct it: an answer saying
// `X-RateLimit-Remaining: 0` pauses the category until `X-RateLimit-Reset`, and a 429's wait
// pauses it for everyone, not only the caller that got it.
import { sharedPacer, type Pacer } from "../http/pacer";

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

/**
 * The process's pacer for one server's category (the shared sliding log of ../http/pacer). `base`
 * is the server URL, never a token or its hash.
 */
export function sharedCategoryPacer(base: string, category: ScaiVaultCategory, limit: number, windowMs: number): Pacer {
  return sharedPacer(`scaivault|${base}|${category}`, limit, windowMs);
}
