// Table tests of the lab plan: names, addresses, interface names and files for given --regions/--gateways.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSixpnError } from '../core/errors.ts';
import { checkOwnedLink } from '../runtime/link.ts';
import { checkNetnsName } from '../runtime/netns.ts';
import { labNodes, labPlan } from './plan.ts';

test('the default lab: ord:2,nrt:1 with a gateway in ord', () => {
  const p = labPlan({
    regions: [
      { code: 'ord', hosts: 2 },
      { code: 'nrt', hosts: 1 },
    ],
    gateways: ['ord'],
    dir: '/tmp/lab',
  });
  assert.deepEqual(
    labNodes(p).map((n) => [
      n.name,
      n.role,
      n.region,
      n.ns,
      n.address,
      n.uplink,
      n.meshInterface,
      n.endpoint,
    ]),
    [
      ['ord1', 'host', 'ord', 'sixpn-lab-ord1', '198.18.1.1', 'sxu1', 'sxm1', '198.18.1.1:51820'],
      ['ord2', 'host', 'ord', 'sixpn-lab-ord2', '198.18.1.2', 'sxu2', 'sxm2', '198.18.1.2:51820'],
      ['nrt1', 'host', 'nrt', 'sixpn-lab-nrt1', '198.18.1.3', 'sxu3', 'sxm3', '198.18.1.3:51820'],
      ['ord-gw1', 'gateway', 'ord', 'sixpn-lab-ord-gw1', '198.18.1.4', 'sxu4', 'sxm4', '198.18.1.4:51820'],
    ],
  );
  assert.equal(p.gateways[0]?.peerInterface, 'sxp4');
  assert.equal(p.gateways[0]?.peerEndpoint, '198.18.1.4:51821');
  assert.equal(p.hosts[0]?.stateDir, '/tmp/lab/agents/ord1');
  assert.equal(p.gateways[0]?.stateDir, '/tmp/lab/gateways/ord-gw1');
  assert.equal(p.hosts[2]?.log, '/tmp/lab/logs/nrt1.log');
  assert.equal(p.hosts[0]?.cidr, '198.18.1.1/15');
  assert.deepEqual(p.underlay, {
    ns: 'sixpn-lab-ul',
    bridge: 'sxbr0',
    address: '198.18.0.1',
    cidr: '198.18.0.1/15',
    apiListen: '198.18.0.1:4280',
    apiUrl: 'https://198.18.0.1:4280',
    apiSocketUrl: 'unix:/tmp/lab/api.sock',
  });
  assert.equal(p.upstream.listen, '198.18.0.2:53');
  assert.equal(p.laptop.address, '198.18.0.3');
  assert.deepEqual(
    p.regions.map((r) => r.code),
    ['ord', 'nrt'],
  );
  assert.deepEqual(p.namespaces, [
    'sixpn-lab-ul',
    'sixpn-lab-dns',
    'sixpn-lab-laptop',
    'sixpn-lab-ord1',
    'sixpn-lab-ord2',
    'sixpn-lab-nrt1',
    'sixpn-lab-ord-gw1',
  ]);
  assert.equal(p.files.state, '/tmp/lab/lab.json');
});

test('every name the plan makes is one sixpn may create (namespaces sixpn-…, links ≤ 15 chars, sx… where shared)', () => {
  const p = labPlan({
    regions: [
      { code: 'ord', hosts: 150 },
      { code: 'sin', hosts: 49 },
    ],
    gateways: ['syd'],
  });
  for (const ns of p.namespaces) checkNetnsName(ns);
  const links = [p.underlay.bridge, p.upstream.uplink, p.laptop.uplink, ...labNodes(p).map((n) => n.uplink)];
  const wg = labNodes(p).flatMap((n) => [n.meshInterface, ...(n.peerInterface ? [n.peerInterface] : [])]);
  for (const l of [...links, ...wg]) {
    assert.ok(l.startsWith('sx'), l);
    checkOwnedLink(undefined, l);
  }
  assert.equal(new Set(links).size, links.length, 'uplinks are unique');
  assert.equal(new Set(wg).size, wg.length, 'WireGuard interfaces (machine-global sockets) are unique');
  const addrs = labNodes(p).map((n) => n.address);
  assert.equal(new Set(addrs).size, addrs.length);
  assert.equal(labNodes(p).at(-1)?.address, '198.18.1.200');
  assert.deepEqual(
    p.regions.map((r) => r.code),
    ['ord', 'sin', 'syd'],
    'a gateway-only region is a region too',
  );
});

test('plans that cannot be built are refused with the reason', () => {
  const cases: [string, () => unknown, RegExp][] = [
    [
      'too many nodes',
      () => labPlan({ regions: [{ code: 'ord', hosts: 200 }], gateways: ['ord'] }),
      /at most 200/,
    ],
    [
      'unknown gateway region',
      () => labPlan({ regions: [{ code: 'ord', hosts: 1 }], gateways: ['xyz'] }),
      /known regions: ams/,
    ],
  ];
  for (const [name, f, re] of cases) {
    assert.throws(f, (e) => isSixpnError(e) && e.code === 'invalid_argument' && re.test(e.message), name);
  }
});

test('a named lab has names of its own: dir, namespaces, WireGuard interfaces', () => {
  const p = labPlan({ regions: [{ code: 'ord', hosts: 2 }], gateways: ['ord'], name: 'e1f' });
  assert.equal(p.dir, '/run/sixpn-lab-e1f');
  assert.equal(p.nsPrefix, 'sixpn-labe1f-');
  assert.equal(p.underlay.apiSocketUrl, 'unix:/run/sixpn-lab-e1f/api.sock');
  assert.deepEqual(p.namespaces, [
    'sixpn-labe1f-ul',
    'sixpn-labe1f-dns',
    'sixpn-labe1f-laptop',
    'sixpn-labe1f-ord1',
    'sixpn-labe1f-ord2',
    'sixpn-labe1f-ord-gw1',
  ]);
  assert.deepEqual(
    labNodes(p).map((n) => [n.meshInterface, n.peerInterface]),
    [
      ['sxe1fm1', undefined],
      ['sxe1fm2', undefined],
      ['sxe1fm3', 'sxe1fp3'],
    ],
  );
  const big = labPlan({ regions: [{ code: 'ord', hosts: 200 }], gateways: [], name: 'abcdef' });
  for (const n of labNodes(big)) checkOwnedLink(undefined, n.meshInterface);
  for (const ns of big.namespaces) checkNetnsName(ns);
  assert.ok(
    !labPlan({ regions: [{ code: 'ord', hosts: 1 }], gateways: [] }).namespaces[0]?.startsWith(p.nsPrefix),
  );
  assert.throws(() => labPlan({ regions: [], gateways: [], name: 'Bad-1' }), /lab name 'Bad-1' must be 1–6/);
});
