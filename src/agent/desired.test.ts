// Table tests of desiredState: which instances a host runs, its files, its mesh peers and their /80s, its nft spec.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatCidr } from '../core/address.ts';
import type { Snapshot } from '../core/model.ts';
import { LocalState } from '../core/state.ts';
import { agentFleet, testKey, testKeyName } from '../core/test-fleet.ts';
import { endpointOf } from '../core/wg/endpoint.ts';
import { desiredState, NFT_TABLE } from './desired.ts';
import { identity } from './test-fixture.ts';

const F = agentFleet();

const slot = (net: number, host: number) => `fdaa:0:${net.toString(16)}:0:${host.toString(16)}::/80`;

describe('desiredState: instances', () => {
  const rows: { name: string; edit: (s: Snapshot) => void; want: string[] }[] = [
    { name: 'the demo: web and vault on h1', edit: () => {}, want: ['000000a1', '000000c1'] },
    {
      name: 'a stopped instance is not run',
      edit: (s) => {
        s.instances[0]!.state = 'stopped';
      },
      want: ['000000c1'],
    },
    {
      name: 'a deleted instance is not run',
      edit: (s) => {
        s.instances.splice(3, 1);
      },
      want: ['000000a1'],
    },
    {
      name: 'an instance started on h1 is added',
      edit: (s) => {
        s.instances.push(F.makeInstance(0xd1, 'db', 'h1'));
      },
      want: ['000000a1', '000000c1', '000000d1'],
    },
    {
      name: 'nothing on an empty host',
      edit: (s) => {
        s.instances = [];
      },
      want: [],
    },
  ];
  for (const r of rows) {
    test(r.name, () => {
      const s = F.snapshot();
      r.edit(s);
      const d = desiredState(new LocalState(s), identity('h1'));
      assert.deepEqual(
        d.instances.map((i) => i.id),
        r.want,
      );
    });
  }

  test('an instance: namespace, host link, /112 address and prefix, network', () => {
    const d = desiredState(new LocalState(F.snapshot()), identity('h1'));
    assert.deepEqual(d.instances[0], {
      id: '000000a1',
      ns: 'sixpn-i-000000a1',
      create: 'add',
      ifname: 'eth0',
      hostIface: 'sxi000000a1',
      address: 'fdaa:0:1:0:1:0:a1:2/112',
      prefix: 'fdaa:0:1:0:1:0:a1:0/112',
      network: 1,
    });
  });

  test('files: env, and in lab mode hosts, resolv.conf and nsswitch.conf under /etc/netns', () => {
    const d = desiredState(new LocalState(F.snapshot()), identity('h1'));
    const byPath = new Map(d.files.map((f) => [f.path, f.content]));
    assert.equal(
      byPath.get('/state/instances/000000a1.env'),
      'SIXPN_PRIVATE_IP=fdaa:0:1:0:1:0:a1:2\nSIXPN_REGION=ord\nSIXPN_APP_NAME=web\nSIXPN_INSTANCE_ID=000000a1\n',
    );
    assert.match(
      byPath.get('/etc/netns/sixpn-i-000000a1/hosts') ?? '',
      /^fdaa:0:1:0:1:0:a1:2\tsixpn-local-6pn$/m,
    );
    assert.match(byPath.get('/etc/netns/sixpn-i-000000a1/resolv.conf') ?? '', /^nameserver fdaa::3$/m);
    assert.equal(byPath.get('/etc/netns/sixpn-i-000000a1/nsswitch.conf'), 'hosts: files dns\n');
    const noLab = desiredState(new LocalState(F.snapshot()), identity('h1', { lab: false }));
    assert.deepEqual(
      noLab.files.map((f) => f.path),
      ['/state/instances/000000a1.env', '/state/instances/000000c1.env'],
    );
  });
});

describe('desiredState: mesh peers', () => {
  const rows: { name: string; edit: (s: Snapshot) => void; want: Record<string, string[]> }[] = [
    {
      name: 'the demo: h2 (acme db), h3 (acme web), gw1 without peers',
      edit: () => {},
      want: { h2: [slot(1, 2)], h3: [slot(1, 3)], gw1: [] },
    },
    {
      name: 'a host that has not registered is no peer',
      edit: (s) => {
        s.hosts = s.hosts.map((h) => (h.name === 'h3' ? { ...h, endpoint: null, mesh_key: null } : h));
      },
      want: { h2: [slot(1, 2)], gw1: [] },
    },
    {
      name: 'a host removed',
      edit: (s) => {
        s.hosts = s.hosts.filter((h) => h.name !== 'h2');
      },
      want: { h3: [slot(1, 3)], gw1: [] },
    },
    {
      name: 'an instance of another network started on h2 adds that network /80',
      edit: (s) => {
        s.instances.push(F.makeInstance(0xe2, 'vault', 'h2'));
      },
      want: { h2: [slot(1, 2), slot(2, 2)], h3: [slot(1, 3)], gw1: [] },
    },
    {
      name: 'a stopped instance gives no /80',
      edit: (s) => {
        s.instances = s.instances.map((i) => (i.host === 'h3' ? { ...i, state: 'stopped' as const } : i));
      },
      want: { h2: [slot(1, 2)], h3: [], gw1: [] },
    },
    {
      name: "a gateway is allowed its slot in its peers' networks",
      edit: (s) => {
        s.peers.push(F.makePeer('laptop', 'globex', 'gw1', 1), F.makePeer('ci', 'acme', 'gw1', 2));
      },
      want: { h2: [slot(1, 2)], h3: [slot(1, 3)], gw1: [slot(1, 4), slot(2, 4)] },
    },
  ];
  for (const r of rows) {
    test(r.name, () => {
      const s = F.snapshot();
      r.edit(s);
      const d = desiredState(new LocalState(s), identity('h1'));
      const got: Record<string, string[]> = {};
      for (const p of d.mesh.peers) got[testKeyName(p.publicKey) ?? '?'] = [...p.allowedIps];
      assert.deepEqual(got, r.want);
    });
  }

  test('peers carry their registered endpoint; the device listens on our port with our key', () => {
    const s = F.snapshot();
    s.hosts = s.hosts.map((h) => (h.name === 'h2' ? { ...h, endpoint: '198.18.9.9:51999' } : h));
    const d = desiredState(new LocalState(s), identity('h1'));
    const h2 = d.mesh.peers.find((p) => p.publicKey === testKey('h2').publicKey);
    assert.equal(h2?.endpoint, endpointOf('198.18.9.9', 51999));
    assert.equal(d.mesh.listenPort, 51820);
    assert.equal(d.mesh.privateKey, testKey('h1').privateKey);
    assert.deepEqual(d.registration, { endpoint: '198.18.1.1:51820', mesh_key: testKey('h1').publicKey });
  });
});

describe('desiredState: isolation', () => {
  test('networks of local instances, the mesh and instance links, one guard per instance', () => {
    const d = desiredState(new LocalState(F.snapshot()), identity('h1'));
    assert.equal(d.nft.table, NFT_TABLE);
    assert.deepEqual(d.nft.networks, [1, 2]);
    assert.deepEqual(d.nft.interfaces, ['sxm1']);
    assert.deepEqual(
      d.nft.guards.map((g) => [g.iface, g.allowed.map(formatCidr), g.network]),
      [
        ['sxi000000a1', ['fdaa:0:1:0:1:0:a1:0/112'], 1],
        ['sxi000000c1', ['fdaa:0:2:0:1:0:c1:0/112'], 2],
      ],
    );
    assert.equal(d.dnsAddress, 'fdaa::3/128');
    assert.equal(d.meshRoute, 'fdaa::/16');
  });
});

describe('desiredState: service addresses', () => {
  test("each service of a network present here, over the app's serving instances in this host's region first", () => {
    const s = F.snapshot();
    s.apps = s.apps.map((a) => (a.name === 'web' ? F.makeApp('acme', 'web', true, 1) : a));
    const show = (host: string) =>
      desiredState(new LocalState(s), identity(host)).nft.services?.map((b) => [
        b.address.toString(16),
        b.members.map((m) => m.toString(16)),
      ]);
    // h1 (ord): web's ord instance only; h3 (nrt): its own nrt instance; h2 (ord, db only): acme is present there
    assert.deepEqual(show('h1'), [
      ['fdaa0000000100000000000000010002', ['fdaa0000000100000001000000a10002']],
    ]);
    assert.deepEqual(show('h3'), [
      ['fdaa0000000100000000000000010002', ['fdaa0000000100000003000000a30002']],
    ]);
    assert.deepEqual(show('h2'), [
      ['fdaa0000000100000000000000010002', ['fdaa0000000100000001000000a10002']],
    ]);
    // web's ord instance stops: ord hosts fall back to nrt
    s.instances = s.instances.map((i) => (i.id === '000000a1' ? { ...i, state: 'stopped' as const } : i));
    assert.deepEqual(show('h2'), [
      ['fdaa0000000100000000000000010002', ['fdaa0000000100000003000000a30002']],
    ]);
  });

  test('no service for a network not present on the host', () => {
    const s = F.snapshot();
    s.apps = s.apps.map((a) => (a.name === 'vault' ? F.makeApp('globex', 'vault', true, 1) : a));
    assert.deepEqual(desiredState(new LocalState(s), identity('h2')).nft.services, []);
    assert.equal(desiredState(new LocalState(s), identity('h1')).nft.services?.length, 1);
  });
});
