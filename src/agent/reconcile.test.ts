// plan + apply against the in-memory fakes of src/runtime and src/agent: the steps each change of state needs,
// and idempotency (a second pass plans nothing and touches no device).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Snapshot } from '../core/model.ts';
import { LocalState } from '../core/state.ts';
import { agentFleet, testKey, testKeyName } from '../core/test-fleet.ts';
import { units } from '../runtime/node-apply.ts';
import type { Action } from './actions.ts';
import { convergedAgent, fakeAgent } from './test-fixture.ts';

const F = agentFleet();

/**
 * A compact, readable form of a step for table assertions. A peer added with a handshake (its keepalive on, then
 * off again by a second entry of the same operation) is `+name!`; the second entry is not shown.
 */
function brief(a: Action): string {
  switch (a.do) {
    case 'wg-set':
      return `wg-set ${a.dev} ${(a.op.peers ?? [])
        .filter((p, i, all) => all.findIndex((q) => q.publicKey === p.publicKey) === i)
        .map((p) => {
          const who = testKeyName(p.publicKey) ?? '?';
          if (p.remove) return `-${who}`;
          if (p.updateOnly)
            return `~${who}${p.endpoint ? `@${p.endpoint}` : ''}${p.allowedIps ? `[${p.allowedIps.join(' ')}]` : ''}`;
          return `+${who}${p.persistentKeepaliveInterval ? '!' : ''}[${(p.allowedIps ?? []).join(' ')}]`;
        })
        .join(
          ' ',
        )}${a.op.privateKey ? ' key' : ''}${a.op.listenPort ? ` port=${a.op.listenPort}` : ''}`.trim();
    case 'nft':
      return 'nft';
    case 'register':
    case 'enable-forwarding':
      return a.do;
    case 'wg-create':
      return `${a.do} ${a.dev}`;
    case 'file-write':
    case 'file-remove':
    case 'dir-remove':
      return `${a.do} ${a.path}`;
    case 'netns-add':
    case 'netns-del':
      return `${a.do} ${a.ns}`;
    case 'netns-attach':
      return `${a.do} ${a.ns} ${a.path}`;
    case 'veth-add':
      return `${a.do} ${a.iface} ${a.ns}`;
    case 'route-replace':
    case 'route-del':
      return `${a.do} ${a.ns ?? '-'} ${a.dst} ${a.dev}`;
    default:
      return `${a.do} ${a.ns ?? '-'} ${a.iface}${'addr' in a ? ` ${a.addr}` : ''}`;
  }
}

describe('reconcile from nothing', () => {
  test('brings up the mesh, isolation, DNS address and both instances, in order', async () => {
    const agent = fakeAgent('h1');
    const s = F.snapshot();
    // The control plane does not have our registration yet.
    s.hosts = s.hosts.map((h) => (h.name === 'h1' ? { ...h, endpoint: null, mesh_key: null } : h));
    const r = await agent.reconcile(new LocalState(s));
    assert.deepEqual(r.failed, []);
    const a1 = 'sixpn-i-000000a1';
    assert.deepEqual(r.actions.map(brief), [
      'register',
      'nft',
      'enable-forwarding',
      'wg-create mesh',
      'link-set - sxm1',
      'wg-set mesh +gw1![] +h2![fdaa:0:1:0:2::/80] +h3![fdaa:0:1:0:3::/80] key port=51820',
      'route-replace - fdaa::/16 sxm1',
      'addr-add - lo fdaa::3/128',
      'file-write /state/instances/000000a1.env',
      `file-write /etc/netns/${a1}/hosts`,
      `file-write /etc/netns/${a1}/resolv.conf`,
      `file-write /etc/netns/${a1}/nsswitch.conf`,
      'file-write /state/instances/000000c1.env',
      'file-write /etc/netns/sixpn-i-000000c1/hosts',
      'file-write /etc/netns/sixpn-i-000000c1/resolv.conf',
      'file-write /etc/netns/sixpn-i-000000c1/nsswitch.conf',
      `netns-add ${a1}`,
      `veth-add sxi000000a1 ${a1}`,
      'link-set - sxi000000a1',
      'addr-add - sxi000000a1 fe80::1/64',
      `link-set ${a1} lo`,
      `addr-add ${a1} eth0 fe80::2/64`,
      `link-set ${a1} eth0`,
      `addr-add ${a1} eth0 fdaa:0:1:0:1:0:a1:2/112`,
      `route-replace ${a1} fdaa::/16 eth0`,
      'route-replace - fdaa:0:1:0:1:0:a1:0/112 sxi000000a1',
      'netns-add sixpn-i-000000c1',
      'veth-add sxi000000c1 sixpn-i-000000c1',
      'link-set - sxi000000c1',
      'addr-add - sxi000000c1 fe80::1/64',
      'link-set sixpn-i-000000c1 lo',
      'addr-add sixpn-i-000000c1 eth0 fe80::2/64',
      'link-set sixpn-i-000000c1 eth0',
      'addr-add sixpn-i-000000c1 eth0 fdaa:0:2:0:1:0:c1:2/112',
      'route-replace sixpn-i-000000c1 fdaa::/16 eth0',
      'route-replace - fdaa:0:2:0:1:0:c1:0/112 sxi000000c1',
    ]);
    assert.deepEqual(agent.registrations, [
      { endpoint: '198.18.1.1:51820', mesh_key: testKey('h1').publicKey },
    ]);
  });

  test('a second pass plans nothing and changes nothing', async () => {
    const { agent, snap } = await convergedAgent();
    const before = agent.mutations().length;
    const r = await agent.reconcile(new LocalState(snap));
    assert.deepEqual(r.actions, []);
    assert.equal(agent.mutations().length, before);
  });
});

describe('reconcile after a change of state', () => {
  const a1 = 'sixpn-i-000000a1';
  const rows: { name: string; edit: (s: Snapshot) => void; want: string[] }[] = [
    {
      name: 'instance stopped: its veth (first: a held namespace outlives netns-del), namespace, files and guard go',
      edit: (s) => {
        s.instances = s.instances.map((i) => (i.id === '000000a1' ? { ...i, state: 'stopped' as const } : i));
      },
      want: [
        'nft',
        'link-del - sxi000000a1',
        `netns-del ${a1}`,
        `dir-remove /etc/netns/${a1}`,
        'file-remove /state/instances/000000a1.env',
      ],
    },
    {
      name: 'instance deleted: the same',
      edit: (s) => {
        s.instances = s.instances.filter((i) => i.id !== '000000c1');
      },
      want: [
        'nft',
        'link-del - sxi000000c1',
        'netns-del sixpn-i-000000c1',
        'dir-remove /etc/netns/sixpn-i-000000c1',
        'file-remove /state/instances/000000c1.env',
      ],
    },
    {
      name: 'instance started here',
      edit: (s) => {
        s.instances.push(F.makeInstance(0xd1, 'db', 'h1'));
      },
      want: [
        'nft',
        'file-write /state/instances/000000d1.env',
        'file-write /etc/netns/sixpn-i-000000d1/hosts',
        'file-write /etc/netns/sixpn-i-000000d1/resolv.conf',
        'file-write /etc/netns/sixpn-i-000000d1/nsswitch.conf',
        'netns-add sixpn-i-000000d1',
        'veth-add sxi000000d1 sixpn-i-000000d1',
        'link-set - sxi000000d1',
        'addr-add - sxi000000d1 fe80::1/64',
        'link-set sixpn-i-000000d1 lo',
        'addr-add sixpn-i-000000d1 eth0 fe80::2/64',
        'link-set sixpn-i-000000d1 eth0',
        'addr-add sixpn-i-000000d1 eth0 fdaa:0:1:0:1:0:d1:2/112',
        'route-replace sixpn-i-000000d1 fdaa::/16 eth0',
        'route-replace - fdaa:0:1:0:1:0:d1:0/112 sxi000000d1',
      ],
    },
    {
      name: 'instance started on another host: only that peer’s /80s change',
      edit: (s) => {
        s.instances.push(F.makeInstance(0xe2, 'vault', 'h2'));
      },
      want: ['wg-set mesh ~h2[fdaa:0:1:0:2::/80 fdaa:0:2:0:2::/80]'],
    },
    {
      name: 'peer host removed',
      edit: (s) => {
        s.hosts = s.hosts.filter((h) => h.name !== 'h3');
      },
      want: ['wg-set mesh -h3'],
    },
    {
      name: 'peer host changed its endpoint: only the endpoint is set',
      edit: (s) => {
        s.hosts = s.hosts.map((h) => (h.name === 'h2' ? { ...h, endpoint: '198.18.7.7:51820' } : h));
      },
      want: ['wg-set mesh ~h2@198.18.7.7:51820'],
    },
    {
      name: 'a gateway got peers: its /80s in their networks',
      edit: (s) => {
        s.peers.push(F.makePeer('laptop', 'acme', 'gw1', 1));
      },
      want: ['wg-set mesh ~gw1[fdaa:0:1:0:4::/80]'],
    },
    {
      name: 'our own registration was lost: register again',
      edit: (s) => {
        s.hosts = s.hosts.map((h) => (h.name === 'h1' ? { ...h, endpoint: null } : h));
      },
      want: ['register'],
    },
    {
      name: 'a change elsewhere (a new org) changes nothing',
      edit: (s) => {
        s.orgs.push({ id: 'org-initech', name: 'initech', created_at: '2026-01-02T00:00:00Z' });
      },
      want: [],
    },
  ];
  for (const r of rows) {
    test(r.name, async () => {
      const { agent, snap } = await convergedAgent();
      r.edit(snap);
      const res = await agent.reconcile(new LocalState(snap));
      assert.deepEqual(res.failed, []);
      assert.deepEqual(res.actions.map(brief), r.want);
      const before = agent.mutations().length;
      const again = await agent.reconcile(new LocalState(snap));
      if (r.name.startsWith('our own registration')) return; // the watch brings the new record, not apply
      assert.deepEqual(again.actions, [], 'idempotent');
      assert.equal(agent.mutations().length, before, 'no device touched on the second pass');
    });
  }

  test('peer host added back after removal', async () => {
    const { agent, snap } = await convergedAgent();
    const without = structuredClone(snap);
    without.hosts = without.hosts.filter((h) => h.name !== 'h2');
    await agent.reconcile(new LocalState(without));
    const r = await agent.reconcile(new LocalState(snap));
    assert.deepEqual(r.actions.map(brief), ['wg-set mesh +h2![fdaa:0:1:0:2::/80]']);
  });
});

describe('reconcile repairs drift', () => {
  const rows: { name: string; drift: (a: ReturnType<typeof fakeAgent>) => Promise<void>; want: string[] }[] =
    [
      {
        name: 'an instance namespace deleted by hand is made again',
        drift: (a) => a.seams.net.delNetns('sixpn-i-000000a1'),
        want: [
          'netns-add sixpn-i-000000a1',
          'veth-add sxi000000a1 sixpn-i-000000a1',
          'link-set - sxi000000a1',
          'addr-add - sxi000000a1 fe80::1/64',
          'link-set sixpn-i-000000a1 lo',
          'addr-add sixpn-i-000000a1 eth0 fe80::2/64',
          'link-set sixpn-i-000000a1 eth0',
          'addr-add sixpn-i-000000a1 eth0 fdaa:0:1:0:1:0:a1:2/112',
          'route-replace sixpn-i-000000a1 fdaa::/16 eth0',
          'route-replace - fdaa:0:1:0:1:0:a1:0/112 sxi000000a1',
        ],
      },
      {
        name: 'a foreign address on eth0 is removed',
        drift: (a) =>
          a.seams.net.batch('sixpn-i-000000a1', [
            { do: 'addr-add', iface: 'eth0', addr: 'fdaa:0:2:0:1:0:c1:2/112' },
          ]),
        want: ['addr-del sixpn-i-000000a1 eth0 fdaa:0:2:0:1:0:c1:2/112'],
      },
      {
        name: 'the mesh device died: created and configured again',
        drift: async (a) => a.seams.mesh.crash(),
        want: [
          'wg-create mesh',
          'link-set - sxm1',
          'wg-set mesh +gw1![] +h2![fdaa:0:1:0:2::/80] +h3![fdaa:0:1:0:3::/80] key port=51820',
          'route-replace - fdaa::/16 sxm1',
        ],
      },
      {
        name: 'the nft table was deleted',
        drift: (a) => a.seams.nft.deleteTable('sixpn_agent'),
        want: ['nft'],
      },
      {
        name: 'an edited instance file is rewritten',
        drift: (a) =>
          a.seams.files.write('/etc/netns/sixpn-i-000000c1/resolv.conf', 'nameserver 1.1.1.1\n', 0o644),
        want: ['file-write /etc/netns/sixpn-i-000000c1/resolv.conf'],
      },
      {
        name: 'a foreign eth0 in an instance namespace is replaced by the veth',
        drift: async (a) => {
          await a.seams.net.delLink(undefined, 'sxi000000c1');
          a.seams.net.addLink('sixpn-i-000000c1', 'eth0', { up: true });
        },
        want: [
          'link-del sixpn-i-000000c1 eth0',
          'veth-add sxi000000c1 sixpn-i-000000c1',
          'link-set - sxi000000c1',
          'addr-add - sxi000000c1 fe80::1/64',
          'addr-add sixpn-i-000000c1 eth0 fe80::2/64',
          'link-set sixpn-i-000000c1 eth0',
          'addr-add sixpn-i-000000c1 eth0 fdaa:0:2:0:1:0:c1:2/112',
          'route-replace sixpn-i-000000c1 fdaa::/16 eth0',
          'route-replace - fdaa:0:2:0:1:0:c1:0/112 sxi000000c1',
        ],
      },
      {
        name: 'the loopback went down and lost fdaa::3',
        drift: async (a) =>
          a.seams.net.addLink(undefined, 'lo', { up: false, mtu: 65536, addrs: ['::1/128'] }),
        want: ['link-set - lo', 'addr-add - lo fdaa::3/128'],
      },
      {
        name: 'a stray instance link is removed',
        drift: async (a) => a.seams.net.addLink(undefined, 'sxi0000beef'),
        want: ['link-del - sxi0000beef'],
      },
    ];
  for (const r of rows) {
    test(r.name, async () => {
      const { agent, snap } = await convergedAgent();
      await r.drift(agent);
      const res = await agent.reconcile(new LocalState(snap));
      assert.deepEqual(res.failed, []);
      assert.deepEqual(res.actions.map(brief), r.want);
      assert.deepEqual((await agent.reconcile(new LocalState(snap))).actions, []);
    });
  }
});

describe('without --lab', () => {
  test('namespaces are the runtime’s: wait for them, never create or delete them', async () => {
    const agent = fakeAgent('h1', { lab: false });
    const snap = F.snapshot();
    let r = await agent.reconcile(new LocalState(snap));
    assert.ok(!r.actions.some((a) => a.do === 'netns-add' || a.do === 'veth-add'));
    await agent.seams.net.addNetns('sixpn-i-000000a1');
    r = await agent.reconcile(new LocalState(snap));
    assert.ok(r.actions.some((a) => a.do === 'veth-add' && a.ns === 'sixpn-i-000000a1'));
    snap.instances = snap.instances.filter((i) => i.id !== '000000a1');
    r = await agent.reconcile(new LocalState(snap));
    assert.deepEqual(r.actions.map(brief), [
      'nft',
      'link-del - sxi000000a1',
      'file-remove /state/instances/000000a1.env',
    ]);
    assert.ok(agent.seams.net.hasLink(undefined, 'lo'));
    assert.deepEqual(await agent.seams.net.listNetns(), ['sixpn-i-000000a1'], 'the namespace stays');
  });
});

describe('apply', () => {
  test('consecutive link, address and route steps of one namespace run as one batch', () => {
    const d = (ns?: string): Action => ({ do: 'link-set', iface: 'x', up: true, ...(ns ? { ns } : {}) });
    const plan: Action[] = [
      { do: 'netns-add', ns: 'a' },
      { do: 'veth-add', iface: 'sxi1', ns: 'a', peer: 'eth0', mtu: 1420 },
      d(),
      d(),
      d('a'),
      d('a'),
      { do: 'file-remove', path: '/x' },
      d('a'),
      d(),
    ];
    assert.deepEqual(
      units(plan).map((u) => u.length),
      [1, 3, 2, 1, 1, 1],
    );
  });
});
