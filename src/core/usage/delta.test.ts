// Table tests of the usage deltas: continued counters, counters made again (reload, reset), zero intervals.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { UsageCounter } from '../nft/usage.ts';
import { type Baseline, counterDeltas, reportItems, type UsageItem, withoutRefused } from './delta.ts';

const c = (name: string, handle: number, bytes: number, packets = 1): UsageCounter => {
  const [, instance, dir, ...key] = name.split('_');
  return { name, instance: instance!, dir: dir as 'tx' | 'rx', key: key.join('_'), handle, bytes, packets };
};
const N = 'u_00000001_tx_r_ord';

test('counterDeltas: each case gives the traffic since the last read, never negative or counted twice', () => {
  const cases: { name: string; prev: Baseline; now: UsageCounter[]; bytes: number | undefined }[] = [
    { name: 'first read of a new counter: all of it', prev: {}, now: [c(N, 5, 900)], bytes: 900 },
    {
      name: 'same handle, grown: the difference',
      prev: { [N]: { handle: 5, bytes: 900, packets: 1 } },
      now: [c(N, 5, 1500, 3)],
      bytes: 600,
    },
    {
      name: 'nothing new: no item',
      prev: { [N]: { handle: 5, bytes: 900, packets: 1 } },
      now: [c(N, 5, 900, 1)],
      bytes: undefined,
    },
    {
      name: 'made again (new handle) and already past the old value: its own value, not the difference',
      prev: { [N]: { handle: 5, bytes: 900, packets: 1 } },
      now: [c(N, 77, 4000, 9)],
      bytes: 4000,
    },
    {
      name: 'reset under the same handle (value fell): its value, never negative',
      prev: { [N]: { handle: 5, bytes: 900, packets: 9 } },
      now: [c(N, 5, 100, 2)],
      bytes: 100,
    },
  ];
  for (const k of cases) {
    const { deltas, next } = counterDeltas(k.prev, k.now);
    assert.equal(deltas[0]?.bytes, k.bytes, k.name);
    assert.deepEqual(next[N], {
      handle: k.now[0]!.handle,
      bytes: k.now[0]!.bytes,
      packets: k.now[0]!.packets,
    });
    // Reading the same values again right after gives nothing: an interval is never counted twice.
    assert.deepEqual(counterDeltas(next, k.now).deltas, [], k.name);
  }
});

test('counterDeltas: a deleted counter leaves the baseline; reportItems gives scope and region pair', () => {
  const { deltas, next } = counterDeltas({ gone: { handle: 1, bytes: 1, packets: 1 } }, [
    c('u_00000001_tx_host', 1, 10),
    c('u_00000001_rx_r_nrt', 2, 20),
    c('u_00000001_tx_r_ord', 3, 30),
    c('u_00000001_tx_other', 4, 40),
  ]);
  assert.equal(next.gone, undefined);
  assert.deepEqual(
    reportItems('ord', deltas).map((i) => [i.dir, i.scope, i.src_region, i.dst_region, i.bytes]),
    [
      ['tx', 'host', 'ord', 'ord', 10],
      ['rx', 'interregion', 'nrt', 'ord', 20],
      ['tx', 'region', 'ord', 'ord', 30],
      ['tx', 'interregion', 'ord', 'unknown', 40],
    ],
  );
});

test("counterDeltas and reportItems: a gateway's peer counters become peer items of scope region or interregion", () => {
  const p = (name: string, handle: number, bytes: number) => {
    const [, peer, dir, ...key] = name.split('_');
    return { name, peer: peer!, dir: dir as 'tx' | 'rx', key: key.join('_'), handle, bytes, packets: 1 };
  };
  const prev: Baseline = { 'p_fdaa:0:18:0:9::102_tx_r_ord': { handle: 7, bytes: 1000, packets: 1 } };
  const { deltas } = counterDeltas(prev, [
    p('p_fdaa:0:18:0:9::102_tx_r_ord', 7, 1500),
    // the set made again (new handle): all of it, never 300 - 1000
    p('p_fdaa:0:18:0:9::102_rx_r_nrt', 8, 300),
  ]);
  assert.deepEqual(reportItems('ord', deltas), [
    {
      peer: 'fdaa:0:18:0:9::102',
      dir: 'tx',
      scope: 'region',
      src_region: 'ord',
      dst_region: 'ord',
      bytes: 500,
      packets: 0,
    },
    {
      peer: 'fdaa:0:18:0:9::102',
      dir: 'rx',
      scope: 'interregion',
      src_region: 'nrt',
      dst_region: 'ord',
      bytes: 300,
      packets: 1,
    },
  ]);
});

test('withoutRefused: drops exactly the refused instances and peers, keeps the name, nothing when none or all go', () => {
  const item = (o: { instance?: string; peer?: string }): UsageItem => ({
    ...o,
    dir: 'tx',
    scope: 'region',
    src_region: 'ord',
    dst_region: 'ord',
    bytes: 10,
    packets: 1,
  });
  const report = { epoch: 'ab12cd34', seq: 7, at: '2026-12-05T10:00:00.000Z' };
  const items = [item({ instance: 'a' }), item({ instance: 'b' }), item({ peer: 'fdaa:0:1::5' })];
  const cases: { name: string; refused: Record<string, unknown>; left: UsageItem[] | undefined }[] = [
    { name: 'one deleted instance', refused: { instances: ['b'] }, left: [items[0]!, items[2]!] },
    { name: 'a deleted peer', refused: { peers: ['fdaa:0:1::5'] }, left: [items[0]!, items[1]!] },
    {
      name: 'every item refused: nothing to send',
      refused: { instances: ['a', 'b'], peers: ['fdaa:0:1::5'] },
      left: undefined,
    },
    {
      name: 'names none of the items: not this kind of refusal',
      refused: { instances: ['z'] },
      left: undefined,
    },
    { name: 'no details', refused: {}, left: undefined },
    { name: 'details of the wrong shape', refused: { instances: 'a', peers: [5] }, left: undefined },
  ];
  for (const c of cases) {
    const got = withoutRefused({ ...report, items }, c.refused);
    assert.deepEqual(got, c.left && { ...report, items: c.left }, c.name);
  }
});
