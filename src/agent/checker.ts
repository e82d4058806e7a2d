// The agent's health checker: a task of the reconciler harness beside the watch stream. It runs the checks of
// the instances this host has set up (check-plan.ts decides which and when), at most `concurrency` at a time,
// each with its time-out, from the host side over the 6PN; and it reports only transitions to the control plane,
// batched, retried with backoff, the latest state of each check winning. No check traffic leaves the host.

import { isSixpnError } from '../core/errors.ts';
import type { LocalState } from '../core/state.ts';
import type { Logger } from '../lib/log.ts';
import { CheckPlan, checkTargets, type Transition } from './check-plan.ts';
import { type Probe, probe as realProbe } from './check-probe.ts';

export interface CheckerOptions {
  state: LocalState;
  host: string;
  /** Source address of the checks (the host's resolver address `fdaa::3`); undefined: the kernel's choice. */
  localAddress?: string | undefined;
  /** Sends transitions to the control plane (`PUT /v1/hosts/:name/checks`). */
  report(items: Transition[], signal: AbortSignal): Promise<void>;
  probe?: Probe;
  /** ms clock (default `Date.now`). */
  now?: () => number;
  /** Checks running at once (default 64). */
  concurrency?: number;
  log: Logger;
  signal: AbortSignal;
}

const MAX_BACKOFF_MS = 5000;

export class Checker {
  readonly plan = new CheckPlan();
  private ready = new Set<string>();
  private dirty = true;
  private syncTimer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  private wakeUp: (() => void) | undefined;
  private readonly pending = new Map<string, Transition>();
  private reportWake: (() => void) | undefined;
  private readonly now: () => number;
  private readonly probe: Probe;
  private readonly concurrency: number;
  /** Checks run since start (for status and the benchmark). */
  runs = 0;

  constructor(private readonly o: CheckerOptions) {
    this.now = o.now ?? (() => Date.now());
    this.probe = o.probe ?? realProbe;
    this.concurrency = o.concurrency ?? 64;
  }

  /** After a pass: the instances it set up (`complete`: the pass had no failed step, so all of them). */
  setReady(ids: readonly string[], complete: boolean): void {
    const next = new Set(complete ? ids : ids.filter((id) => this.ready.has(id)));
    if (next.size === this.ready.size && [...next].every((id) => this.ready.has(id))) return;
    this.ready = next;
    this.markDirty(0);
  }

  /** The state changed (an app's checks, an instance): follow it shortly (coalesced). */
  changed(): void {
    this.markDirty(20);
  }

  private markDirty(delayMs: number): void {
    if (delayMs === 0) {
      clearTimeout(this.syncTimer);
      this.syncTimer = undefined;
      this.dirty = true;
      this.wakeUp?.();
      return;
    }
    this.syncTimer ??= setTimeout(() => {
      this.syncTimer = undefined;
      this.dirty = true;
      this.wakeUp?.();
    }, delayMs);
  }

  /** Runs the checks and the reports until the signal aborts. */
  async run(): Promise<void> {
    await Promise.all([this.checkLoop(), this.reportLoop()]);
    clearTimeout(this.syncTimer);
  }

  private async checkLoop(): Promise<void> {
    const { signal } = this.o;
    while (!signal.aborted) {
      if (this.dirty) {
        this.dirty = false;
        this.plan.sync(checkTargets(this.o.state, this.o.host, this.ready), this.now());
      }
      for (const t of this.plan.due(this.now(), this.concurrency - this.inFlight)) this.start(t);
      const wake = this.plan.nextWake();
      await this.sleep(wake === undefined ? 60_000 : Math.max(0, wake - this.now()));
    }
  }

  private start(t: ReturnType<CheckPlan['due']>[number]): void {
    const { key, address, check } = t.target;
    const spec = t.spec;
    const ranAt = this.now();
    this.inFlight++;
    this.runs++;
    void this.probe(check, address, this.o.localAddress).then((r) => {
      this.inFlight--;
      const tr = this.plan.done(key, spec, ranAt, this.now(), r.ok, r.output);
      if (tr) {
        this.o.log.info(tr, 'check transition');
        this.pending.set(key, tr);
        this.reportWake?.();
      }
      this.wakeUp?.();
    });
  }

  /** Waits `ms`, or until woken (a change, a finished check) or aborted. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.o.signal.removeEventListener('abort', done);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
      this.o.signal.addEventListener('abort', done, { once: true });
    });
  }

  private async reportLoop(): Promise<void> {
    const { signal } = this.o;
    let backoff = 100;
    while (!signal.aborted) {
      if (this.pending.size === 0) {
        await new Promise<void>((resolve) => {
          const done = () => {
            signal.removeEventListener('abort', done);
            this.reportWake = undefined;
            resolve();
          };
          this.reportWake = done;
          signal.addEventListener('abort', done, { once: true });
        });
        continue;
      }
      const batch = new Map(this.pending);
      this.pending.clear();
      try {
        await this.o.report([...batch.values()], signal);
        backoff = 100;
      } catch (e) {
        if (signal.aborted) return;
        // A newer state of a check that came meanwhile wins over the one that failed to go.
        const refused = refusedInstance(e);
        for (const [key, tr] of batch) {
          if (!this.pending.has(key) && tr.instance !== refused) this.pending.set(key, tr);
        }
        if (refused !== undefined) continue; // gone from the control plane (or moved): retry the rest at once
        this.o.log.warn(
          { err: isSixpnError(e) ? e.message : String(e), pending: this.pending.size },
          'cannot report checks; retrying',
        );
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
      }
    }
  }
}

/** The instance a 404 names (the control plane refused a report about it), if that is what `e` is. */
function refusedInstance(e: unknown): string | undefined {
  if (!isSixpnError(e) || e.code !== 'not_found') return undefined;
  const name = e.details?.name;
  if (typeof name === 'string') return name;
  return /instance '([^']+)'/.exec(e.message)?.[1];
}
