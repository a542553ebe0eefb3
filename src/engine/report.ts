/**
 * The migration report: one row per plan item with its outcome, counts and
 * timing, as JSON or Markdown. It holds paths, names, versions, reasons and
 * redacted error messages — never a value.
 */
import { encodePlanReason, encodePlanText } from "./planlines";
import type { ExclusionGroup } from "./exclusions";
import type { PlanAction, PlanItem } from "./types";

/** Outcome of one item after execution. */
/** `pending`: not started because the run's time budget (`maxDuration`) ran out; the next run takes it. */
export type ItemResult = "created" | "updated" | "unchanged" | "skipped" | "orphaned" | "deleted" | "failed" | "refused" | "pending";

/** Every outcome, in report order. */
export const ITEM_RESULTS: readonly ItemResult[] = ["refused", "failed", "created", "updated", "deleted", "unchanged", "skipped", "orphaned", "pending"];

/** One report row. */
export interface ReportItem {
  readonly sourcePath: string;
  readonly sourceVersion?: number;
  readonly destinationName: string;
  readonly action: PlanAction;
  readonly result: ItemResult;
  readonly reason: string;
  /** Already redacted (see {@link redact}). */
  readonly error?: string;
}

/** A finished migration report. */
export interface MigrationReport {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly counts: Readonly<Record<ItemResult, number>>;
  /** Sources already in sync (not listed one by one). */
  readonly inSync: number;
  readonly items: readonly ReportItem[];
  /** Non-fatal notes (dropped tags, truncations). */
  readonly warnings: readonly string[];
  /** Source paths the mapping's include/exclude left out, by rule (never read). */
  readonly excluded: { readonly count: number; readonly byRule: readonly ExclusionGroup[] };
}

/** Outcome of a plan item that was executed without error. */
export function successResult(action: PlanAction): ItemResult {
  const map: Record<PlanAction, ItemResult> = {
    create: "created",
    update: "updated",
    delete: "deleted",
    skip: "skipped",
    orphan: "orphaned",
    refuse: "refused",
  };
  return map[action];
}

/**
 * A report row for a plan item. Pass `error` (any thrown value) and the secret
 * strings it might contain to record a failure; its message is redacted here.
 */
export function reportItem(
  item: PlanItem,
  outcome: { readonly result?: ItemResult; readonly error?: unknown; readonly secrets?: readonly string[] } = {},
): ReportItem {
  const failed = outcome.error !== undefined;
  return {
    sourcePath: item.sourcePath,
    ...(item.sourceVersion !== undefined ? { sourceVersion: item.sourceVersion } : {}),
    destinationName: item.destinationName,
    action: item.action,
    result: failed ? "failed" : outcome.result ?? successResult(item.action),
    // The plan-line codec's text: `decodePlanReason` gives the reason and the detail back.
    reason: encodePlanReason(item.reason, item.detail),
    ...(failed ? { error: redactError(outcome.error, outcome.secrets ?? []) } : {}),
  };
}

/** Assembles a report and its counts. */
export function buildReport(input: {
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly items: readonly ReportItem[];
  readonly inSync?: number;
  readonly warnings?: readonly string[];
  readonly exclusions?: readonly ExclusionGroup[];
}): MigrationReport {
  const counts = Object.fromEntries(ITEM_RESULTS.map((r) => [r, 0])) as Record<ItemResult, number>;
  for (const i of input.items) counts[i.result]++;
  return {
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    durationMs: input.finishedAt.getTime() - input.startedAt.getTime(),
    counts,
    inSync: input.inSync ?? 0,
    items: [...input.items],
    warnings: [...(input.warnings ?? [])],
    excluded: { count: (input.exclusions ?? []).reduce((n, g) => n + g.count, 0), byRule: [...(input.exclusions ?? [])] },
  };
}

/** Pretty JSON of a report. */
export function toJson(report: MigrationReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

function cell(text: string | number | undefined): string {
  // Pipes would split the row, newlines would end the table.
  return text === undefined ? "" : String(text).replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/** Markdown report: summary, then a table with refusals and failures first. */
export function toMarkdown(report: MigrationReport): string {
  const rank = (r: ItemResult): number => ITEM_RESULTS.indexOf(r);
  const rows = report.items
    .map((item, i) => ({ item, i }))
    .sort((a, b) => rank(a.item.result) - rank(b.item.result) || a.i - b.i)
    .map(({ item }) =>
      // Paths and names as the plan lines show them: a newline or a direction override in a path is
      // shown escaped, never folded away or applied.
      `| ${cell(item.result)} | ${cell(encodePlanText(item.sourcePath, "path"))} | ${cell(item.sourceVersion)} | ${cell(encodePlanText(item.destinationName, "name"))} | ${cell(item.action)} | ${cell(item.reason)} | ${cell(item.error)} |`,
    );
  const summary = ITEM_RESULTS.filter((r) => report.counts[r] > 0).map((r) => `${r}: ${report.counts[r]}`);
  const lines = [
    "# Migration report",
    "",
    `- Started: ${report.startedAt}`,
    `- Finished: ${report.finishedAt} (${(report.durationMs / 1000).toFixed(1)} s)`,
    `- Already in sync: ${report.inSync}`,
    `- Excluded by the mapping: ${report.excluded.count}`,
    `- ${summary.length > 0 ? summary.join(", ") : "no pending items"}`,
    "",
  ];
  if (rows.length > 0) {
    lines.push("| Result | Source path | Version | Destination | Action | Reason | Error |", "|---|---|---|---|---|---|---|", ...rows, "");
  }
  if (report.excluded.byRule.length > 0) {
    lines.push("## Excluded", "", "| Rule | Paths | Examples |", "|---|---|---|");
    for (const g of report.excluded.byRule) lines.push(`| ${cell(g.by)} | ${g.count} | ${cell(g.examples.map((e) => encodePlanText(e, "path")).join(", "))} |`);
    lines.push("");
  }
  if (report.warnings.length > 0) lines.push("## Warnings", "", ...report.warnings.map((w) => `- ${cell(w)}`), "");
  return lines.join("\n");
}

/** A letter or digit of any script: what a short value must not touch to count as a whole token. */
const WORD_CHAR = /^[\p{L}\p{N}]$/u;

/** Replacement text for a redacted secret. */
export const REDACTED = "[REDACTED]";

/**
 * Shortest string redacted wherever it occurs. A shorter value ("1", "ab", "yes") would, cut out as
 * a substring, blank every word that contains it and leave the message useless; it is redacted
 * only as a whole token instead (not touching a letter or a digit). The same minimum applies to
 * the pieces of a value (its lines), so a "}" line of pretty-printed JSON or a blank line is
 * not a "secret". Four characters: long enough not to hit ordinary words by chance very often,
 * short enough that a real 4-character PIN is still cut out of "pin=4711;".
 */
export const MIN_REDACTED_LENGTH = 4;

/**
 * Every form under which one secret string can show up in a message: as is, JSON-escaped (an
 * echoed request body), URL-encoded (a URL or form body), base64 and base64url (a header, a
 * backup blob), and each line of a multi-line value (PEM keys, certificates) in those forms, since
 * a message cut at a line break — most are — still carries the lines before it.
 */
export function redactionForms(secret: string): string[] {
  const forms = new Set<string>();
  const add = (s: string): void => {
    if (!s) return;
    forms.add(s);
    forms.add(JSON.stringify(s).slice(1, -1));
    forms.add(encodeURIComponent(s));
    const b64 = Buffer.from(s, "utf8").toString("base64");
    forms.add(b64);
    // Without padding too: the tail may be cut or the padding dropped (base64url, JWT-style).
    forms.add(b64.replace(/=+$/, ""));
    forms.add(Buffer.from(s, "utf8").toString("base64url"));
  };
  add(secret);
  if (/[\r\n]/.test(secret)) {
    for (const line of secret.split(/\r?\n|\r/)) {
      const t = line.trim();
      if (t.length >= MIN_REDACTED_LENGTH) add(t);
    }
  }
  return [...forms].filter((f) => f.length > 0);
}

/**
 * Removes every occurrence of the given secret strings from a message, in every form of
 * {@link redactionForms}. All occurrences are located in the ORIGINAL message and overlapping
 * ones merged before replacing, so overlapping secrets are removed whole and a replacement can
 * never splice a secret back together. Values shorter than {@link MIN_REDACTED_LENGTH} are removed
 * only as whole tokens. Defence in depth: messages should not contain values in the first place.
 */
export function redact(message: string, secrets: readonly string[]): string {
  const forms = new Set<string>();
  const tokens = new Set<string>();
  for (const s of secrets) {
    if (!s) continue;
    if (s.length < MIN_REDACTED_LENGTH) {
      for (const f of [s, JSON.stringify(s).slice(1, -1), encodeURIComponent(s)]) tokens.add(f);
      continue;
    }
    for (const f of redactionForms(s)) forms.add(f);
  }
  const spans: [number, number][] = [];
  for (const f of forms) {
    for (let at = message.indexOf(f); at >= 0; at = message.indexOf(f, at + 1)) spans.push([at, at + f.length]);
  }
  for (const t of tokens) {
    for (let at = message.indexOf(t); at >= 0; at = message.indexOf(t, at + 1)) {
      if (!WORD_CHAR.test(message[at - 1] ?? "") && !WORD_CHAR.test(message[at + t.length] ?? "")) spans.push([at, at + t.length]);
    }
  }
  if (spans.length === 0) return message;
  spans.sort((a, b) => a[0] - b[0]);
  let out = "";
  let pos = 0;
  let [start, end] = spans[0] as [number, number];
  for (const [s, e] of spans) {
    if (s <= end) {
      end = Math.max(end, e);
      continue;
    }
    out += message.slice(pos, start) + REDACTED;
    pos = end;
    [start, end] = [s, e];
  }
  return out + message.slice(pos, start) + REDACTED + message.slice(end);
}

/** A redacted one-line message of any thrown value (`name: message`, no stack). */
export function redactError(error: unknown, secrets: readonly string[]): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return redact(text, secrets);
}

/**
 * The error to rethrow where it may be printed (the Pulumi host shows `${e}: ${e.stack}`): a new
 * `Error` with the same name, a redacted message and a fresh stack, keeping only the original's
 * scalar fields (a ClientError's code, status, path…, strings redacted too), so an SDK error's
 * response, request or body never travels with it and `isClientError` still holds.
 */
export function redactedError(error: unknown, secrets: readonly string[]): Error {
  const source = error instanceof Error ? error : undefined;
  const out = new Error(redact(source ? source.message : String(error), secrets));
  if (source) {
    out.name = source.name;
    for (const [k, v] of Object.entries(source)) {
      if (k === "message" || k === "stack" || k === "name") continue;
      if (typeof v === "string") Object.assign(out, { [k]: redact(v, secrets) });
      else if (typeof v === "number" || typeof v === "boolean") Object.assign(out, { [k]: v });
    }
  }
  return out;
}
