// End-to-end attack suite: one lab (2 hosts and a gateway in ord) with orgs acme (A)
// and globex (B), instances on shared hosts and one WireGuard peer each on the same gateway. Every attempt to
// cross between networks (also to acme's service address), spoof a source or learn the other network's names must
// fail and be counted by the nft drop counters; a host's token speaking of another host's instances (health
// checks, usage), the agent's local socket and join tokens are refused, counted and change nothing; then a scan
// of every log, API answer and store row finds no token or private key.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiClient } from '../../src/client/api-client.ts';
import { laptopEnv } from '../../src/lab/laptop.ts';
import type { UnderlayMember } from '../../src/lab/plan.ts';
import { type RawApi, rawApi } from './attack-api.ts';
import {
  type AttackLab,
  foreignCheckReports,
  foreignUsageReports,
  joinTokenAbuse,
} from './attack-control.ts';
import { withQuotedFlow } from './attack-icmp.ts';
import { secretScan } from './attack-secrets.ts';
import { serviceIsolation } from './attack-service.ts';
import { agentSocketAbuse } from './attack-socket.ts';
import { type Drops, learnsNothing, type Recorded, readDrops, recordingFetch } from './attack-support.ts';
import {
  cannotRun,
  eventually,
  inNs,
  NsProcess,
  ping6,
  sendForged,
  sendUdp,
  TCP_ECHO,
  tcpExchange,
  UDP_SINK,
} from './support.ts';
import { addLaptop, type Cli, labCli, wgQuick } from './wireguard-support.ts';
import { withLab } from './with-lab.ts';

const skip = cannotRun();
/** Raw ICMPv6 packets are crafted with python3's raw sockets (node has none). */
const noPython = existsSync('/usr/bin/python3') ? undefined : 'needs /usr/bin/python3 (raw ICMPv6 sockets)';

describe('attacks on isolation, and secrets in logs, answers and the store', {
  skip,
  timeout: 240_000,
}, () => {
  let laptopB: UnderlayMember;
  const up: { ns: string; file: string; env: Record<string, string> }[] = [];
  /** Every API answer and CLI output of the run, for the secret scan. */
  const answers: Recorded[] = [];
  const net = { A: { num: 0, prefix: '', dns: '' }, B: { num: 0, prefix: '', dns: '' } };
  const peer = { alice: '', bob: '' };
  /** acme/web's service address, given in the set-up. */
  let service = '';

  const lab = withLab({
    letter: 'a',
    regions: [{ code: 'ord', hosts: 2 }],
    gateways: ['ord'],
    env: { SIXPN_LOG: 'debug' }, // the lab's processes inherit it (src/lab/processes.ts childEnv)
    setUp: () => peersUp(),
    tearDown: async () => {
      for (const u of up.reverse()) await wgQuick('down', u.ns, u.file, u.env).catch(() => undefined);
    },
  });
  const { inst, check } = lab;
  const ifA = lab.iface('a');
  const ifB = lab.iface('b');
  const client = (token = lab.state.adminToken) =>
    new ApiClient({
      baseUrl: lab.plan.underlay.apiSocketUrl,
      token,
      fetch: recordingFetch(lab.plan.underlay.apiSocketUrl, answers),
    });
  const cli = async (args: string[], token = lab.state.adminToken): Promise<Cli> => {
    const r = await labCli(lab.plan, lab.name, lab.dir)(args, token, { SIXPN_LOG: 'debug' });
    answers.push({ what: `sixpn ${args.join(' ')}`, text: `${r.stdout}\n${r.stderr}` });
    return r;
  };
  const api: RawApi = (method, path, o) => rawApi(lab.plan.underlay.apiSocketUrl, answers)(method, path, o);
  const hostNs = (name: string) => lab.plan.hosts.find((h) => h.name === name)?.ns ?? '';
  const gwNs = () => lab.plan.gateways[0]?.ns ?? '';
  const hostDrops = (name: string) => readDrops(hostNs(name), 'sixpn_agent');
  const gwDrops = () => readDrops(gwNs(), 'sixpn_gateway');
  /** Asserts that `after` counted more than `before` on the counter `pick` selects. */
  const counted = (what: string, before: Drops, after: Drops, pick: (d: Drops) => number) =>
    assert.ok(pick(after) > pick(before), `${what}: counted (${pick(before)} → ${pick(after)})`);

  /** A peer claims the other network on its own side (AllowedIPs and routes); only the gateway decides. */
  const claim = async (ns: string, iface: string, own: string, other: string) => {
    const gwKey = (await client().getGateway('ord-gw1')).peer_key ?? '';
    await inNs(ns, 'wg', ['set', iface, 'peer', gwKey, 'allowed-ips', `${own},${other},fdaa::3/128`]);
    for (const r of [other, 'fdaa::3/128']) await inNs(ns, 'ip', ['-6', 'route', 'replace', r, 'dev', iface]);
  };
  /** The attack lab as the checks in attack-control.ts, attack-socket.ts and attack-service.ts see it. */
  const attackLab = (): AttackLab => ({ plan: lab.plan, state: lab.state, inst, client, api });

  /** A second laptop; peers alice (acme) and bob (globex) up through the gateway, each reaching its network. */
  const peersUp = async () => {
    let envB: Record<string, string>;
    ({ member: laptopB, env: envB } = await addLaptop(lab.plan, lab.dir, laptopEnv(lab.plan)));
    for (const [org, name, iface, ns, env] of [
      ['acme', 'alice', ifA, lab.plan.laptop.ns, laptopEnv(lab.plan)],
      ['globex', 'bob', ifB, laptopB.ns, envB],
    ] as const) {
      const r = await cli(['wireguard', 'create', org, 'ord', name, `${iface}.conf`]);
      assert.equal(r.code, 0, r.stderr);
      await wgQuick('up', ns, join(lab.dir, `${iface}.conf`), env);
      up.push({ ns, file: join(lab.dir, `${iface}.conf`), env });
    }
    const c = client();
    for (const [k, org] of [
      ['A', 'acme'],
      ['B', 'globex'],
    ] as const) {
      const n = await c.getNetwork(org, 'default');
      net[k] = { num: n.num, prefix: n.prefix, dns: n.dns };
    }
    peer.alice = (await c.getPeer('acme', 'alice')).address;
    // Given now, so every host and the gateway have its load-balancing rules by the time a check uses it.
    service = (await c.updateApp('acme', 'web', { service_address: true })).service_address ?? '';
    assert.ok(service, 'acme/web has a service address');
    peer.bob = (await c.getPeer('globex', 'bob')).address;
    const vault = inst('vault');
    assert.ok(
      await eventually(() => ping6(lab.plan.laptop.ns, inst('web', 'ord1').address), 10_000),
      'alice up',
    );
    assert.ok(await eventually(() => ping6(laptopB.ns, vault.address), 10_000), 'bob up');
    process.stderr.write(`e2e: attack lab and peers up in ${lab.elapsed()} s\n`);
  };

  check(
    'instance → other network, same host and across hosts: ping and TCP fail, and are counted',
    async () => {
      const vault = inst('vault');
      const web1 = inst('web', 'ord1');
      const web2 = inst('web', 'ord2');
      const db = inst('db');
      assert.equal(vault.host, 'ord1');
      const servers = [vault, web1, db].map((i) => new NsProcess(i.ns, TCP_ECHO, ['7100']));
      try {
        for (const s of servers) assert.ok(await s.waitFor(/^listening$/));
        assert.ok(await tcpExchange(web2.ns, web1.address, 7100), 'control: A reaches A across hosts');
        const cases: [string, { ns: string }, string, string, number][] = [
          ['A → B, same host', web1, vault.address, 'ord1', net.A.num],
          ['A → B, across hosts', web2, vault.address, 'ord2', net.A.num],
          ['B → A, same host', vault, web1.address, 'ord1', net.B.num],
          ['B → A, across hosts', vault, db.address, 'ord1', net.B.num],
        ];
        for (const [what, from, to, host, charged] of cases) {
          const before = await hostDrops(host);
          assert.equal(await ping6(from.ns, to), false, `ping ${what}`);
          assert.equal(await tcpExchange(from.ns, to, 7100, 1_000), false, `TCP ${what}`);
          counted(`${what} on ${host}`, before, await hostDrops(host), (d) => d.net(charged));
        }
        for (const s of servers)
          assert.equal(s.lines.filter((l) => l.startsWith('conn ')).length, s === servers[1] ? 1 : 0);
      } finally {
        for (const s of servers) await s.stop();
      }
    },
  );

  check(
    'ICMPv6 errors quoting a flow of the other network are dropped and counted',
    async () => {
      const web1 = inst('web', 'ord1');
      const db = inst('db');
      const vault = inst('vault');
      // web1 → db is a flow in ord1's conntrack; an error quoting it is "related" to it whoever sends it.
      await withQuotedFlow(web1, db, 7800, async (send, from) => {
        await send(db.ns);
        assert.ok(await eventually(async () => from().includes(db.address), 3_000, 20), `control: ${from()}`);
        const before = await hostDrops('ord1');
        await send(vault.ns);
        await sleep(500);
        assert.ok(!from().includes(vault.address), 'no error from B reached A');
        counted('errors from vault', before, await hostDrops('ord1'), (d) => d.net(net.B.num));
      });
    },
    30_000,
    noPython,
  );

  check(
    'a host namespace reaches its own instances (trusted), but serves no instance except DNS and relays nothing',
    async () => {
      const vault = inst('vault');
      const web1 = inst('web', 'ord1');
      const H = hostNs('ord1');
      // Hosts are trusted infrastructure (root there owns the agent, nft and every instance namespace anyway).
      assert.ok(
        await ping6(H, web1.address),
        'the host namespace reaches an instance it runs (from fdaa::3)',
      );
      assert.ok(await ping6(H, vault.address), 'of either network');
      assert.equal(
        await ping6(H, inst('db').address),
        false,
        'but not instances of other hosts (the mesh carries only 6PN sources)',
      );
      const svc = new NsProcess(H, TCP_ECHO, ['7700']);
      try {
        assert.ok(await svc.waitFor(/^listening$/));
        for (const [what, to] of [
          ['fdaa::3', 'fdaa::3'],
          ['its veth end fe80::1', 'fe80::1%eth0'],
        ] as const) {
          const before = await hostDrops('ord1');
          assert.equal(await tcpExchange(vault.ns, to, 7700, 1_000), false, `TCP vault → host ${what}`);
          assert.equal(await ping6(vault.ns, to), false, `ping vault → host ${what}`);
          counted(`vault → host ${what}`, before, await hostDrops('ord1'), (d) => d.net(net.B.num));
        }
        assert.deepEqual(
          svc.lines.filter((l) => l.startsWith('conn ')),
          [],
          'no instance reached the host service',
        );
      } finally {
        await svc.stop();
      }
    },
  );

  check(
    'spoofed sources from an instance: another instance, another network, the host, outside the plan',
    async () => {
      const web1 = inst('web', 'ord1');
      const db = inst('db');
      const sink = new NsProcess(db.ns, UDP_SINK, ['7200']);
      try {
        assert.ok(await sink.waitFor(/^listening$/));
        await sendUdp(web1.ns, web1.address, db.address, 7200, 'legit');
        assert.ok(await sink.waitFor(new RegExp(`^from ${web1.address} legit$`)), 'control');
        for (const [what, forged] of [
          ['another instance of A', inst('web', 'ord2').address],
          ['an instance of B', inst('vault').address],
          ['a peer of B', peer.bob],
          ['the host resolver', 'fdaa::3'],
          ['outside the plan', '2001:db8::66'],
        ] as const) {
          const before = await hostDrops('ord1');
          await sendForged(web1.ns, forged, db.address, 7200, 'forged');
          const after = await hostDrops('ord1');
          counted(`from ${what}`, before, after, (d) => d.spoofed);
          counted(`from ${what}, charged to A`, before, after, (d) => d.net(net.A.num));
        }
        await sleep(300);
        assert.deepEqual(
          sink.lines.filter((l) => l.includes(' forged')),
          [],
          'no forged datagram reached db',
        );
      } finally {
        await sink.stop();
      }
    },
  );

  check(
    'peers: cross-network reach, claimed addresses and spoofed sources fail; the gateway counts',
    async () => {
      const A = lab.plan.laptop.ns;
      const B = laptopB.ns;
      const vault = inst('vault');
      const web1 = inst('web', 'ord1');
      await claim(A, ifA, net.A.prefix, net.B.prefix);
      await claim(B, ifB, net.B.prefix, net.A.prefix);
      const echo = new NsProcess(vault.ns, TCP_ECHO, ['7500']);
      const echoA = new NsProcess(web1.ns, TCP_ECHO, ['7500']);
      try {
        assert.ok(await echo.waitFor(/^listening$/));
        assert.ok(await echoA.waitFor(/^listening$/));
        for (const [what, from, to, charged] of [
          ['alice → vault (B instance)', A, vault.address, net.A.num],
          ['alice → bob (B peer)', A, peer.bob, net.A.num],
          ['bob → web (A instance)', B, web1.address, net.B.num],
          ['bob → alice (A peer)', B, peer.alice, net.B.num],
        ] as const) {
          const before = await gwDrops();
          assert.equal(await ping6(from, to), false, `ping ${what}`);
          assert.equal(await tcpExchange(from, to, 7500, 1_000), false, `TCP ${what}`);
          counted(what, before, await gwDrops(), (d) => d.net(charged));
        }
        const before = await gwDrops();
        assert.equal(await ping6(A, 'fdaa::3'), false, 'ping fdaa::3 through the gateway');
        counted('alice → fdaa::3', before, await gwDrops(), (d) => d.net(net.A.num));
        assert.equal(
          echo.lines.filter((l) => l.startsWith('conn ')).length +
            echoA.lines.filter((l) => l.startsWith('conn ')).length,
          0,
        );
        assert.ok(await tcpExchange(A, web1.address, 7500), 'control: alice still reaches web');
        // Sources outside the peer's /120: WireGuard's cryptokey routing on the gateway drops them before nft sees
        // them (the gateway's AllowedIPs for alice are her /120 alone), so no nft counter moves; they must not pass.
        const neighbour = peer.alice.replace(
          /::([0-9a-f]+)$/,
          (_m, x: string) => `::${(Number.parseInt(x, 16) + 0x100).toString(16)}`,
        );
        assert.notEqual(neighbour, peer.alice);
        assert.ok(await ping6(A, web1.address, { from: peer.alice }), 'control: from her own address');
        for (const forged of [neighbour, peer.bob, vault.address]) {
          await inNs(A, 'ip', ['-6', 'addr', 'add', `${forged}/128`, 'dev', ifA, 'nodad']);
          try {
            assert.equal(await ping6(A, web1.address, { from: forged }), false, `alice from ${forged} → web`);
            if (forged !== vault.address)
              assert.equal(
                await ping6(A, vault.address, { from: forged }),
                false,
                `alice from ${forged} → vault`,
              );
          } finally {
            await inNs(A, 'ip', ['-6', 'addr', 'del', `${forged}/128`, 'dev', ifA]).catch(() => undefined);
          }
        }
        assert.equal(
          echoA.lines.filter((l) => l.startsWith('conn ')).length,
          1,
          'only the control connection',
        );
      } finally {
        await echo.stop();
        await echoA.stop();
      }
    },
  );

  check(
    'DNS about the other network, in every spelling, from instances and peers: nothing of it',
    async () => {
      const vault = inst('vault');
      const web1 = inst('web', 'ord1');
      const dbId = inst('db').id;
      const A = { own: 'web', other: 'vault', otherId: vault.id, otherPeer: 'bob', otherServer: net.B.dns };
      const B = { own: 'vault', other: 'web', otherId: dbId, otherPeer: 'alice', otherServer: net.A.dns };
      const ofA = lab.state.demo.filter((d) => d.org === 'acme').flatMap((d) => [d.address ?? '', d.id]);
      const badA = [vault.address, vault.id, peer.bob, 'vault', 'bob', 'globex'];
      const badB = [...ofA, service, peer.alice, 'alice', 'acme', '"web'];
      await Promise.all([
        learnsNothing({ who: 'A instance', ns: web1.ns, server: 'fdaa::3', isPeer: false, ...A }, badA),
        learnsNothing({ who: 'A peer', ns: lab.plan.laptop.ns, server: net.A.dns, isPeer: true, ...A }, badA),
        learnsNothing({ who: 'B instance', ns: vault.ns, server: 'fdaa::3', isPeer: false, ...B }, badB),
        learnsNothing({ who: 'B peer', ns: laptopB.ns, server: net.B.dns, isPeer: true, ...B }, badB),
      ]);
      // The own view still works through the same paths (the checks above are not vacuous).
      const own = await inNs(web1.ns, 'dig', ['+short', 'AAAA', 'WeB.internal.']);
      assert.ok(own.includes(web1.address), own);
      const ownPeer = await inNs(lab.plan.laptop.ns, 'dig', [
        `@${net.A.dns}`,
        '+short',
        'TXT',
        '_PEER.internal',
      ]);
      assert.match(ownPeer, /alice/);
    },
  );

  check(
    'DNS to the other network’s fdaa:N:N::3 and to fdaa::3: no answer with its data, dropped and counted',
    async () => {
      const web1 = inst('web', 'ord1');
      const vault = inst('vault');
      // An instance: fdaa:B::3 is not on its host, so the packet is forwarded towards B's /48 and dropped.
      const before = await hostDrops('ord1');
      await assert.rejects(
        inNs(web1.ns, 'dig', [`@${net.B.dns}`, '+time=1', '+tries=1', 'AAAA', 'vault.internal']),
      );
      counted('web → fdaa:B::3 port 53', before, await hostDrops('ord1'), (d) => d.net(net.A.num));
      const vb = await hostDrops('ord1');
      await assert.rejects(
        inNs(vault.ns, 'dig', [`@${net.A.dns}`, '+time=1', '+tries=1', 'AAAA', 'web.internal']),
      );
      counted('vault → fdaa:A::3 port 53', vb, await hostDrops('ord1'), (d) => d.net(net.B.num));
      // fdaa::3 answers an instance with its own network's view only (the other network's names are checked above).
      const b3 = await hostDrops('ord1');
      assert.equal(await ping6(vault.ns, 'fdaa::3'), false, 'fdaa::3 answers DNS only');
      counted('vault pings fdaa::3', b3, await hostDrops('ord1'), (d) => d.net(net.B.num));
    },
  );

  check(
    'service address: only its own network reaches it (not another network, org, spoofed source or peer)',
    () =>
      serviceIsolation({
        ...attackLab(),
        service,
        nets: { A: net.A.num, B: net.B.num },
        alice: lab.plan.laptop.ns,
        bob: laptopB.ns,
        bobClaimsA: () => claim(laptopB.ns, ifB, net.B.prefix, net.A.prefix),
        hostDrops,
        gwDrops,
      }),
  );

  check('health reports about another host’s instances: 404, counted, nothing changes', () =>
    foreignCheckReports(attackLab()),
  );

  check('usage reports about another host’s instances: 404, counted, nothing stored; replays once', () =>
    foreignUsageReports(attackLab()),
  );

  check('the agent’s local socket: root only; nothing of other hosts or orgs not granted', () =>
    agentSocketAbuse(attackLab()),
  );

  check('join tokens: bad, expired, revoked or of the wrong role refused; never a bearer token', () =>
    joinTokenAbuse(attackLab()),
  );

  check(
    'secret scan: no token, peer private key or mesh key in any log, API answer or store row',
    async () => {
      const summary = await secretScan({
        plan: lab.plan,
        answers,
        client,
        cli,
        confs: { alice: join(lab.dir, `${ifA}.conf`), bob: join(lab.dir, `${ifB}.conf`) },
      });
      process.stderr.write(`e2e: secret scan: ${summary}\n`);
    },
  );
});
