// Fans committed changes out to every watch stream: one store read per commit, not one per stream, and none for
// a local commit that hands its changes over.

import { SixpnError } from '../core/errors.ts';
import type { Change } from '../core/model.ts';
import type { Logger } from '../lib/log.ts';
import type { Scope, Store } from './store/store.ts';

/** What a watch stream yields: a change, or a heartbeat saying every revision up to `rev` has been examined. */
export type WatchEvent = { change: Change } | { heartbeat: number };

export interface WatchHubOptions {
  /** How many recent changes to keep in memory for streams that are close to the head. */
  bufferSize?: number;
  heartbeatMs?: number;
  /** After a failed fetch (database unreachable) the hub tries again, backing off from this… (default 250 ms) */
  retryMinMs?: number;
  /** …to this (default 5 s), until a fetch succeeds. */
  retryMaxMs?: number;
  logger: Logger;
}

/** What the hub needs of the store. */
export type HubStore = Pick<Store, 'onCommit' | 'headRevision' | 'changesSince'>;

/** True when a caller with `scope` may see `c` (regions and hosts are visible to every caller). */
export function visible(c: Change, scope: Scope): boolean {
  return scope.org === undefined || c.org === null || c.org === scope.org;
}

/**
 * Keeps the newest changes in a ring and wakes streams when the store commits (locally, or on another replica
 * through the store's notifications). Streams further behind than the ring read the store directly.
 */
export class WatchHub {
  private readonly buffer: Change[] = [];
  private head = 0;
  private waiters = new Set<() => void>();
  private fetching: Promise<void> | undefined;
  private again = false;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Consecutive failed fetches; 0 when the last one succeeded. */
  private failures = 0;
  private closed = false;
  private readonly bufferSize: number;
  readonly heartbeatMs: number;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly store: HubStore,
    private readonly opts: WatchHubOptions,
  ) {
    this.bufferSize = opts.bufferSize ?? 10_000;
    this.heartbeatMs = opts.heartbeatMs ?? 10_000;
    this.unsubscribe = store.onCommit((head, changes) => this.committed(head, changes));
  }

  /** Loads the current head; call once before serving. */
  async start(): Promise<void> {
    this.head = await this.store.headRevision();
  }

  /** The newest revision fetched (every stream gets up to it without reading the store). */
  get fetchedHead(): number {
    return this.head;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.unsubscribe();
    this.wakeAll();
  }

  /**
   * A commit up to `head`: its `changes` (a local commit that knows them, store.ts `onCommit`) are taken as they
   * are when they follow on from what the hub has, with no read of the store; otherwise the hub fetches.
   */
  private committed(head: number, changes: readonly Change[] | undefined): void {
    if (head <= this.head || this.closed) return;
    if (changes?.[0]?.rev === this.head + 1 && changes.at(-1)?.rev === head) this.take(changes);
    else this.poke();
  }

  /** Appends the changes newer than the head (a fetch that ran meanwhile may repeat some), and wakes streams. */
  private take(changes: readonly Change[]): void {
    let added = 0;
    for (const c of changes) {
      if (c.rev <= this.head) continue;
      this.buffer.push(c);
      this.head = c.rev;
      added++;
    }
    if (this.buffer.length > this.bufferSize) this.buffer.splice(0, this.buffer.length - this.bufferSize);
    if (added > 0) this.wakeAll();
  }

  /**
   * Fetches what was committed since the last fetch; coalesces concurrent pokes into one more round. A failed
   * fetch is tried again with backoff until one succeeds: the commit that poked it may be the last for a while
   * (and the store tells each head once), so waiting for the next commit could strand streams behind it.
   */
  poke(): void {
    if (this.closed) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (this.fetching) {
      this.again = true;
      return;
    }
    this.fetching = this.fetch()
      .then(
        () => {
          if (this.failures > 0)
            this.opts.logger.info({ failures: this.failures }, 'watch hub fetch recovered');
          this.failures = 0;
        },
        (err: unknown) => {
          if (this.failures === 0) this.opts.logger.warn({ err }, 'watch hub fetch failed; retrying');
          this.failures++;
          if (this.closed) return;
          const min = this.opts.retryMinMs ?? 250;
          const ms = Math.min(this.opts.retryMaxMs ?? 5000, min * 2 ** Math.min(this.failures - 1, 20));
          this.retryTimer = setTimeout(() => this.poke(), ms);
          this.retryTimer.unref();
        },
      )
      .finally(() => {
        this.fetching = undefined;
        if (this.again) {
          this.again = false;
          this.poke();
        }
      });
  }

  private async fetch(): Promise<void> {
    for (;;) {
      const page = await this.store.changesSince(this.head, 1000);
      this.take(page.changes);
      if (page.changes.length < 1000) return;
    }
  }

  /** Index of the first buffered change with rev > `rev` (the buffer is sorted by rev). */
  private indexAfter(rev: number): number {
    let lo = 0;
    let hi = this.buffer.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.buffer[mid]!.rev <= rev) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private wakeAll(): void {
    const ws = this.waiters;
    this.waiters = new Set();
    for (const w of ws) w();
  }

  private waitForChange(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.waiters.add(done);
    });
  }

  /**
   * Checks that a stream may start at `since` (throws `resync_required` when it is older than the retained
   * history or newer than the head), so the HTTP layer can answer 410 before it starts streaming.
   */
  async validate(since: number, scope: Scope): Promise<void> {
    const head = await this.store.headRevision();
    if (!Number.isInteger(since) || since < 0 || since > head) {
      throw new SixpnError(
        'resync_required',
        `revision ${since} is not in this control plane's history (head ${head}); fetch /v1/snapshot and watch from its revision`,
        { details: { head } },
      );
    }
    await this.store.changesSince(since, 1, scope);
  }

  /** Every visible change after `since`, in order, then heartbeats while idle. Ends when `signal` aborts. */
  async *stream(since: number, scope: Scope, signal: AbortSignal): AsyncGenerator<WatchEvent> {
    let cursor = since;
    // An immediate heartbeat flushes the response headers, so the client knows the stream is open.
    yield { heartbeat: cursor };
    let lastSent = Date.now();
    while (!signal.aborted) {
      const first = this.buffer[0];
      let batch: Change[];
      let examined: number;
      if (cursor >= this.head) {
        batch = [];
        examined = cursor;
      } else if (first !== undefined && cursor >= first.rev - 1) {
        batch = this.buffer.slice(this.indexAfter(cursor));
        examined = this.head;
      } else {
        const page = await this.store.changesSince(cursor, 1000);
        batch = page.changes;
        // The page holds everything up to its own head: not up to this.head, which may have moved on while
        // the read ran (taking it would skip the revisions in between).
        examined = page.changes.length === 1000 ? page.changes[999]!.rev : Math.max(cursor, page.head);
      }
      for (const c of batch) {
        if (c.rev > examined) break;
        if (visible(c, scope)) {
          yield { change: c };
          lastSent = Date.now();
        }
      }
      cursor = Math.max(cursor, examined);
      if (cursor >= this.head) {
        const idle = Date.now() - lastSent;
        if (idle >= this.heartbeatMs) {
          yield { heartbeat: cursor };
          lastSent = Date.now();
        } else {
          await this.waitForChange(this.heartbeatMs - idle, signal);
        }
      }
    }
  }
}
