// The settings of one migration run, shared by planning, applying and verifying.
import { mappingHash, type DeletionPolicy, type ExistingPolicy, type MappingRule } from "../engine";

export interface MigrationSettings {
  /**
   * The migration's identity, written as a marker on every copy: `<stack>/<name>` unless
   * configured. Removal and orphan detection act only on copies carrying it; keep it stable.
   */
  migrationId: string;
  /** Source mount, prefix and KV version (detected when omitted). */
  mount: string;
  prefix?: string;
  kvVersion?: 1 | 2;
  /** Path globs → name templates, first match wins; default: seed 003's `{mount}/{path}`, sanitised. */
  rules?: MappingRule[];
  include?: string[];
  exclude?: string[];
  /** A destination secret this migration did not write: `fail` (default), `adopt` or `overwrite`. */
  existing: ExistingPolicy;
  /** Our copies whose source is gone: `keep` (default, reported as orphaned) or `delete` (soft delete). */
  deletionPolicy: DeletionPolicy;
  /** Multi-key secrets holding this key are migrated as that key's value alone. */
  unwrapKey?: string;
  /** custom_metadata key holding an expiry (ISO date or duration from the source's update time). */
  expiryKey?: string;
  /** Copies in flight. */
  concurrency: number;
  /** How often `up` logs a progress line (done/total, rate, ETA) while copying; default 5,000 ms. */
  progressIntervalMs?: number;
  /**
   * Time budget of one run's copy, from the start of `applyRun`: past it no further secret is
   * started, those in flight finish, the rest is reported `pending` and the run ends cleanly; the
   * next run's plan still holds them. Undefined: no budget.
   */
  maxDurationMs?: number;
}

export const DEFAULT_PROGRESS_INTERVAL_MS = 5_000;

export const DEFAULT_CONCURRENCY = 32;

/** Fills defaults. */
export function withDefaults(s: Partial<MigrationSettings> & { mount: string; migrationId: string }): MigrationSettings {
  return { existing: "fail", deletionPolicy: "keep", concurrency: DEFAULT_CONCURRENCY, ...s };
}

/**
 * Hash of what shapes a written copy (value shaping, tags, expiry) for one destination kind. Naming
 * rules are left out on purpose: a renamed copy is already a create plus an orphan.
 */
export function settingsMappingHash(destinationKind: string, s: MigrationSettings, shaping?: Readonly<Record<string, unknown>>): string {
  const base = { format: 1, destination: destinationKind, unwrapKey: s.unwrapKey ?? null, expiryKey: s.expiryKey ?? null };
  // Only present when the destination has shaping settings, so existing Key Vault hashes stay the same.
  return mappingHash(shaping ? { ...base, shaping } : base);
}
