// A migration's cutover settings, after validation: durations in milliseconds, defaults filled.
import { parseWindow, type ReaderMatch } from "../../engine";

export interface CutoverSettings {
  /** Audit log files or directories of rotated files (`*.gz` too), or JSON-lines captures. */
  auditLogs: string[];
  quietWindowMs: number;
  maxGapMs: number;
  /** Identities whose reads are the migration's own, besides the one the plan connection has. */
  readers: ReaderMatch[];
  retireSource: boolean;
  permanent: boolean;
  /** Base of the report files (`<base>.json`, `<base>.md`); none when unset. */
  reportPath?: string;
}

/** What a user gives (component argument or stack config). */
export interface CutoverArgsBase {
  auditLogs: string[];
  /** Default `7d`. */
  quietWindow?: string;
  /** Default `1h`. */
  maxGap?: string;
  readers?: ReaderMatch[];
  /** Off unless `true`. */
  retireSource?: boolean;
  /** KV v1 sources are deleted for good: only with `true`. */
  permanent?: boolean;
  /** Default `<reportPath>.cutover` when the migration has a `reportPath`. */
  reportPath?: string;
}

export const DEFAULT_QUIET_WINDOW = "7d";
export const DEFAULT_MAX_GAP = "1h";

/** Checks without any file or network access; problems name the key under `at`. */
export function validateCutover(c: CutoverArgsBase, migrationReportPath: string | undefined, at = "cutover"): { settings?: CutoverSettings; problems: string[] } {
  const problems: string[] = [];
  if (!Array.isArray(c.auditLogs) || !c.auditLogs.length || c.auditLogs.some((x) => typeof x !== "string" || !x)) problems.push(`[${at}.auditLogs] must list at least one audit log file or directory`);
  const duration = (v: unknown, def: string): number | undefined => (v === undefined ? parseWindow(def) : typeof v === "string" ? parseWindow(v) : undefined);
  const quiet = duration(c.quietWindow, DEFAULT_QUIET_WINDOW);
  if (!quiet) problems.push(`[${at}.quietWindow] must be a duration like 7d, 36h or 1d12h (got ${JSON.stringify(c.quietWindow)})`);
  const gap = duration(c.maxGap, DEFAULT_MAX_GAP);
  if (!gap) problems.push(`[${at}.maxGap] must be a duration like 1h or 30m (got ${JSON.stringify(c.maxGap)})`);
  if (quiet && gap && gap >= quiet) problems.push(`[${at}.maxGap] must be shorter than quietWindow`);
  for (const [k, v] of [["retireSource", c.retireSource], ["permanent", c.permanent]] as const) if (v !== undefined && typeof v !== "boolean") problems.push(`[${at}.${k}] must be true or false`);
  (c.readers ?? []).forEach((r, i) => {
    const keys = Object.keys(r ?? {});
    const known = ["roleName", "displayName", "accessor", "entityId"];
    if (!keys.length || keys.some((k) => !known.includes(k) || typeof (r as unknown as Record<string, unknown>)[k] !== "string")) problems.push(`[${at}.readers[${i}]] must give one or more of ${known.join(", ")} as strings`);
  });
  if (c.reportPath !== undefined && (typeof c.reportPath !== "string" || !c.reportPath)) problems.push(`[${at}.reportPath] must be a path`);
  if (problems.length || !quiet || !gap) return { problems };
  const reportPath = c.reportPath ?? (migrationReportPath ? `${migrationReportPath}.cutover` : undefined);
  return {
    problems,
    settings: { auditLogs: [...c.auditLogs], quietWindowMs: quiet, maxGapMs: gap, readers: [...(c.readers ?? [])], retireSource: c.retireSource === true, permanent: c.permanent === true, ...(reportPath ? { reportPath } : {}) },
  };
}
