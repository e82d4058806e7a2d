// Unit tests of pruning the gateway's usage table: which elements go (peers that left, once their last values were
// recorded), when a pruned /120 is released, the batch, and a simulated kernel run through the spool's reads:
// nothing is counted twice, nothing read is lost, and a peer that comes back starts from zero.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recordRead, type SpoolState } from '../../runtime/usage-spool.ts';
import type { Baseline } from '../usage/delta.ts';
import { parseTableListing, type TableListing } from './listing.ts';
import {
  PEER_USAGE_TABLE,
  peerUsageCounters,
  planPeerUsagePrune,
  prunePeerUsageBatch,
} from './peer-usage.ts';

const A = 'fdaa:0:18:0:9::102'; // peers by address (their /120 + 2); the sets hold the /120 base
const B = 'fdaa:0:18:0:9::202';
const baseOf = (peer: string) => peer.replace(/2$/, '0');

/** A tiny kernel: counter sets of elements (by /120 base) and the `pruned` set; set handles fixed. */
class Kernel {
  sets = new Map<string, Map<string, { bytes: number; packets: number }>>([
    ['p_tx_r_ord', new Map()],
    ['p_rx_r_ord', new Map()],
  ]);
  pruned = new Set<string>();

  /** Packets of `peer` in direction `dir`: counted unless its /120 is pruned (the `return` rule). */
  send(peer: string, dir: 'tx' | 'rx', bytes: number, packets = 1): void {
    const base = baseOf(peer);
    if (this.pruned.has(base)) return;
    const set = this.sets.get(`p_${dir}_r_ord`)!;
    const e = set.get(base) ?? { bytes: 0, packets: 0 };
    set.set(base, { bytes: e.bytes + bytes, packets: e.packets + packets });
  }

  listing(): TableListing {
    const set = (name: string, handle: number, elem: unknown[]) => ({
      set: { family: 'inet', table: PEER_USAGE_TABLE, name, handle, type: 'ipv6_addr', elem },
    });
    return parseTableListing({
      nftables: [
        ...[...this.sets].map(([name, m], i) =>
          set(
            name,
            10 + i,
            [...m].map(([val, counter]) => ({ elem: { val, counter } })),
          ),
        ),
        set('pruned', 20, [...this.pruned]),
      ],
    });
  }

  /** Applies add/delete element commands in order, as one transaction. */
  apply(batch: { nftables: Record<string, unknown>[] }): void {
    for (const c of batch.nftables) {
      const [op, body] = Object.entries(c)[0] as [string, { element: { name: string; elem: string[] } }];
      const { name, elem } = body.element;
      for (const v of elem) {
        if (name === 'pruned') {
          if (op === 'add') this.pruned.add(v);
          else this.pruned.delete(v);
        } else if (op === 'add' && !this.sets.get(name)!.has(v))
          this.sets.get(name)!.set(v, { bytes: 0, packets: 0 });
        else if (op === 'delete') this.sets.get(name)!.delete(v);
      }
    }
  }

  elementsOf(peer: string): number {
    return [...this.sets.values()].filter((m) => m.has(baseOf(peer))).length;
  }
}

const recorded = (k: Kernel): Baseline => {
  const b: Baseline = {};
  for (const c of peerUsageCounters(k.listing()))
    b[c.name] = { handle: c.handle, bytes: c.bytes, packets: c.packets };
  return b;
};

test('planPeerUsagePrune: retires a peer that left once all its elements were recorded at their listed values', () => {
  const k = new Kernel();
  k.send(A, 'tx', 100);
  k.send(B, 'tx', 200);
  k.send(B, 'rx', 50);
  const all = recorded(k);
  const plan = planPeerUsagePrune(k.listing(), [A], all);
  assert.deepEqual(
    plan.retire.map((r) => [r.base, r.elements.map((e) => e.set).sort()]),
    [[0xfdaa_0000_0018_0000_0009_0000_0000_0200n, ['p_rx_r_ord', 'p_tx_r_ord']]],
  );
  assert.deepEqual(plan.release, []);
  assert.deepEqual(planPeerUsagePrune(k.listing(), [A, B], all), { retire: [], release: [] }, 'both wanted');
  const cases: [string, Baseline][] = [
    ['grew since the read', { ...all, [`p_${B}_tx_r_ord`]: { handle: 10, bytes: 150, packets: 1 } }],
    ['another set handle', { ...all, [`p_${B}_rx_r_ord`]: { handle: 99, bytes: 50, packets: 1 } }],
    [
      'one element never read',
      Object.fromEntries(Object.entries(all).filter(([n]) => n !== `p_${B}_rx_r_ord`)),
    ],
  ];
  for (const [why, baseline] of cases) {
    assert.deepEqual(planPeerUsagePrune(k.listing(), [A], baseline).retire, [], why);
  }
});

test('planPeerUsagePrune: a pruned /120 is released only when no element and no recorded counter is left', () => {
  const k = new Kernel();
  k.pruned.add(baseOf(A));
  k.pruned.add(baseOf(B));
  const stillRecorded: Baseline = { [`p_${B}_tx_r_ord`]: { handle: 10, bytes: 5, packets: 1 } };
  const plan = planPeerUsagePrune(k.listing(), [], stillRecorded);
  assert.deepEqual(plan, { retire: [], release: [0xfdaa_0000_0018_0000_0009_0000_0000_0100n] });
  assert.deepEqual(planPeerUsagePrune(k.listing(), [A], {}).release.length, 2, 'desired or not');
});

test('prunePeerUsageBatch: retire joins pruned and deletes elements; release leaves pruned; each delete after an add', () => {
  const plan = {
    retire: [{ base: 0x100n, elements: [{ set: 'p_tx_r_ord', base: 0x100n }] }],
    release: [0x200n],
  };
  const e = (name: string, v: string) => ({
    element: { family: 'inet', table: PEER_USAGE_TABLE, name, elem: [v] },
  });
  assert.deepEqual(prunePeerUsageBatch(PEER_USAGE_TABLE, plan), {
    nftables: [
      { add: e('pruned', '::200') },
      { delete: e('pruned', '::200') },
      { add: e('pruned', '::100') },
      { add: e('p_tx_r_ord', '::100') },
      { delete: e('p_tx_r_ord', '::100') },
    ],
  });
  assert.equal(
    prunePeerUsageBatch(PEER_USAGE_TABLE, { retire: [], release: [] }),
    undefined,
    'nothing to do',
  );
  assert.throws(() => prunePeerUsageBatch('bad table!', plan), /table/);
});

test('reads and prunes: every byte reported once, the elements go, and a peer back with the address starts at zero', () => {
  const k = new Kernel();
  let s: SpoolState = { epoch: 'e1', seq: 0, baseline: {} };
  const reported = new Map<string, number>();
  /** One read as the usage task does it: record, then prune rounds each followed by a read. */
  const read = (desired: string[]) => {
    const record = () => {
      const r = recordRead(s, peerUsageCounters(k.listing()), '2030-01-01T00:00:00Z', 'ord');
      s = r.state;
      for (const i of r.file?.reports.flatMap((x) => x.items) ?? [])
        reported.set(`${i.peer}_${i.dir}`, (reported.get(`${i.peer}_${i.dir}`) ?? 0) + i.bytes);
    };
    record();
    for (let round = 0; round < 3; round++) {
      const batch = prunePeerUsageBatch(
        PEER_USAGE_TABLE,
        planPeerUsagePrune(k.listing(), desired, s.baseline),
      );
      if (!batch) return;
      k.apply(batch);
      k.apply(batch); // idempotent: a second apply changes nothing
      record();
    }
  };
  k.send(A, 'tx', 1000);
  k.send(B, 'tx', 300);
  read([A, B]);
  k.send(B, 'tx', 70); // B's last bytes, then B is removed
  k.send(B, 'rx', 20);
  read([A]);
  assert.deepEqual(Object.fromEntries(reported), { [`${A}_tx`]: 1000, [`${B}_tx`]: 370, [`${B}_rx`]: 20 });
  assert.equal(k.elementsOf(B), 0, "B's elements are gone");
  assert.equal(k.pruned.size, 0, 'released in the same read');
  assert.ok(!Object.keys(s.baseline).some((n) => n.includes(B)), 'B left the baseline');
  read([A]);
  assert.equal(reported.get(`${B}_tx`), 370, 'nothing more for B');
  // B comes back with the same address: its new element starts from zero and all of it is new traffic.
  k.send(B, 'tx', 5);
  read([A, B]);
  assert.equal(reported.get(`${B}_tx`), 375);
  assert.equal(k.elementsOf(B), 1);
  assert.equal(s.seq, 3, 'one report per read with traffic, no more');
});
