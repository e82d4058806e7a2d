// Unit tests of the usage table builder: rules fixed whatever the number of hosts and peers, counter names,
// stale objects, validation.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asHostId, defaultPlan } from '../address.ts';
import { SixpnError } from '../errors.ts';
import { parseTableListing } from './listing.ts';
import { buildUsage, parseUsageCounterName, USAGE_TABLE, type UsageSpec, usageCounters } from './usage.ts';

function spec(hosts: number, instances: number, regions = ['ord', 'nrt']): UsageSpec {
  return {
    table: USAGE_TABLE,
    plan: defaultPlan,
    self: asHostId(1),
    region: 'ord',
    hosts: Array.from({ length: hosts }, (_, i) => ({ num: i + 1, region: regions[i % regions.length]! })),
    instances: Array.from({ length: instances }, (_, i) => {
      const id = (i + 1).toString(16).padStart(8, '0');
      return { id, iface: `sxi${id}` };
    }),
  };
}
const count = (b: ReturnType<typeof buildUsage>, kind: string) =>
  b.nftables.filter((c) => JSON.stringify(c).startsWith(`{"add":{"${kind}"`)).length;

test('buildUsage: rules depend on regions only; counters on instances × regions; hosts are map elements', () => {
  const small = buildUsage(spec(2, 1), undefined);
  const big = buildUsage(spec(500, 40), undefined);
  // count: 2 dispatch rules; per direction: vmap + other + one per key (host, r_nrt, r_ord) = 2 + 2 × 5
  assert.equal(count(small, 'rule'), 12);
  assert.equal(count(big, 'rule'), 12);
  assert.equal(count(big, 'counter'), 40 * 2 * 4);
  const vmap = big.nftables.find((c) => JSON.stringify(c).includes('"name":"tx_by_host","elem"'));
  assert.equal((JSON.stringify(vmap).match(/goto/g) ?? []).length, 500);
  assert.deepEqual(buildUsage(spec(500, 40), undefined), big, 'the same spec gives the same batch');
  const three = buildUsage(spec(3, 1, ['ord', 'nrt', 'ams']), undefined);
  assert.equal(count(three, 'rule'), 14, 'a region adds one chain and rule per direction');
});

test('buildUsage: with a listing, flushes its maps and deletes what the spec no longer has', () => {
  const listing = parseTableListing({
    nftables: [
      { table: { family: 'inet', name: USAGE_TABLE } },
      {
        counter: {
          family: 'inet',
          table: USAGE_TABLE,
          name: 'u_000000ff_tx_host',
          handle: 9,
          bytes: 1,
          packets: 1,
        },
      },
      { map: { family: 'inet', table: USAGE_TABLE, name: 'm_tx_r_ams', type: 'ifname', map: 'counter' } },
      { chain: { family: 'inet', table: USAGE_TABLE, name: 'tx_r_ams' } },
    ],
  });
  const text = buildUsage(spec(2, 1), listing).nftables.map((c) => JSON.stringify(c));
  const at = (s: string) => text.findIndex((t) => t.includes(s));
  assert.ok(at('{"flush":{"map"') < at('{"delete":{"chain"'), 'maps are flushed before chains they name go');
  assert.ok(at('"delete":{"counter"') > 0 && at('"delete":{"map"') > 0);
  assert.equal(usageCounters(listing)[0]?.handle, 9);
});

test('counter names round-trip; a bad spec is refused naming the field', () => {
  assert.deepEqual(parseUsageCounterName('u_0000abcd_rx_r_nrt'), {
    instance: '0000abcd',
    dir: 'rx',
    key: 'r_nrt',
  });
  assert.equal(parseUsageCounterName('drop_00000018'), undefined);
  assert.throws(() => buildUsage({ ...spec(1, 1), region: 'Bad!' }, undefined), SixpnError);
  assert.throws(
    () => buildUsage({ ...spec(1, 0), instances: [{ id: 'xyz', iface: 'sxi1' }] }, undefined),
    /instance id 'xyz'/,
  );
});
