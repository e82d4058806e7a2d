// What the agent's health checker does, without clocks or sockets: which checks run on this host (the started
// instances placed here that a pass has set up, of apps with checks), when each runs (first soon after it
// appears, then on a fixed phase of its interval so a host's checks spread out), and which results are
// transitions to report (passing ↔ critical; failures within the grace period of a start do not count). Pure.

import { compareText } from '../core/compare.ts';
import type { Check, Health, Instance } from '../core/model.ts';
import type { LocalState } from '../core/state.ts';

/** One check of one instance. */
export interface CheckTarget {
  /** `<instance id>/<check name>`. */
  key: string;
  instance: string;
  /** The instance's 6PN address: checks go to it from the host side. */
  address: string;
  check: Check;
}

/** What the agent knows of a check before it has run once since the instance started (or the check changed). */
export type CheckState = Health | 'unknown';

/** A transition to report. */
export interface Transition {
  instance: string;
  check: string;
  status: Health;
  output: string;
}

/**
 * The checks this host runs: of each started instance placed here with an address that the last pass set up
 * (`ready`), every check of its app. Sorted by key.
 */
export function checkTargets(state: LocalState, host: string, ready: ReadonlySet<string>): CheckTarget[] {
  const appChecks = new Map<string, Check[]>();
  for (const a of state.all('app')) {
    if ((a.checks?.length ?? 0) > 0) appChecks.set(`${a.org}\0${a.name}`, a.checks ?? []);
  }
  const out: CheckTarget[] = [];
  if (appChecks.size === 0) return out;
  for (const i of state.all('instance') as Instance[]) {
    if (i.host !== host || i.state !== 'started' || !i.address || !ready.has(i.id)) continue;
    for (const check of appChecks.get(`${i.org}\0${i.app}`) ?? []) {
      out.push({ key: `${i.id}/${check.name}`, instance: i.id, address: i.address, check });
    }
  }
  return out.sort((a, b) => compareText(a.key, b.key));
}

/** A stable hash of a key (FNV-1a, 32 bits): the check's phase, the same on every run of the agent. */
export function keyHash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** First run of a new check: within the first second (or interval), spread by key, so a new instance serves soon. */
export function firstRunAt(now: number, key: string, intervalMs: number): number {
  return now + (keyHash(key) % Math.min(1000, intervalMs));
}

/**
 * The run after one that began at `ranAt`: the first time of the check's phase (`keyHash % interval`, so a host's
 * checks spread over the interval) at least half an interval later. On phase, that is exactly one interval.
 */
export function nextRunAt(ranAt: number, key: string, intervalMs: number): number {
  const phase = keyHash(key) % intervalMs;
  const earliest = ranAt + intervalMs / 2;
  const k = Math.ceil((earliest - phase) / intervalMs);
  return k * intervalMs + phase;
}

/**
 * The state after a run. A pass makes it passing; a failure makes it critical, except while it has not passed
 * yet within `grace` ms of `since` (the instance's start as this agent saw it): then it stays unknown.
 */
export function afterRun(
  state: CheckState,
  ok: boolean,
  now: number,
  since: number,
  graceMs: number,
): CheckState {
  if (ok) return 'passing';
  if (state === 'unknown' && now - since < graceMs) return 'unknown';
  return 'critical';
}

/** One check the agent tracks. */
export interface Track {
  target: CheckTarget;
  /** The check's definition as text: a change restarts it. */
  spec: string;
  state: CheckState;
  /** When this agent first saw the instance ready (grace periods count from it). */
  since: number;
  next: number;
  running: boolean;
}

/**
 * The checks of a host and their schedule. `sync` follows the targets (new ones run soon; changed ones begin
 * again; gone ones are dropped), `due` hands out runs, `done` records a result and returns the transition to
 * report, if any. Times are ms of an injected clock.
 */
export class CheckPlan {
  readonly tracks = new Map<string, Track>();
  private readonly readySince = new Map<string, number>();

  sync(targets: readonly CheckTarget[], now: number): void {
    const keep = new Set<string>();
    const instances = new Set<string>();
    for (const t of targets) {
      keep.add(t.key);
      instances.add(t.instance);
      const since = this.readySince.get(t.instance) ?? now;
      this.readySince.set(t.instance, since);
      const spec = JSON.stringify([t.address, t.check]);
      const old = this.tracks.get(t.key);
      if (old && old.spec === spec) {
        old.target = t;
        continue;
      }
      this.tracks.set(t.key, {
        target: t,
        spec,
        state: 'unknown',
        since,
        next: firstRunAt(now, t.key, t.check.interval_ms),
        running: old?.running ?? false,
      });
    }
    for (const key of this.tracks.keys()) if (!keep.has(key)) this.tracks.delete(key);
    for (const id of this.readySince.keys()) if (!instances.has(id)) this.readySince.delete(id);
  }

  /** Up to `max` checks due at `now` that are not running, earliest first; they are marked running. */
  due(now: number, max: number): Track[] {
    const out: Track[] = [];
    if (max <= 0) return out;
    for (const t of this.tracks.values()) if (!t.running && t.next <= now) out.push(t);
    out.sort((a, b) => a.next - b.next);
    const picked = out.slice(0, max);
    for (const t of picked) t.running = true;
    return picked;
  }

  /**
   * Records the result of the run of `key` that began at `ranAt`; the transition to report, if the state moved
   * to passing or critical. A result for a track that changed or left meanwhile is dropped.
   */
  done(
    key: string,
    spec: string,
    ranAt: number,
    now: number,
    ok: boolean,
    output: string,
  ): Transition | undefined {
    const t = this.tracks.get(key);
    if (!t) return undefined;
    t.running = false;
    if (t.spec !== spec) return undefined;
    t.next = nextRunAt(ranAt, key, t.target.check.interval_ms);
    const state = afterRun(t.state, ok, now, t.since, t.target.check.grace_period_ms);
    if (state === t.state) return undefined;
    t.state = state;
    if (state === 'unknown') return undefined;
    return { instance: t.target.instance, check: t.target.check.name, status: state, output };
  }

  /** The earliest time a check not running is due; undefined when none is tracked. */
  nextWake(): number | undefined {
    let min: number | undefined;
    for (const t of this.tracks.values()) if (!t.running && (min === undefined || t.next < min)) min = t.next;
    return min;
  }
}
