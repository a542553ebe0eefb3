/**
 * Progress with ETA. Pure: time comes from an injected `now()`, so it is
 * testable and usable from any logger.
 */

/** A point-in-time view of progress. */
export interface ProgressSnapshot {
  readonly done: number;
  readonly failed: number;
  readonly total: number;
  readonly elapsedMs: number;
  /** Items per second over the recent window (whole run while the window fills). */
  readonly ratePerSecond: number;
  /** Seconds left at the current rate; `undefined` until a rate is known. */
  readonly etaSeconds: number | undefined;
  /** 0–100. */
  readonly percent: number;
}

/** Options of {@link Progress}. */
export interface ProgressOptions {
  readonly total: number;
  /** Milliseconds clock, e.g. `Date.now` or `performance.now`. */
  readonly now: () => number;
  /** Rate window; a recent rate follows throttling better than a whole-run average. Default 30 s. */
  readonly windowMs?: number;
}

// Enough samples to cover the window without growing with the item count.
const MAX_SAMPLES = 64;

/** Counts finished items and estimates the time left. */
export class Progress {
  private readonly now: () => number;
  private readonly windowMs: number;
  private readonly startedAt: number;
  private readonly samples: { t: number; done: number }[] = [];
  private total: number;
  private done = 0;
  private failed = 0;

  constructor(options: ProgressOptions) {
    this.now = options.now;
    this.windowMs = options.windowMs ?? 30_000;
    this.total = Math.max(0, options.total);
    this.startedAt = this.now();
    this.samples.push({ t: this.startedAt, done: 0 });
  }

  /** Records `n` finished items (`failed` ones count as done too). */
  advance(n = 1, options: { readonly failed?: boolean } = {}): void {
    this.done += n;
    if (options.failed) this.failed += n;
    if (this.done > this.total) this.total = this.done;
    const t = this.now();
    const last = this.samples[this.samples.length - 1];
    // One sample per window/MAX_SAMPLES slice keeps memory constant.
    if (last && t - last.t < this.windowMs / MAX_SAMPLES) last.done = this.done;
    else this.samples.push({ t, done: this.done });
    while (this.samples.length > MAX_SAMPLES) this.samples.shift();
  }

  /** Changes the total (e.g. when items are discovered while running). */
  setTotal(total: number): void {
    this.total = Math.max(total, this.done);
  }

  /** Current numbers. */
  snapshot(): ProgressSnapshot {
    const t = this.now();
    const elapsedMs = t - this.startedAt;
    const cutoff = t - this.windowMs;
    const base = this.samples.find((s) => s.t >= cutoff) ?? this.samples[this.samples.length - 1]!;
    const span = t - base.t;
    const ratePerSecond = span > 0 ? ((this.done - base.done) * 1000) / span : 0;
    const left = this.total - this.done;
    const etaSeconds = left === 0 ? 0 : ratePerSecond > 0 ? left / ratePerSecond : undefined;
    const percent = this.total === 0 ? 100 : (this.done * 100) / this.total;
    return { done: this.done, failed: this.failed, total: this.total, elapsedMs, ratePerSecond, etaSeconds, percent };
  }

  /** One formatted line, see {@link formatProgress}. */
  format(label?: string): string {
    return formatProgress(this.snapshot(), label);
  }
}

/** `1h02m`, `3m05s`, `42s`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, "0")}m`;
  if (m > 0) return `${m}m${String(sec).padStart(2, "0")}s`;
  return `${sec}s`;
}

/** `label 120/1000 (12%) 30.0/s ETA 29s, 2 failed`. */
export function formatProgress(s: ProgressSnapshot, label?: string): string {
  const eta = s.etaSeconds === undefined ? "ETA ?" : `ETA ${formatDuration(s.etaSeconds)}`;
  const parts = [
    `${label ? `${label} ` : ""}${s.done}/${s.total} (${Math.floor(s.percent)}%)`,
    `${s.ratePerSecond.toFixed(1)}/s`,
    eta,
  ];
  return `${parts.join(" ")}${s.failed > 0 ? `, ${s.failed} failed` : ""}`;
}
