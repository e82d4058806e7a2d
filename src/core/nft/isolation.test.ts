// Unit tests for the isolation table builder: batch shape, constant rule count, validation, stale-object cleanup.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  asHostId,
  asInstanceNum,
  asNetworkId,
  defaultPlan,
  hostResolverAddress,
  instancePrefix,
  type NetworkId,
} from '../address.ts';
import { SixpnError } from '../errors.ts';
import { dropCounterName, networkOfCounter } from './counters.ts';
import { buildIsolation, deleteTableBatch, type IsolationSpec } from './isolation.ts';
import type { NftCommand } from './json.ts';
import { parseTableListing, type TableListing } from './listing.ts';

const nets = (n: number) => Array.from({ length: n }, (_, i) => asNetworkId(i + 1));
const N1 = asNetworkId(1);

function hostSpec(networks: NetworkId[], instances = 2): IsolationSpec {
  return {
    table: 'sixpn',
    plan: defaultPlan,
    networks,
    interfaces: ['sxmesh'],
    guards: Array.from({ length: instances }, (_, i) => ({
      iface: `sxi${i}`,
      allowed: [
        instancePrefix(defaultPlan, networks[i % networks.length]!, asHostId(1), asInstanceNum(i + 1)),
      ],
      network: networks[i % networks.length]!,
    })),
    resolvers: [hostResolverAddress(defaultPlan)],
  };
}

const verb = (c: NftCommand) => Object.keys(c)[0]!;
const kindOf = (c: NftCommand) => Object.keys(c[verb(c)] as object)[0]!;
const count = (cmds: NftCommand[], v: string, k: string) =>
  cmds.filter((c) => verb(c) === v && kindOf(c) === k).length;
function elements(cmds: NftCommand[], name: string): number {
  const add = cmds.find(
    (c) => verb(c) === 'add' && kindOf(c) === 'element' && JSON.stringify(c).includes(`"name":"${name}"`),
  );
  const el = (add?.add as { element: { elem: unknown[] } } | undefined)?.element.elem;
  return el?.length ?? 0;
}

test('batch starts by creating and flushing the table, then flushes every set and map', () => {
  const cmds = buildIsolation(hostSpec(nets(2))).nftables;
  assert.deepEqual(cmds[0], { add: { table: { family: 'inet', name: 'sixpn' } } });
  assert.deepEqual(cmds[1], { flush: { table: { family: 'inet', name: 'sixpn' } } });
  assert.equal(count(cmds, 'flush', 'set') + count(cmds, 'flush', 'map'), 7);
  const firstElement = cmds.findIndex((c) => kindOf(c) === 'element');
  const lastFlush = cmds.findLastIndex((c) => verb(c) === 'flush');
  assert.ok(firstElement > lastFlush, 'elements are added after the flushes');
  assert.ok(cmds.findIndex((c) => kindOf(c) === 'rule') > cmds.findLastIndex((c) => kindOf(c) === 'chain'));
});

test('rules are constant; sets, maps and counters grow with networks (and guards)', () => {
  const small = buildIsolation(hostSpec(nets(1), 1)).nftables;
  const big = buildIsolation(hostSpec(nets(1000), 1000)).nftables;
  assert.equal(count(small, 'add', 'rule'), count(big, 'add', 'rule'));
  assert.equal(count(small, 'add', 'rule'), 22);
  assert.equal(count(big, 'add', 'counter'), 1000 + 2);
  assert.equal(elements(big, 'same_net'), 1000);
  assert.equal(elements(big, 'net_counter'), 1000);
  assert.equal(elements(big, 'allowed_src'), 1000);
});

test('same_net holds each network /48 twice (source and destination, masked)', () => {
  const cmds = buildIsolation(hostSpec([asNetworkId(0x18)])).nftables;
  const add = cmds.find((c) => JSON.stringify(c).includes('"name":"same_net","elem"'));
  assert.ok(add);
  assert.deepEqual((add.add as { element: { elem: unknown } }).element.elem, [
    { concat: ['fdaa:0:18::', 'fdaa:0:18::'] },
  ]);
});

test('a DNS redirect port adds the prerouting chain and its two rules', () => {
  const spec = { ...hostSpec(nets(1)), dnsRedirectPort: 5353 };
  const cmds = buildIsolation(spec).nftables;
  assert.equal(count(cmds, 'add', 'chain'), 5);
  assert.equal(count(cmds, 'add', 'rule'), 24);
  assert.ok(JSON.stringify(cmds).includes('{"redirect":{"port":5353}}'));
});

test('building twice gives the same batch', () => {
  assert.deepEqual(buildIsolation(hostSpec(nets(3))), buildIsolation(hostSpec(nets(3))));
});

const invalidSpecs: [string, Partial<IsolationSpec>, RegExp][] = [
  ['a table not named sixpn…', { table: 'filter' }, /sixpn tables only/],
  ['an interface name too long', { interfaces: ['sx0123456789abcdef'] }, /is not an interface name/],
  ['an interface name with a space', { interfaces: ['sx 1'] }, /is not an interface name/],
  [
    'two guards on one interface',
    {
      guards: [
        { iface: 'sxi0', allowed: [] },
        { iface: 'sxi0', allowed: [] },
      ],
    },
    /two spoof guards/,
  ],
  ['a bad redirect port', { dnsRedirectPort: 70000 }, /dnsRedirectPort/],
];
for (const [name, patch, re] of invalidSpecs) {
  test(`buildIsolation rejects ${name}`, () => {
    assert.throws(
      () => buildIsolation({ ...hostSpec(nets(1)), ...patch }),
      (e: unknown) => e instanceof SixpnError && e.code === 'invalid_argument' && re.test(e.message),
    );
  });
}

test('stale objects are deleted in a safe order: sets, (maps flushed, gone elements), chains, counters', () => {
  const listing: TableListing = {
    table: 'sixpn',
    counters: new Map([
      [dropCounterName(N1), { packets: 1, bytes: 2 }],
      [dropCounterName(asNetworkId(9)), { packets: 0, bytes: 0 }],
    ]),
    sets: new Map([
      ['old_set', { kind: 'set', signature: '{}', elements: 0, elem: [] }],
      [
        'resolvers',
        { kind: 'set', signature: '{"type":"ipv4_addr","flags":[],"map":null}', elements: 0, elem: [] },
      ],
    ]),
    chains: new Map([
      ['forward', 4],
      ['old_chain', 1],
    ]),
  };
  const cmds = buildIsolation(hostSpec([N1]), listing).nftables;
  const at = (json: string) => cmds.findIndex((c) => JSON.stringify(c) === json);
  const delChain = at('{"delete":{"chain":{"family":"inet","table":"sixpn","name":"old_chain"}}}');
  const delSet = at('{"delete":{"set":{"family":"inet","table":"sixpn","name":"old_set"}}}');
  const delChanged = at('{"delete":{"set":{"family":"inet","table":"sixpn","name":"resolvers"}}}');
  const delCounter = at('{"delete":{"counter":{"family":"inet","table":"sixpn","name":"drop_00000009"}}}');
  const flushMap = at('{"flush":{"map":{"family":"inet","table":"sixpn","name":"net_counter"}}}');
  for (const i of [delChain, delSet, delChanged, delCounter, flushMap]) assert.ok(i > 1);
  assert.ok(delSet < flushMap && flushMap < delChain && delChain < delCounter);
  assert.equal(cmds.filter((c) => verb(c) === 'delete').length, 4, 'kept objects are not deleted');
});

test('counter names encode the network id', () => {
  assert.equal(dropCounterName(asNetworkId(0x18)), 'drop_00000018');
  assert.equal(networkOfCounter('drop_ffffffff'), 0xffffffff);
  assert.equal(networkOfCounter('drop_00000000'), undefined);
  assert.equal(networkOfCounter('spoofed'), undefined);
});

test('deleteTableBatch only for sixpn tables', () => {
  assert.deepEqual(deleteTableBatch('sixpnx').nftables, [
    { delete: { table: { family: 'inet', name: 'sixpnx' } } },
  ]);
  assert.throws(() => deleteTableBatch('nat'), SixpnError);
});

// The spec that produced testdata/host-listing.json (also in test/runtime/nft-golden.test.ts).
const goldenSpec: IsolationSpec = {
  table: 'sixpn',
  plan: defaultPlan,
  networks: [asNetworkId(0x18), asNetworkId(0x2a)],
  interfaces: ['sxmesh'],
  guards: [
    {
      iface: 'sxi00000001',
      allowed: [instancePrefix(defaultPlan, asNetworkId(0x18), asHostId(7), asInstanceNum(1))],
      network: asNetworkId(0x18),
    },
    {
      iface: 'sxi00000002',
      allowed: [instancePrefix(defaultPlan, asNetworkId(0x2a), asHostId(7), asInstanceNum(2))],
      network: asNetworkId(0x2a),
    },
  ],
  resolvers: [hostResolverAddress(defaultPlan)],
};
const goldenListing = parseTableListing(
  readFileSync(new URL('./testdata/host-listing.json', import.meta.url), 'utf8'),
);

test('with the listing, elements nft already holds are neither flushed nor re-added (same text as nft prints)', () => {
  const cmds = buildIsolation(goldenSpec, goldenListing).nftables;
  assert.equal(count(cmds, 'add', 'element') + count(cmds, 'delete', 'element'), 0);
  assert.equal(count(cmds, 'flush', 'set') + count(cmds, 'flush', 'map'), 0);
  assert.equal(
    count(cmds, 'delete', 'counter') + count(cmds, 'delete', 'set') + count(cmds, 'delete', 'chain'),
    0,
  );
});

test('with the listing, a changed guard is one element out and one in; a map entry is deleted by key', () => {
  const moved = {
    ...goldenSpec,
    guards: [goldenSpec.guards[0]!, { ...goldenSpec.guards[1]!, iface: 'sxi00000003' }],
  };
  const cmds = buildIsolation(moved, goldenListing).nftables;
  const json = (c: NftCommand) => JSON.stringify(c);
  const dels = cmds.filter((c) => verb(c) === 'delete').map(json);
  assert.ok(
    dels.includes(
      '{"delete":{"element":{"family":"inet","table":"sixpn","name":"iface_counter","elem":["sxi00000002"]}}}',
    ),
  );
  assert.equal(dels.length, 4, 'sixpn_ifaces, guarded, allowed_src, iface_counter');
  const adds = cmds.filter((c) => verb(c) === 'add' && kindOf(c) === 'element');
  assert.equal(adds.length, 4);
  assert.ok(adds.every((c) => (c.add as { element: { elem: unknown[] } }).element.elem.length === 1));
});
