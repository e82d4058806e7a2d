// The desired gateway from a small fleet: its peers each allowed exactly their /120, slots and routes per network,
// the mesh shared with the agents, the nft table growing with networks (not peers), and the fast path's updates.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Change } from '../core/model.ts';
import { LocalState } from '../core/state.ts';
import { ACME, GLOBEX, gatewayFleet, testKey, testKeyName } from '../core/test-fleet.ts';
import { desiredGateway, gatewayInfra, infraFingerprint, peerConfigOf } from './desired.ts';
import { peerUpdates } from './peer-updates.ts';
import { identity } from './test-fakes.ts';

const F = gatewayFleet();

const id = identity('gw1');

test('peers of this gateway only, each allowed exactly its /120, no endpoint', () => {
  const s = new LocalState(
    F.snapshot({
      peers: [
        F.makePeer('laptop', 'acme', 'gw1'),
        F.makePeer('ci', 'acme', 'gw1', 2),
        F.makePeer('vault-ci', 'globex', 'gw1'),
        F.makePeer('other', 'acme', 'gw2'),
      ],
    }),
  );
  const d = desiredGateway(s, id);
  assert.deepEqual(
    d.peerDevice.peers.map((p) => [p.publicKey, p.allowedIps, p.endpoint]),
    [
      [testKey('ci').publicKey, ['fdaa:0:18:0:9::200/120'], undefined],
      [testKey('laptop').publicKey, ['fdaa:0:18:0:9::100/120'], undefined],
      [testKey('vault-ci').publicKey, ['fdaa:0:2a:0:9::100/120'], undefined],
    ],
  );
  assert.equal(d.peerDevice.listenPort, 51821);
  assert.deepEqual(d.networks, [ACME, GLOBEX]);
  assert.deepEqual(d.peerRoutes, ['fdaa:0:18:0:9::/80', 'fdaa:0:2a:0:9::/80']);
  assert.equal(d.meshRoute, 'fdaa::/16');
  assert.equal(d.serviceAddress, 'fdaa::3/128');
  assert.deepEqual(
    d.nft.resolvers.map((r) => r.toString(16)),
    ['fdaa0000001800000000000000000003', 'fdaa0000002a00000000000000000003'],
  );
  assert.equal(d.nft.dnsRedirectPort, 5353);
  assert.deepEqual(d.nft.interfaces, ['sxm9', 'sxp9']);
  assert.deepEqual(
    d.nft.guards.map((g) => [g.iface, g.allowed.length]),
    [['sxp9', 2]],
  );
});

test('the mesh: every host with its instance slots, the other gateway with its peer slots', () => {
  const s = new LocalState(
    F.snapshot({ peers: [F.makePeer('laptop', 'acme', 'gw1'), F.makePeer('other', 'acme', 'gw2')] }),
  );
  const d = desiredGateway(s, id);
  assert.equal(d.meshDevice.listenPort, 51820);
  assert.deepEqual(
    d.meshDevice.peers.map((p) => [p.endpoint, p.allowedIps]),
    [
      ['198.18.1.10:51820', ['fdaa:0:18:0:a::/80']],
      ['198.18.1.1:51820', ['fdaa:0:18:0:1::/80', 'fdaa:0:2a:0:1::/80']],
      ['198.18.1.2:51820', ['fdaa:0:18:0:2::/80']],
    ],
  );
  assert.equal(d.registration.endpoint, '198.18.1.9:51820');
  assert.equal(d.registration.peer_endpoint, '198.18.1.9:51821');
  assert.equal(d.registration.mesh_key, testKey('gw1').publicKey);
});

test('the nft table grows with networks, not with peers', () => {
  const many = Array.from({ length: 500 }, (_, i) => ({
    ...F.makePeer(`p${i}`, 'acme', 'gw1', i + 1),
    public_key: testKey('laptop').publicKey.replace(/^.{4}/, (i + 1000).toString().slice(0, 4)),
  }));
  const one = desiredGateway(
    new LocalState(F.snapshot({ peers: [F.makePeer('laptop', 'acme', 'gw1')] })),
    id,
  );
  const lots = desiredGateway(new LocalState(F.snapshot({ peers: many })), id);
  assert.equal(lots.peerDevice.peers.length, 500);
  assert.deepEqual(lots.nft, one.nft);
  assert.equal(infraFingerprint(lots), infraFingerprint(one), 'a peer more is no infrastructure change');
  const s = new LocalState(F.snapshot({ peers: many }));
  assert.equal(infraFingerprint(gatewayInfra(s, id)), infraFingerprint(lots), 'the cheap path agrees');
});

test('a peer record outside this gateway slot is not trusted', () => {
  const bad = { ...F.makePeer('laptop', 'acme', 'gw1'), address: 'fdaa:0:18:0:1::102' };
  assert.equal(peerConfigOf(bad, F.plan), undefined);
  assert.equal(peerConfigOf({ ...bad, address: 'nonsense' }, F.plan), undefined);
  assert.deepEqual(desiredGateway(new LocalState(F.snapshot({ peers: [bad] })), id).peerDevice.peers, []);
});

test('no peers: an empty device, no routes, every packet from the peer side is spoofed', () => {
  const d = desiredGateway(new LocalState(F.snapshot({ peers: [] })), id);
  assert.deepEqual(d.peerDevice.peers, []);
  assert.deepEqual(d.peerRoutes, []);
  assert.deepEqual(d.nft.guards, [{ iface: 'sxp9', allowed: [] }]);
});

const laptop = F.makePeer('laptop', 'acme', 'gw1');
const put = (p = laptop, rev = 11): Change => ({
  rev,
  op: 'put',
  kind: 'peer',
  id: p.id,
  org: p.org,
  obj: p,
});
const del = (p = laptop, rev = 11): Change => ({
  rev,
  op: 'delete',
  kind: 'peer',
  id: p.id,
  org: p.org,
  obj: p,
});

const updates: [string, Change, typeof laptop | undefined, [string, string[] | undefined][]][] = [
  ['a new peer here is installed', put(), undefined, [['laptop', ['fdaa:0:18:0:9::100/120']]]],
  ['a deleted peer here is removed', del(), laptop, [['laptop', undefined]]],
  ['a peer of another gateway: nothing', put(F.makePeer('other', 'acme', 'gw2')), undefined, []],
  [
    'a peer moved away is removed',
    put({ ...laptop, gateway: 'gw2', gateway_num: 10 }),
    laptop,
    [['laptop', undefined]],
  ],
  [
    'a new key: old one out, new one in',
    put({ ...laptop, public_key: testKey('ci').publicKey }),
    laptop,
    [
      ['laptop', undefined],
      ['ci', ['fdaa:0:18:0:9::100/120']],
    ],
  ],
  [
    'a record claiming another slot is removed',
    put({ ...laptop, gateway_num: 10 }),
    laptop,
    [['laptop', undefined]],
  ],
  [
    'other kinds: nothing',
    { rev: 11, op: 'put', kind: 'host', id: 'h', org: null, obj: F.snapshot().hosts[0]! },
    undefined,
    [],
  ],
];
for (const [name, change, before, want] of updates) {
  test(`fast path: ${name}`, () => {
    const got = peerUpdates(change, before, 'gw1', 9, F.plan).map((u) => [
      testKeyName(u.publicKey),
      u.want?.allowedIps,
    ]);
    assert.deepEqual(got, want);
  });
}

test("service addresses of the gateway's networks, balanced over instances of its region first", () => {
  // (both orgs' web share the fleet's app id: give this one its own)
  const svc = { ...F.makeApp('acme', 'web', true, 1), id: 'app-acme-web' };
  const snap = F.snapshot({ peers: [F.makePeer('laptop', 'acme', 'gw1')] });
  snap.apps = snap.apps.map((a) => (a.org === 'acme' && a.name === 'web' ? svc : a));
  snap.instances = [F.makeInstance(0xa1, svc, 'h1'), F.makeInstance(0xa2, svc, 'h2')];
  const d = desiredGateway(new LocalState(snap), id);
  assert.deepEqual(
    d.nft.services?.map((b) => [b.address.toString(16), b.members.map((m) => m.toString(16))]),
    [['fdaa0000001800000000000000010002', ['fdaa0000001800000001000000a10002']]],
  );
  // A change of members changes the infrastructure fingerprint (a full pass applies the table).
  const before = infraFingerprint(gatewayInfra(new LocalState(snap), id));
  snap.instances = [F.makeInstance(0xa2, svc, 'h2')];
  assert.notEqual(infraFingerprint(gatewayInfra(new LocalState(snap), id)), before);
  assert.deepEqual(
    desiredGateway(new LocalState(snap), id).nft.services?.map((b) => b.members.map((m) => m.toString(16))),
    [['fdaa0000001800000002000000a20002']],
  );
});
