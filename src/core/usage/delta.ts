// Turning two reads of the usage counters into the traffic between them, and the report an agent sends. Pure.
// A counter made again (an nft reload, a deleted table, an instance that came back) is recognised by its new
// kernel handle or by a value below the last read: its whole value is then new traffic, never a negative or a
// huge difference.

import type { CounterKey, Direction, Scope, UsageCounter } from '../nft/usage.ts';
import { scopeOfKey } from '../nft/usage.ts';

/** The last read of each counter, by counter name. */
export type Baseline = Record<string, { handle: number; bytes: number; packets: number }>;

/** Traffic of one instance, direction and far end over one interval, as an agent reports it. */
export interface UsageItem {
  instance: string;
  dir: Direction;
  scope: Scope;
  /** Region pair: where the packets came from and went to (`unknown`: a host the agent did not know). */
  src_region: string;
  dst_region: string;
  bytes: number;
  packets: number;
}

/** One report: `(epoch, seq)` names it; the control plane applies each name once. */
export interface UsageReport {
  /** Made once per state directory: a host whose usage state was lost starts a new epoch, never reuses a seq. */
  epoch: string;
  seq: number;
  /** When the counters were read (the interval's end; the interval starts at the previous report's `at`). */
  at: string;
  items: UsageItem[];
}

/**
 * What each counter counted since `prev`, and the new baseline. A counter missing from `prev`, with another
 * handle, or lower than before was made again since: all of its value is new. Zero deltas are left out.
 * Counters gone from `now` leave the baseline (their last interval was read before they were deleted).
 */
export function counterDeltas(
  prev: Baseline,
  now: readonly UsageCounter[],
): { deltas: (CounterKey & { bytes: number; packets: number })[]; next: Baseline } {
  const next: Baseline = {};
  const deltas: (CounterKey & { bytes: number; packets: number })[] = [];
  for (const c of now) {
    next[c.name] = { handle: c.handle, bytes: c.bytes, packets: c.packets };
    const p = prev[c.name];
    const continued =
      p !== undefined && p.handle === c.handle && c.bytes >= p.bytes && c.packets >= p.packets;
    const bytes = continued ? c.bytes - p.bytes : c.bytes;
    const packets = continued ? c.packets - p.packets : c.packets;
    if (bytes > 0 || packets > 0) {
      deltas.push({ instance: c.instance, dir: c.dir, key: c.key, bytes, packets });
    }
  }
  return { deltas, next };
}

/** The report items of counter deltas read on a host of region `own`. */
export function reportItems(
  own: string,
  deltas: readonly (CounterKey & { bytes: number; packets: number })[],
) {
  return deltas.map((d): UsageItem => {
    const s = scopeOfKey(own, d);
    return {
      instance: d.instance,
      dir: d.dir,
      scope: s.scope,
      src_region: s.src,
      dst_region: s.dst,
      bytes: d.bytes,
      packets: d.packets,
    };
  });
}
