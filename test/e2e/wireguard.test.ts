// End-to-end WireGuard: a lab with a gateway in ord; peers made with `sixpn wireguard create` and brought up with
// the real wg-quick (wireguard-go) in laptop namespaces, checked with ping, TCP, dig and getent from there; the
// isolation between orgs, anti-spoofing, removal, region errors and peer-only tokens. Real tools only.

import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseWgQuick } from '../../src/core/wg/wg-quick.ts';
import { waitAgents } from '../../src/lab/agents.ts';
import { startGateway } from '../../src/lab/gateways.ts';
import { laptopEnv } from '../../src/lab/laptop.ts';
import type { UnderlayMember } from '../../src/lab/plan.ts';
import { isAlive } from '../../src/lab/processes.ts';
import { writeLabState } from '../../src/lab/state.ts';
import { EXAMPLE_TEST } from '../../src/lab/unbound-conf.ts';
import { run } from '../../src/runtime/exec.ts';
import { readStatusFile } from '../../src/runtime/status-file.ts';
import {
  cannotRun,
  digShort,
  digStatus,
  eventually,
  getentAhosts,
  inNs,
  NsProcess,
  ping6,
  TCP_CLIENT,
  TCP_ECHO,
  tcpExchange,
} from './support.ts';
import { addLaptop, gatewayDrops, labCli, wgQuick } from './wireguard-support.ts';
import { withLab } from './with-lab.ts';

const skip = cannotRun();

describe('WireGuard peers through a gateway, end to end', { skip, timeout: 300_000 }, () => {
  /** A second laptop, for org B's peer (its own namespace on the underlay, swept by lab down). */
  let laptopB: UnderlayMember;
  let envB: Record<string, string>;
  const up: { ns: string; file: string; env: Record<string, string> }[] = [];
  const lab = withLab({
    letter: 'w',
    regions: [
      { code: 'ord', hosts: 2 },
      { code: 'nrt', hosts: 1 },
    ],
    gateways: ['ord'],
    setUp: async ({ plan, dir }) => {
      ({ member: laptopB, env: envB } = await addLaptop(plan, dir, laptopEnv(plan)));
    },
    tearDown: async () => {
      for (const u of up.reverse()) await wgQuick('down', u.ns, u.file, u.env).catch(() => undefined);
    },
  });
  const { inst, check, admin } = lab;
  const ifA = lab.iface('a');
  const ifB = lab.iface('b');
  const cli = (args: string[], token = lab.state.adminToken, env: Record<string, string> = {}) =>
    labCli(lab.plan, lab.name, lab.dir)(args, token, env);
  const dropCount = (network: number) => gatewayDrops(lab.plan.gateways[0]?.ns ?? '', network);

  check('create writes a 0600 file that wg-quick brings up as is in the laptop (lab exec)', async () => {
    const r = await cli(['wireguard', 'create', 'acme', 'ord', 'alice', `${ifA}.conf`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /peer alice of acme\/default: address fdaa:\S+, gateway ord-gw1 in ord/);
    const file = join(lab.dir, `${ifA}.conf`);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const again = await cli(['wireguard', 'create', 'acme', 'ord', 'alice2', `${ifA}.conf`]);
    assert.equal(again.code, 5, 'never over an existing file');
    // exactly the README's command: sixpn lab exec laptop -- wg-quick up ./FILE
    const ex = await cli(['lab', 'exec', 'laptop', '--', 'wg-quick', 'up', `./${ifA}.conf`]);
    assert.equal(ex.code, 0, ex.stderr);
    up.push({ ns: lab.plan.laptop.ns, file, env: laptopEnv(lab.plan) });
    const cfg = parseWgQuick(readFileSync(file, 'utf8'));
    const resolv = readFileSync(`/etc/netns/${lab.plan.laptop.ns}/resolv.conf`, 'utf8');
    assert.match(
      resolv,
      new RegExp(`nameserver ${cfg.interface.dns?.[0]}`),
      "wg-quick's DNS = line, laptop only",
    );
    assert.doesNotMatch(
      readFileSync('/etc/resolv.conf', 'utf8'),
      /fdaa:/,
      "the machine's resolver untouched",
    );
  });

  check('the laptop pings and talks TCP to acme instances in both regions', async () => {
    for (const host of ['ord1', 'nrt1']) {
      const web = inst('web', host);
      assert.ok(await eventually(() => ping6(lab.plan.laptop.ns, web.address), 5_000), `ping web@${host}`);
      const echo = new NsProcess(web.ns, TCP_ECHO, ['7400']);
      try {
        assert.ok(await echo.waitFor(/^listening$/));
        assert.ok(await tcpExchange(lab.plan.laptop.ns, web.address, 7400), `TCP with web@${host}`);
        const peerAddr = (await admin().getPeer('acme', 'alice')).address;
        assert.ok(await echo.waitFor(new RegExp(`^conn ${peerAddr}$`)), 'the instance sees the peer address');
      } finally {
        await echo.stop();
      }
    }
  });

  check('DNS: dig @fdaa:N:N::3, getent through the laptop resolver, _peer.internal', async () => {
    const net = await admin().getNetwork('acme', 'default');
    const webs = lab.state.demo
      .filter((d) => d.org === 'acme' && d.app === 'web')
      .map((d) => d.address ?? '');
    const L = lab.plan.laptop.ns;
    assert.deepEqual(await digShort(L, 'AAAA', 'web.internal', net.dns), [...webs].sort());
    assert.deepEqual(await getentAhosts(L, 'db.internal'), [inst('db').address]);
    assert.deepEqual(await getentAhosts(L, 'web.internal'), [...webs].sort());
    const alice = await admin().getPeer('acme', 'alice');
    assert.deepEqual(await digShort(L, 'TXT', '_peer.internal'), ['"alice"']);
    assert.deepEqual(await digShort(L, 'AAAA', 'alice._peer.internal'), [alice.address]);
    assert.deepEqual(await digShort(L, 'A', EXAMPLE_TEST.name), [EXAMPLE_TEST.a], 'other names recurse');
    assert.equal(await digStatus(L, 'AAAA', 'vault.internal'), 'NXDOMAIN', "globex's names are not acme's");
  });

  check('status shows the gateway, endpoint, handshake, traffic and install time', async () => {
    const ok = await eventually(
      async () => {
        const r = await cli(['wireguard', 'status', 'acme', 'alice', '--json']);
        const s = JSON.parse(r.stdout || '{}');
        return s.rx_bytes > 0 && s.last_handshake !== null && s.installed_at !== null;
      },
      15_000,
      500,
    );
    assert.ok(ok, 'the gateway reported alice');
    const r = await cli(['wireguard', 'status', 'acme', 'alice']);
    assert.match(r.stdout, /gateway: +ord-gw1 \(ord\)/);
    assert.match(r.stdout, new RegExp(`endpoint: +${lab.plan.laptop.address}:\\d+`));
  });

  check('a peer of globex on the same gateway and acme cannot reach or resolve each other', async () => {
    const r = await cli(['wireguard', 'create', 'globex', 'ord', 'bob', `${ifB}.conf`]);
    assert.equal(r.code, 0, r.stderr);
    await wgQuick('up', laptopB.ns, join(lab.dir, `${ifB}.conf`), envB);
    up.push({ ns: laptopB.ns, file: join(lab.dir, `${ifB}.conf`), env: envB });
    const B = laptopB.ns;
    const A = lab.plan.laptop.ns;
    const vault = inst('vault');
    const web = inst('web', 'ord1');
    const alice = (await admin().getPeer('acme', 'alice')).address;
    const bob = (await admin().getPeer('globex', 'bob')).address;
    const [netA, netB] = [
      await admin().getNetwork('acme', 'default'),
      await admin().getNetwork('globex', 'default'),
    ];
    assert.ok(await eventually(() => ping6(B, vault.address), 5_000), 'control: bob reaches vault');
    // Right after bob's first ping, status tells the truth: installed (reported with the install), and the
    // handshake on the gateway's next read, about a second later (not the 5 s report interval).
    const status = async () =>
      JSON.parse((await cli(['wireguard', 'status', 'globex', 'bob', '--json'])).stdout || '{}') as {
        installed_at?: string | null;
        last_handshake?: string | null;
      };
    assert.ok((await status()).installed_at, 'installed at once');
    assert.ok(
      await eventually(async () => Boolean((await status()).last_handshake), 3_000, 100),
      'the first handshake is reported within about a second',
    );
    assert.equal(await digStatus(B, 'AAAA', 'web.internal'), 'NXDOMAIN');
    assert.deepEqual(await digShort(B, 'TXT', '_peer.internal'), ['"bob"']);

    // Each side pushes the other's addresses into its own tunnel, as a hostile peer would: the gateway decides.
    const gwKey = (await admin().getGateway('ord-gw1')).peer_key ?? '';
    const force = async (ns: string, iface: string, own: string, others: string[]) => {
      await inNs(ns, 'wg', ['set', iface, 'peer', gwKey, 'allowed-ips', [own, ...others].join(',')]);
      for (const o of others) await inNs(ns, 'ip', ['-6', 'route', 'replace', o, 'dev', iface]);
    };
    await force(B, ifB, netB.prefix, [netA.prefix]);
    await force(A, ifA, netA.prefix, [netB.prefix]);
    const dropsB = await dropCount(netB.num);
    const echo = new NsProcess(web.ns, TCP_ECHO, ['7500']);
    const echoB = new NsProcess(vault.ns, TCP_ECHO, ['7500']);
    try {
      assert.ok(await echo.waitFor(/^listening$/));
      assert.ok(await echoB.waitFor(/^listening$/));
      for (const [what, from, to] of [
        ['bob → acme web', B, web.address],
        ['bob → alice', B, alice],
        ['alice → globex vault', A, vault.address],
        ['alice → bob', A, bob],
      ] as const) {
        assert.equal(await ping6(from, to), false, `ping ${what}`);
      }
      assert.equal(await tcpExchange(B, web.address, 7500, 1_500), false, 'TCP bob → acme web');
      assert.equal(await tcpExchange(A, vault.address, 7500, 1_500), false, 'TCP alice → globex vault');
      assert.ok(await tcpExchange(A, web.address, 7500), 'control: alice still reaches web');
      assert.ok((await dropCount(netB.num)) > dropsB, "the gateway counted bob's packets as dropped");
      // Asking acme's resolver address gives globex's view: the network comes from the source address.
      assert.deepEqual(await digShort(B, 'AAAA', 'web.internal', netA.dns), []);
      assert.deepEqual(await digShort(B, 'TXT', '_peer.internal', netA.dns), ['"bob"']);
      assert.deepEqual(await digShort(A, 'AAAA', 'vault.internal', netB.dns), []);
    } finally {
      await echo.stop();
      await echoB.stop();
      await run('ip', ['netns', 'exec', A, 'ip', '-6', 'route', 'del', netB.prefix]).catch(() => undefined);
      await inNs(A, 'wg', ['set', ifA, 'peer', gwKey, 'allowed-ips', netA.prefix]).catch(() => undefined);
    }
  });

  check('a peer sending from outside its /120 gets nothing through', async () => {
    const A = lab.plan.laptop.ns;
    const web = inst('web', 'ord1');
    const alice = (await admin().getPeer('acme', 'alice')).address;
    const bob = (await admin().getPeer('globex', 'bob')).address;
    // The next /120 of the gateway's slot (another peer's, one day), and an address of another network.
    const neighbour = alice.replace(/::102$/, '::202');
    assert.notEqual(neighbour, alice);
    assert.ok(await ping6(A, web.address, { from: alice }), 'control: from its own address');
    for (const forged of [neighbour, bob]) {
      await inNs(A, 'ip', ['-6', 'addr', 'add', `${forged}/128`, 'dev', ifA, 'nodad']);
      try {
        assert.equal(await ping6(A, web.address, { from: forged }), false, `from ${forged}`);
      } finally {
        await inNs(A, 'ip', ['-6', 'addr', 'del', `${forged}/128`, 'dev', ifA]).catch(() => undefined);
      }
    }
  });

  check(
    'SIGKILL the gateway and start it again: the tunnel keeps working and nothing is re-applied',
    async () => {
      const A = lab.plan.laptop.ns;
      const web = inst('web', 'ord1');
      const g = lab.plan.gateways[0]!;
      const echo = new NsProcess(web.ns, TCP_ECHO, ['7600']);
      assert.ok(await echo.waitFor(/^listening$/));
      const client = new NsProcess(A, TCP_CLIENT, [web.address, '7600']);
      const say = async (word: string) => {
        client.write(word);
        return (await client.waitFor(new RegExp(`^echo ${word}$`), 5_000)) !== undefined;
      };
      try {
        assert.ok(await client.waitFor(/^connected$/), client.lines.join('\n'));
        assert.ok(await say('before'));
        const old = lab.state.processes[`gateway:${g.name}`]!;
        process.kill(old.pid, 'SIGKILL');
        assert.ok(await eventually(async () => !isAlive(old), 5_000, 10));
        assert.ok(await say('without-gateway-process'), 'wireguard-go and nft outlive the gateway process');
        const before = readStatusFile(g.stateDir)?.reconciledAt;
        const rec = startGateway(lab.plan, g);
        lab.state.processes[`gateway:${g.name}`] = rec;
        writeLabState(lab.plan.files.state, lab.state);
        await waitAgents(admin(), [{ node: g, rec, newerThan: before }], 60_000);
        assert.ok(await say('after'), 'the same connection after the restart');
        assert.ok(
          !client.lines.some((l) => l === 'closed' || l.startsWith('error')),
          client.lines.join('\n'),
        );
        const st = JSON.parse(readFileSync(join(g.stateDir, 'status.json'), 'utf8')) as { applied: number };
        assert.equal(st.applied, 0, 'the restarted gateway found everything right');
      } finally {
        await client.stop();
        await echo.stop();
      }
    },
  );

  check('wireguard remove: the tunnel stops passing traffic within 1 s', async () => {
    const A = lab.plan.laptop.ns;
    const web = inst('web', 'ord1');
    assert.ok(await ping6(A, web.address));
    const r = await cli(['wireguard', 'remove', 'acme', 'alice']);
    assert.equal(r.code, 0, r.stderr);
    const t0 = Date.now();
    let stoppedMs = -1;
    while (Date.now() - t0 < 3_000) {
      if (!(await ping6(A, web.address, { waitS: 0.2 }))) {
        stoppedMs = Date.now() - t0;
        break;
      }
    }
    assert.ok(stoppedMs >= 0 && stoppedMs < 1_000, `stopped after ${stoppedMs} ms`);
    await sleep(300);
    for (let i = 0; i < 3; i++)
      assert.equal(await ping6(A, web.address, { waitS: 0.3 }), false, 'and stays stopped');
    await assert.rejects(inNs(A, 'dig', ['+time=1', '+tries=1', 'AAAA', 'web.internal']), 'no DNS either');
    process.stderr.write(`e2e: wireguard remove → traffic stopped within ${stoppedMs} ms\n`);
  });

  check('a region without a gateway is an error naming the regions that have one', async () => {
    const r = await cli(['wireguard', 'create', 'acme', 'nrt', 'tokyo', 'stdout']);
    assert.equal(r.code, 5);
    assert.equal(r.stderr, "error: region 'nrt' has no WireGuard gateway; regions with a gateway: ord\n");
  });

  check(
    'a peer-only token creates and removes its org peers, gets 404/403 elsewhere; expired is refused',
    async () => {
      const made = await cli(['wireguard', 'token', 'create', 'acme', 'ci', '--json']);
      assert.equal(made.code, 0, made.stderr);
      const { secret } = JSON.parse(made.stdout) as { secret: string };
      const c = await cli(['wireguard', 'create', 'acme', 'ord', 'ci-job', 'stdout'], secret);
      assert.equal(c.code, 0, c.stderr);
      assert.ok(parseWgQuick(c.stdout).peers[0]?.endpoint);
      assert.equal((await cli(['wireguard', 'remove', 'acme', 'ci-job'], secret)).code, 0);
      const elsewhere: [string[], number][] = [
        [['wireguard', 'create', 'globex', 'ord', 'x', 'stdout'], 4],
        [['wireguard', 'remove', 'globex', 'bob'], 4],
        [['orgs', 'list'], 3],
        [['apps', 'list', '-o', 'acme'], 3],
        [['instances', 'list'], 3],
        [['tokens', 'create', 'more', '--kind', 'peer', '-o', 'acme'], 3],
      ];
      for (const [args, code] of elsewhere) {
        const r = await cli(args, secret);
        assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      }
      const short = await cli(['wireguard', 'token', 'create', 'acme', 'brief', '--expires', '1s', '--json']);
      const brief = (JSON.parse(short.stdout) as { secret: string }).secret;
      await sleep(1_500);
      const late = await cli(['wireguard', 'create', 'acme', 'ord', 'late', 'stdout'], brief);
      assert.equal(late.code, 3);
      assert.match(late.stderr, /expired/);
    },
  );
});
