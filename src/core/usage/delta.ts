// Turning two reads of the usage counters into the traffic between them, and the report an agent sends. Pure.
// A counter made again (an nft reload, a deleted table, an instance that came back) is recognised by its new
// kernel handle or by a value below the last read: its whole value is then new traffic, never a negative or a
// huge difference.

import type { CounterKey, CounterRead, Direction, Scope } from '../nft/usage.ts';
import { scopeOfKey } from '../nft/usage.ts';

/** What one counter counted over an interval. */
export type Delta = CounterKey & { bytes: number; packets: number };

/** The last read of each counter, by counter name. */
export type Baseline = Record<string, { handle: number; bytes: number; packets: number }>;

/**
 * Traffic of one instance (agents) or one peer (gateways: the peer's address), direction and far end over one
 * interval. Exactly one of `instance` and `peer`.
 */
export interface UsageItem {
  instance?: string;
  peer?: string;
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
  now: readonly (CounterKey & CounterRead)[],
): { deltas: Delta[]; next: Baseline } {
  const next: Baseline = {};
  const deltas: Delta[] = [];
  for (const c of now) {
    next[c.name] = { handle: c.handle, bytes: c.bytes, packets: c.packets };
    const p = prev[c.name];
    const continued =
      p !== undefined && p.handle === c.handle && c.bytes >= p.bytes && c.packets >= p.packets;
    const bytes = continued ? c.bytes - p.bytes : c.bytes;
    const packets = continued ? c.packets - p.packets : c.packets;
    if (bytes > 0 || packets > 0) {
      const who = 'peer' in c ? { peer: c.peer } : { instance: c.instance };
      deltas.push({ ...who, dir: c.dir, key: c.key, bytes, packets });
    }
  }
  return { deltas, next };
}

/** The report items of counter deltas read on a host or gateway of region `own`. */
export function reportItems(own: string, deltas: readonly Delta[]) {
  return deltas.map((d): UsageItem => {
    const s = scopeOfKey(own, d);
    return {
      ...('peer' in d ? { peer: d.peer } : { instance: d.instance }),
      dir: d.dir,
      scope: s.scope,
      src_region: s.src,
      dst_region: s.dst,
      bytes: d.bytes,
      packets: d.packets,
    };
  });
}

/**
 * `report` without the items the control plane refused (the `instances`/`peers` its 404 names: deleted since the
 * counters were read, or never this node's), or undefined when nothing else is left. The control plane stored
 * nothing of the refused report, so sending the rest under the same `(epoch, seq)` still applies it once.
 */
export function withoutRefused(
  report: UsageReport,
  refused: { instances?: unknown; peers?: unknown },
): UsageReport | undefined {
  const ids = (v: unknown) => new Set(Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []);
  const instances = ids(refused.instances);
  const peers = ids(refused.peers);
  const items = report.items.filter(
    (i) =>
      !(i.instance !== undefined && instances.has(i.instance)) &&
      !(i.peer !== undefined && peers.has(i.peer)),
  );
  if (items.length === report.items.length || items.length === 0) return undefined;
  return { ...report, items };
}
