// Unit tests of the gateway's usage table: nothing in the batch per peer, sets kept across re-applies (never
// flushed: their elements hold the counters), stale regions deleted, and elements read back as peer counters.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SixpnError } from '../errors.ts';
import { parseTableListing } from './listing.ts';
import { buildPeerUsage, PEER_USAGE_TABLE, type PeerUsageSpec, peerUsageCounters } from './peer-usage.ts';

function spec(hosts: number, regions = ['ord', 'nrt']): PeerUsageSpec {
  return {
    table: PEER_USAGE_TABLE,
    self: 1000,
    region: 'ord',
    hosts: [
      ...Array.from({ length: hosts }, (_, i) => ({ num: i + 1, region: regions[i % regions.length]! })),
      { num: 1000, region: 'ord' },
    ],
    peerIface: 'sxpeers0',
  };
}
const texts = (b: ReturnType<typeof buildPeerUsage>) => b.nftables.map((c) => JSON.stringify(c));
const count = (b: ReturnType<typeof buildPeerUsage>, kind: string) =>
  texts(b).filter((t) => t.startsWith(`{"add":{"${kind}"`)).length;

test('buildPeerUsage: rules and sets depend on regions only; hosts are map elements; no peer anywhere', () => {
  const small = buildPeerUsage(spec(2), undefined);
  const big = buildPeerUsage(spec(500), undefined);
  // count: 2 dispatch rules; per direction: pruned return + vmap + other + one per region (r_nrt, r_ord) = 2 + 2 × 5
  assert.equal(count(small, 'rule'), 12);
  assert.equal(count(big, 'rule'), 12);
  assert.equal(count(big, 'set'), 2 * 3 + 1, 'one peer set per direction and key, and pruned');
  const first = texts(big).find((t) => t.includes('"rule"') && t.includes('"chain":"rx"'))!;
  assert.match(
    first,
    /"daddr"\}\},"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00"\]\},"right":"@pruned"\}\},\{"return":null\}/,
  );
  assert.equal(count(big, 'counter'), 0, 'no named counters');
  const vmap = texts(big).find((t) => t.includes('"name":"tx_by_host","elem"'))!;
  assert.equal((vmap.match(/goto/g) ?? []).length, 501, 'every host once, this gateway included');
  assert.match(vmap, /\["::3e8:0:0:0",\{"goto":\{"target":"tx_r_ord"\}\}\]/, 'peer to peer: its own region');
  assert.deepEqual(buildPeerUsage(spec(500), undefined), big, 'the same spec gives the same batch');
  const set = texts(big).find((t) => t.includes('"name":"p_rx_r_nrt"'))!;
  assert.match(set, /"size":65536,"stmt":\[\{"counter":null\}\]/, 'elements carry counters');
  const update = texts(big).find((t) => t.includes('"op":"update"') && t.includes('@p_tx_r_ord'))!;
  assert.match(update, /"saddr"\}\},"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00"/, 'tx: the source /120');
});

test('buildPeerUsage: a re-apply keeps the peer sets, refills the host maps, deletes a region that left', () => {
  const set = (name: string, handle: number, elem: unknown[] = []) => ({
    set: { family: 'inet', table: PEER_USAGE_TABLE, name, type: 'ipv6_addr', handle, size: 65536, elem },
  });
  const listing = parseTableListing({
    nftables: [
      { table: { family: 'inet', name: PEER_USAGE_TABLE } },
      set('p_tx_r_ord', 3),
      set('p_tx_r_ams', 4),
      {
        map: {
          family: 'inet',
          table: PEER_USAGE_TABLE,
          name: 'tx_by_host',
          type: 'ipv6_addr',
          map: 'verdict',
        },
      },
      { chain: { family: 'inet', table: PEER_USAGE_TABLE, name: 'tx_r_ams' } },
    ],
  });
  const text = texts(buildPeerUsage(spec(2), listing));
  assert.ok(
    !text.some((t) => t.includes('"add":{"set"') && t.includes('"p_tx_r_ord"')),
    'kept, not re-added',
  );
  assert.ok(!text.some((t) => t.startsWith('{"flush":{"set"')), 'no peer set is flushed');
  assert.ok(
    text.includes(`{"flush":{"map":{"family":"inet","table":"${PEER_USAGE_TABLE}","name":"tx_by_host"}}}`),
  );
  assert.ok(
    text.some((t) => t.includes('"delete":{"set"') && t.includes('"p_tx_r_ams"')),
    'ams left',
  );
  assert.ok(text.some((t) => t.includes('"delete":{"chain"') && t.includes('"tx_r_ams"')));
  assert.ok(
    text.some((t) => t.includes('"add":{"set"') && t.includes('"p_rx_r_nrt"')),
    'missing ones added',
  );
  assert.throws(() => buildPeerUsage({ ...spec(1), region: 'Bad!' }, undefined), SixpnError);
  assert.throws(() => buildPeerUsage({ ...spec(1), peerIface: 'no such iface!' }, undefined), SixpnError);
});

test('peerUsageCounters: one counter per element, named by the peer address, with the set handle', () => {
  const elem = (val: string, bytes: number, packets: number) => ({
    elem: { val, counter: { bytes, packets } },
  });
  const listing = parseTableListing({
    nftables: [
      {
        set: {
          family: 'inet',
          table: PEER_USAGE_TABLE,
          name: 'p_tx_r_ord',
          handle: 7,
          type: 'ipv6_addr',
          elem: [elem('fdaa:0:18:0:9::100', 1500, 3), elem('fdaa:0:18:0:9::200', 80, 1)],
        },
      },
      {
        set: {
          family: 'inet',
          table: PEER_USAGE_TABLE,
          name: 'p_rx_other',
          handle: 8,
          type: 'ipv6_addr',
          elem: [elem('fdaa:0:18:0:9::100', 60, 1)],
        },
      },
      {
        set: {
          family: 'inet',
          table: PEER_USAGE_TABLE,
          name: 'unrelated',
          handle: 9,
          type: 'ipv6_addr',
          elem: ['::1'],
        },
      },
    ],
  });
  assert.deepEqual(
    peerUsageCounters(listing).map((c) => [c.name, c.peer, c.dir, c.key, c.handle, c.bytes, c.packets]),
    [
      ['p_fdaa:0:18:0:9::102_rx_other', 'fdaa:0:18:0:9::102', 'rx', 'other', 8, 60, 1],
      ['p_fdaa:0:18:0:9::102_tx_r_ord', 'fdaa:0:18:0:9::102', 'tx', 'r_ord', 7, 1500, 3],
      ['p_fdaa:0:18:0:9::202_tx_r_ord', 'fdaa:0:18:0:9::202', 'tx', 'r_ord', 7, 80, 1],
    ],
  );
});
