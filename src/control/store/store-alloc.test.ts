// Store suite, part 3: allocation. Network and host numbers are never reused; instances go to the
// least-loaded host and get `…:2` addresses inside their network's /48 and their host's /80; peers go to the
// least-loaded gateway and the lowest free /120.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachBackend } from '../../../test/support/postgres.ts';
import {
  asHostId,
  asNetworkId,
  asPeerIndex,
  contains,
  defaultPlan,
  hostPrefix,
  networkPrefix,
  parseIPv6,
  peerPrefix,
} from '../../core/address.ts';
import { seededRandom } from '../../core/seeded-random.ts';
import {
  deterministic,
  rejectsWith,
  rejectsWithoutWrite,
  seedFleet,
  steppingClock,
  wgKey,
} from './test-fixtures.ts';

forEachBackend('store allocation', (b) => {
  test('network numbers are never reused, even after deletes', async () => {
    const s = await b.open(deterministic());
    await s.createOrg('acme'); // default = 1
    const n2 = await s.createNetwork('acme', 'two');
    await s.deleteNetwork('acme', 'two');
    const n3 = await s.createNetwork('acme', 'two');
    assert.deepEqual([n2.num, n3.num], [2, 3]);
    await s.deleteOrg('acme');
    await s.createOrg('acme');
    assert.deepEqual(
      (await s.listNetworks('acme')).map((n) => n.num),
      [4],
    );
  });

  test('host numbers: one sequence for hosts and gateways, from 1, never reused', async () => {
    const s = await b.open(deterministic());
    await s.createRegion({ code: 'ord', name: 'Chicago', lat: 41.98, lon: -87.9 });
    const nums = [];
    for (const [name, role] of [
      ['a', 'host'],
      ['b', 'gateway'],
      ['c', 'host'],
    ] as const) {
      nums.push((await s.createHost({ name, region: 'ord', role })).num);
    }
    await s.deleteHost('c');
    nums.push((await s.createHost({ name: 'c', region: 'ord', role: 'host' })).num);
    assert.deepEqual(nums, [1, 2, 3, 4]);
  });

  test('placement: least-loaded host of the region, ties by name, pinning', async () => {
    const s = await b.open(deterministic());
    await seedFleet(s);
    const placed = [];
    for (let i = 0; i < 5; i++)
      placed.push((await s.createInstance({ org: 'acme', app: 'web', region: 'ord' })).host);
    assert.deepEqual(placed, ['ord-1', 'ord-2', 'ord-1', 'ord-2', 'ord-1']);
    const pinned = await s.createInstance({ org: 'acme', app: 'batch', region: 'ord', host: 'ord-1' });
    assert.equal(pinned.host, 'ord-1');
    // ord-1 now has 4, ord-2 has 2: the next two go to ord-2
    assert.equal((await s.createInstance({ org: 'acme', app: 'web', region: 'ord' })).host, 'ord-2');
    assert.equal((await s.createInstance({ org: 'acme', app: 'web', region: 'ord' })).host, 'ord-2');
  });

  test('a region without hosts is failed_precondition naming the regions that have hosts', async () => {
    const s = await b.open(deterministic());
    await seedFleet(s);
    await rejectsWithoutWrite(
      s,
      () => s.createInstance({ org: 'acme', app: 'web', region: 'nrt' }),
      'failed_precondition',
      /region 'nrt' has no hosts; regions with hosts: ams, ord$/,
      { regions_with_hosts: ['ams', 'ord'] },
    );
    await rejectsWithoutWrite(
      s,
      () => s.createPeer({ org: 'acme', network: 'default', name: 'x', region: 'ams', public_key: wgKey(1) }),
      'failed_precondition',
      /region 'ams' has no gateways; regions with gateways: ord$/,
    );
  });

  test('addresses end in :2, inside the network /48 and the host /80', async () => {
    const s = await b.open(deterministic());
    await seedFleet(s);
    await s.createNetwork('acme', 'staging');
    await s.createApp({ org: 'acme', name: 'api', network: 'staging', private_network: true });
    for (const app of ['web', 'api']) {
      for (const region of ['ord', 'ams']) {
        const i = await s.createInstance({ org: 'acme', app, region });
        assert.ok(i.address?.endsWith(':2'), i.address ?? 'null');
        const addr = parseIPv6(i.address ?? '');
        const net = asNetworkId(i.network_num);
        assert.ok(contains(networkPrefix(defaultPlan, net), addr), `${i.address} in network ${net}`);
        assert.ok(
          contains(hostPrefix(defaultPlan, net, asHostId(i.host_num)), addr),
          `${i.address} in host ${i.host}`,
        );
        assert.equal(i.address, (await s.getInstance(i.id)).address);
        assert.equal(i.network, app === 'web' ? 'default' : 'staging');
      }
    }
    const plain = await s.createInstance({ org: 'acme', app: 'batch', region: 'ord' });
    assert.equal(plain.address, null, 'apps without private_network get no address');
  });

  test('instance numbers: a draw that hits an existing id draws again', async () => {
    const queue: number[] = [];
    const base = seededRandom(7);
    const s = await b.open({ random: () => queue.shift() ?? base(), now: steppingClock() });
    await seedFleet(s);
    queue.push(0.5);
    const a = await s.createInstance({ org: 'acme', app: 'web', region: 'ord', host: 'ord-1' });
    queue.push(0.5, 0.25); // the same number first, then another
    const c = await s.createInstance({ org: 'acme', app: 'web', region: 'ord', host: 'ord-1' });
    assert.equal(a.id, (1 + Math.floor(0.5 * 0xffffffff)).toString(16).padStart(8, '0'));
    assert.equal(c.id, (1 + Math.floor(0.25 * 0xffffffff)).toString(16).padStart(8, '0'));
    assert.notEqual(c.address, a.address);
    assert.equal(queue.length, 0);
  });

  test('peers: least-loaded gateway, lowest free /120 in its slot, address inside it', async () => {
    const s = await b.open(deterministic());
    await seedFleet(s);
    const mk = (name: string, n: number) =>
      s.createPeer({ org: 'acme', network: 'default', name, region: 'ord', public_key: wgKey(n) });
    const p1 = await mk('p1', 1);
    const p2 = await mk('p2', 2);
    const p3 = await mk('p3', 3);
    assert.deepEqual([p1.gateway, p2.gateway, p3.gateway], ['gw-ord-1', 'gw-ord-2', 'gw-ord-1']);
    const inSlot = (p: typeof p1, index: number) =>
      peerPrefix(defaultPlan, asNetworkId(p.network_num), asHostId(p.gateway_num), asPeerIndex(index));
    assert.ok(contains(inSlot(p1, 1), parseIPv6(p1.address)), p1.address);
    assert.ok(contains(inSlot(p3, 2), parseIPv6(p3.address)), p3.address);
    assert.ok(p1.address.endsWith(':102'), p1.address);
    await s.deletePeer('acme', 'p1');
    const p4 = await mk('p4', 4); // gw-ord-1 has 1 peer again, gw-ord-2 has 1: tie → gw-ord-1, free index 1
    assert.equal(p4.gateway, 'gw-ord-1');
    assert.equal(p4.address, p1.address);
    await rejectsWith(mk('p5', 4), 'already_exists', /public key/);
  });

  test('peers: a gap in the middle of a slot is filled first, then the slot grows past its last index', async () => {
    const s = await b.open(deterministic());
    await seedFleet(s);
    const mk = (name: string, n: number) =>
      s.createPeer({ org: 'acme', network: 'default', name, region: 'ord', public_key: wgKey(n) });
    const made = [];
    for (let i = 1; i <= 6; i++) made.push(await mk(`p${i}`, i)); // gw-ord-1: p1 p3 p5 at indexes 1 2 3
    assert.deepEqual(
      made.map((p) => p.gateway),
      ['gw-ord-1', 'gw-ord-2', 'gw-ord-1', 'gw-ord-2', 'gw-ord-1', 'gw-ord-2'],
    );
    await s.deletePeer('acme', 'p3');
    const again = await mk('p7', 7);
    assert.deepEqual([again.gateway, again.address], ['gw-ord-1', made[2]?.address]);
    const next = await mk('p8', 8);
    const at = (p: typeof next, index: number) =>
      peerPrefix(defaultPlan, asNetworkId(p.network_num), asHostId(p.gateway_num), asPeerIndex(index));
    assert.equal(next.gateway, 'gw-ord-1');
    assert.ok(contains(at(next, 4), parseIPv6(next.address)), next.address);
  });
});
