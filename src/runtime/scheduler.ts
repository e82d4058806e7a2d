// When to reconcile: soon after a change (debounced, so a burst of changes is one pass), periodically to repair
// drift, and again with backoff after a pass that had failures. Never two passes at once.

export interface SchedulerOptions {
  /** Wait this long after a request before running, to gather a burst (default 5 ms). */
  debounceMs?: number;
  /** Run at least this often (default 30 s). */
  periodMs?: number;
  /** Retry after a failed pass: doubles from `minRetryMs` to `maxRetryMs` (defaults 500 ms, 30 s). */
  minRetryMs?: number;
  maxRetryMs?: number;
  signal: AbortSignal;
}

/** Why a pass runs: a change (may be skipped when nothing it looks at moved), the period, or a retry. */
export type PassReason = 'change' | 'periodic' | 'retry';

/** A pass; returns false when it had failures (a retry is scheduled). */
export type Pass = (reason: PassReason) => Promise<boolean>;

export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private timerDue = 0;
  private readonly period: NodeJS.Timeout;
  private running: Promise<void> | undefined;
  private pending: PassReason | undefined;
  private failures = 0;
  private readonly debounceMs: number;

  constructor(
    private readonly pass: Pass,
    private readonly opts: SchedulerOptions,
  ) {
    this.debounceMs = opts.debounceMs ?? 5;
    this.period = setInterval(() => this.request('periodic'), opts.periodMs ?? 30_000);
    opts.signal.addEventListener('abort', () => this.stop(), { once: true });
  }

  /** Asks for a pass within `delayMs`. A periodic or retry request wins over a change (it runs the full pass). */
  request(reason: PassReason = 'change', delayMs = this.debounceMs): void {
    if (this.opts.signal.aborted) return;
    if (this.pending === undefined || reason !== 'change') this.pending = reason;
    const due = Date.now() + delayMs;
    if (this.timer && this.timerDue <= due) return;
    clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, delayMs);
  }

  private kick(): void {
    if (this.running || this.pending === undefined) return;
    const reason = this.pending;
    this.pending = undefined;
    this.running = this.pass(reason)
      .catch(() => false)
      .then((ok) => {
        this.running = undefined;
        if (ok) this.failures = 0;
        else {
          const min = this.opts.minRetryMs ?? 500;
          const wait = Math.min(this.opts.maxRetryMs ?? 30_000, min * 2 ** Math.min(this.failures++, 16));
          this.request('retry', wait);
        }
        if (this.pending !== undefined && !this.timer) this.kick();
      });
  }

  /** Resolves when no pass is running. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private stop(): void {
    clearInterval(this.period);
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }
}
