// One memory-reducing garbage collection when a daemon settles after work. An idle agent runs only young-generation
// collections, so V8 never starts its own memory reducer: the bytecode of start-up and of the last burst of passes,
// and the heap pages they grew, stay resident for good. Once the daemon has been quiet for a while after a burst
// (start-up, a snapshot, passes that did something), it asks V8 for a full collection that flushes unused bytecode,
// compacts the heap and shrinks the young generation. Needs Node's `--expose-gc` (DAEMON_NODE_FLAGS); without it
// nothing is collected.

import { monotonicMs } from '../lib/clock.ts';
import type { Logger } from '../lib/log.ts';

/** Quiet time after the last burst before collecting (V8's own memory reducer waits 8 s after a collection). */
export const SETTLE_QUIET_MS = 5_000;
/** At most one collection in this long, whatever the cadence of the bursts. */
export const SETTLE_MIN_GAP_MS = 60_000;

/**
 * When to collect: `quietMs` after the last burst, and not within `minGapMs` of the last collection (none yet:
 * `-Infinity`). Pure; all times in ms on one clock.
 */
export function collectAt(lastBusy: number, lastCollect: number, quietMs: number, minGapMs: number): number {
  return Math.max(lastBusy + quietMs, lastCollect + minGapMs);
}

export interface SettleGcOptions {
  /** The collection; default: V8's memory-reducing full collection when the process runs with `--expose-gc`. */
  collect?: () => void;
  quietMs?: number;
  minGapMs?: number;
  log: Logger;
  signal: AbortSignal;
}

const MIB = 1024 * 1024;

/** The collection of a process started with `--expose-gc`; undefined without it. */
export function reducingCollection(): (() => void) | undefined {
  const gc = globalThis.gc;
  return gc ? () => gc({ type: 'major', execution: 'sync', flavor: 'last-resort' }) : undefined;
}

/** Collects once after each burst of work has settled (`busy()` marks work), rate-limited by `minGapMs`. */
export class SettleGc {
  private timer: NodeJS.Timeout | undefined;
  private lastBusy = Number.NEGATIVE_INFINITY;
  private lastCollect = Number.NEGATIVE_INFINITY;

  private constructor(
    private readonly collect: () => void,
    private readonly o: SettleGcOptions,
  ) {
    o.signal.addEventListener('abort', () => clearTimeout(this.timer), { once: true });
  }

  /** A settler, or undefined when there is nothing to collect with (no `--expose-gc`). */
  static create(o: SettleGcOptions): SettleGc | undefined {
    const collect = o.collect ?? reducingCollection();
    return collect ? new SettleGc(collect, o) : undefined;
  }

  /** Work happened now: collect once it has been quiet for `quietMs`. */
  busy(): void {
    if (this.o.signal.aborted) return;
    this.lastBusy = monotonicMs();
    this.arm();
  }

  private arm(): void {
    clearTimeout(this.timer);
    const at = collectAt(
      this.lastBusy,
      this.lastCollect,
      this.o.quietMs ?? SETTLE_QUIET_MS,
      this.o.minGapMs ?? SETTLE_MIN_GAP_MS,
    );
    this.timer = setTimeout(() => this.fire(), Math.max(0, at - monotonicMs()));
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    const before = process.memoryUsage();
    const t0 = monotonicMs();
    this.collect();
    this.lastCollect = monotonicMs();
    const after = process.memoryUsage();
    const mib = (n: number) => Math.round((n / MIB) * 10) / 10;
    this.o.log.info(
      {
        ms: Math.round(this.lastCollect - t0),
        heapUsedMiB: [mib(before.heapUsed), mib(after.heapUsed)],
        rssMiB: [mib(before.rss), mib(after.rss)],
      },
      'settled: memory-reducing collection',
    );
  }
}
