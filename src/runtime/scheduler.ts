// When to reconcile: soon after a change (debounced, so a burst of changes is one pass), periodically to repair
// drift (after a quiet spell, when the role asks for one), and again with backoff after a pass that had failures.
// Never two passes at once.

/**
 * How long a task due at `due` waits from `now` so that it does not run within `quietMs` of the last change, but
 * never more than `maxDeferMs` past `due` (0: run now). Pure; all times in ms on one clock. The one rule of the
 * gateway's periodic passes and of its peer status reads: both hold wireguard-go's device lock for a while.
 */
export function quietWait(due: number, lastChange: number, now: number, quietMs: number, maxDeferMs: number) {
  const at = Math.max(due, Math.min(lastChange + quietMs, due + maxDeferMs));
  return Math.max(0, at - now);
}

/** Periodic passes wait for a quiet spell: not within `quietMs` of `lastChange()`, deferred `maxDeferMs` at most. */
export interface QuietSpell {
  /** When the last change happened (ms, `Date.now()` clock); `-Infinity` when none did. */
  lastChange(): number;
  quietMs: number;
  maxDeferMs: number;
}

export interface SchedulerOptions {
  /** Wait this long after a request before running, to gather a burst (default 5 ms). */
  debounceMs?: number;
  /** Run at least this often (default 30 s). */
  periodMs?: number;
  /** Retry after a failed pass: doubles from `minRetryMs` to `maxRetryMs` (defaults 500 ms, 30 s). */
  minRetryMs?: number;
  maxRetryMs?: number;
  /** Defer periodic passes while changes arrive; meanwhile a request runs as a `change` pass. */
  quiet?: QuietSpell;
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
  /** A change was asked for since the last pass began (it may hide behind a pending periodic request). */
  private changeAsked = false;
  /** When the periodic pass being deferred was first due. */
  private periodicDue: number | undefined;
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
    if (reason === 'change') this.changeAsked = true;
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
    const asked = this.pending;
    const change = this.changeAsked;
    this.pending = undefined;
    this.changeAsked = false;
    const reason = this.deferPeriodic(asked, change);
    if (reason === undefined) return;
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

  /**
   * A periodic pass due while changes arrive is asked for again when the spell may be quiet; meanwhile a change
   * merged into the request still runs, as a `change` pass. Undefined: nothing to run now.
   */
  private deferPeriodic(reason: PassReason, change: boolean): PassReason | undefined {
    const q = this.opts.quiet;
    if (reason !== 'periodic' || !q) return reason;
    const now = Date.now();
    this.periodicDue ??= now;
    const wait = quietWait(this.periodicDue, q.lastChange(), now, q.quietMs, q.maxDeferMs);
    if (wait === 0) {
      this.periodicDue = undefined;
      return reason;
    }
    this.request('periodic', wait);
    return change ? 'change' : undefined;
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
