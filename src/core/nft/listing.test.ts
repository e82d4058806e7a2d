// Unit tests for reading `nft -j list table` output (a golden listing taken from nft 1.0.6).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { asNetworkId } from '../address.ts';
import { SixpnError } from '../errors.ts';
import { networkDrops, parseTableListing, ruleCount } from './listing.ts';

const golden = readFileSync(new URL('./testdata/host-listing.json', import.meta.url), 'utf8');

test('parseTableListing reads counters, sets, maps and rules of a real listing', () => {
  const l = parseTableListing(golden);
  assert.equal(l.table, 'sixpn');
  assert.deepEqual([...l.counters.keys()], ['spoofed', 'drop_other', 'drop_00000018', 'drop_0000002a']);
  assert.equal(l.sets.get('same_net')?.elements, 2);
  assert.equal(l.sets.get('net_counter')?.kind, 'map');
  assert.equal(
    l.sets.get('allowed_src')?.signature,
    '{"type":["ifname","ipv6_addr"],"flags":["interval"],"map":null}',
  );
  assert.deepEqual(Object.fromEntries(l.chains), { spoofed: 4, blocked: 2, forward: 8, input: 8 });
  assert.equal(ruleCount(l), 22);
});

test('networkDrops maps drop_<hex> counters to network ids', () => {
  const doc = JSON.parse(golden) as { nftables: Record<string, { name?: string; packets?: number }>[] };
  for (const o of doc.nftables) if (o.counter?.name === 'drop_0000002a') o.counter.packets = 7;
  const drops = networkDrops(parseTableListing(doc));
  assert.deepEqual([...drops.keys()], [asNetworkId(0x18), asNetworkId(0x2a)]);
  assert.equal(drops.get(asNetworkId(0x2a))?.packets, 7);
});

test('parseTableListing rejects what is not a listing', () => {
  assert.throws(() => parseTableListing('not json'), SixpnError);
  assert.throws(() => parseTableListing('{"x":1}'), /no "nftables" array/);
});
