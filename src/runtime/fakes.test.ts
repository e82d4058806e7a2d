// Unit tests for the in-memory fakes: they behave like the real drivers where reconcilers can tell.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asNetworkId, defaultPlan, formatCidr, hostResolverAddress, networkPrefix } from '../core/address.ts';
import { dropCounterName } from '../core/nft/counters.ts';
import type { IsolationSpec } from '../core/nft/isolation.ts';
import { ruleCount } from '../core/nft/listing.ts';
import { generateKeyPair } from '../core/wg/keys.ts';
import type { DeviceConfig } from '../core/wg/plan.ts';
import { applyIsolation } from './nft.ts';
import { MemoryNft } from './nft-fake.ts';
import { reconcileDevice } from './wg-device.ts';
import { CachedWgDevice } from './wg-device-cached.ts';
import { FakeWgDevice } from './wg-device-fake.ts';

test('MemoryNft: applying a spec twice leaves the same table; a smaller spec prunes', async () => {
  const nft = new MemoryNft();
  const spec: IsolationSpec = {
    table: 'sixpn',
    plan: defaultPlan,
    networks: [asNetworkId(1), asNetworkId(2)],
    interfaces: ['sxmesh'],
    guards: [],
    resolvers: [hostResolverAddress(defaultPlan)],
  };
  await applyIsolation(nft, spec);
  const first = await nft.list('sixpn');
  await applyIsolation(nft, spec);
  assert.deepEqual(await nft.list('sixpn'), first);
  assert.equal(first?.sets.get('same_net')?.elements, 2);
  assert.equal(ruleCount(first!), 22);
  await applyIsolation(nft, { ...spec, networks: [asNetworkId(1)] });
  const after = await nft.list('sixpn');
  assert.equal(after?.sets.get('same_net')?.elements, 1);
  assert.equal(after?.counters.has(dropCounterName(asNetworkId(2))), false);
  assert.equal(nft.batches.length, 3);
  await nft.deleteTable('sixpn');
  assert.equal(await nft.list('sixpn'), undefined);
});

test('MemoryNft: a failing batch changes nothing', async () => {
  const nft = new MemoryNft();
  await assert.rejects(
    nft.apply({
      nftables: [
        { add: { table: { family: 'inet', name: 'sixpnx' } } },
        { add: { rule: { family: 'inet', table: 'sixpnx', chain: 'missing', expr: [] } } },
      ],
    }),
    /No such file/,
  );
  assert.equal(await nft.list('sixpnx'), undefined);
});

test('FakeWgDevice + reconcileDevice: the second run sends nothing', async () => {
  const dev = new FakeWgDevice('sxwg0');
  const peer = generateKeyPair().publicKey;
  const want: DeviceConfig = {
    privateKey: generateKeyPair().privateKey,
    listenPort: 51820,
    peers: [{ publicKey: peer, allowedIps: [formatCidr(networkPrefix(defaultPlan, asNetworkId(1)))] }],
  };
  assert.ok(await reconcileDevice(dev, want));
  assert.equal(await reconcileDevice(dev, want), null);
  assert.equal(dev.sets.length, 1);
  assert.deepEqual(
    dev.state?.peers.map((p) => p.allowedIps),
    [['fdaa:0:1::/48']],
  );
});

test('CachedWgDevice: answers from memory, follows its own sets, re-reads after a failure', async () => {
  const fake = new FakeWgDevice('sxwg0');
  const cached = new CachedWgDevice(fake);
  const want: DeviceConfig = {
    privateKey: generateKeyPair().privateKey,
    peers: [{ publicKey: generateKeyPair().publicKey, allowedIps: ['fdaa:0:1::/48'] }],
  };
  assert.ok(await reconcileDevice(cached, want));
  assert.equal(await reconcileDevice(cached, want), null);
  assert.equal(fake.gets, 1, 'one real read');
  assert.deepEqual(await cached.get(), fake.state);
  const failing = new CachedWgDevice({
    iface: 'sxwg1',
    get: () => fake.get(),
    set: () => Promise.reject(new Error('device gone')),
    create: async () => {},
    destroy: async () => {},
  });
  await failing.get();
  await assert.rejects(failing.set({ listenPort: 1 }), /device gone/);
  await failing.get();
  assert.equal(fake.gets, 3, 'the failed set dropped the cache');
});

test('CachedWgDevice.setPeers: one change, one small set; the cache matches the device', async () => {
  const fake = new FakeWgDevice('sxwg0');
  const cached = new CachedWgDevice(fake);
  const [a, b] = [generateKeyPair().publicKey, generateKeyPair().publicKey];
  const want: DeviceConfig = {
    privateKey: generateKeyPair().privateKey,
    peers: [{ publicKey: a, allowedIps: ['fdaa:0:1::/48'] }],
  };
  await reconcileDevice(cached, want);
  const add = await cached.setPeers([
    { publicKey: b, want: { publicKey: b, allowedIps: ['fdaa:0:2::/48'] } },
  ]);
  assert.deepEqual(add, {
    peers: [{ publicKey: b, replaceAllowedIps: true, allowedIps: ['fdaa:0:2::/48'] }],
  });
  assert.equal(
    await cached.setPeers([{ publicKey: b, want: { publicKey: b, allowedIps: ['fdaa:0:2::/48'] } }]),
    null,
  );
  assert.deepEqual(await cached.get(), fake.state);
  await cached.setPeers([{ publicKey: a, want: undefined }]);
  assert.deepEqual(await cached.get(), fake.state);
  assert.equal(fake.gets, 1);
  // Moving a range away from a peer not in the change list: the cache is dropped and re-read.
  await cached.setPeers([{ publicKey: a, want: { publicKey: a, allowedIps: ['fdaa:0:2::/48'] } }]);
  assert.deepEqual(await cached.get(), fake.state);
  assert.equal(fake.gets, 2);
});
