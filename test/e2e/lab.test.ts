// End-to-end lab: a real lab (namespaces, wireguard-go, nftables, unbound, the agents' DNS) with the demo —
// org acme (web on ord1, ord2 and nrt1; db on ord2) and org globex (vault on ord1, beside a web) — checked only
// with real tools from inside instance namespaces. The machine's own network state must be unchanged after.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { describe } from 'node:test';
import { waitAgents } from '../../src/lab/agents.ts';
import { SIXPN_BIN } from '../../src/lab/control.ts';
import { labDown } from '../../src/lab/down.ts';
import { isAlive } from '../../src/lab/processes.ts';
import { restartAgent } from '../../src/lab/restart.ts';
import { readLabState } from '../../src/lab/state.ts';
import { EXAMPLE_TEST } from '../../src/lab/unbound-conf.ts';
import { run } from '../../src/runtime/exec.ts';
import { listNetns } from '../../src/runtime/netns.ts';
import {
  cannotRun,
  digShort,
  digStatus,
  eventually,
  getentAhosts,
  inNs,
  instNs,
  machineState,
  NsProcess,
  ping6,
  sendForged,
  sendUdp,
  TCP_CLIENT,
  TCP_ECHO,
  tcpExchange,
  UDP_SINK,
} from './support.ts';
import { withLab } from './with-lab.ts';

const skip = cannotRun();

describe('the lab, end to end', { skip, timeout: 300_000 }, () => {
  let machineBefore: Record<string, string>;
  const lab = withLab({
    letter: 'e',
    regions: [
      { code: 'ord', hosts: 2 },
      { code: 'nrt', hosts: 1 },
    ],
    gateways: [],
    checkTimeoutMs: 60_000,
    beforeUp: async () => {
      machineBefore = await machineState();
    },
  });
  const { inst, check, admin } = lab;

  check('getent ahosts db.internal from web gives db; web.internal gives every web', async () => {
    const web = inst('web', 'ord1');
    assert.deepEqual(await getentAhosts(web.ns, 'db.internal'), [inst('db').address]);
    const webs = lab.state.demo.filter((d) => d.app === 'web').map((d) => d.address ?? '');
    assert.deepEqual(await digShort(web.ns, 'AAAA', 'web.internal'), [...webs].sort());
  });

  check('TXT regions.web.internal, <region>.web.internal, top1.nearest.of.web.internal', async () => {
    const web = inst('web', 'ord1');
    assert.deepEqual(await digShort(web.ns, 'TXT', 'regions.web.internal'), ['"nrt,ord"']);
    assert.deepEqual(await digShort(web.ns, 'AAAA', 'nrt.web.internal'), [inst('web', 'nrt1').address]);
    const ordWebs = [inst('web', 'ord1').address, inst('web', 'ord2').address];
    const top1 = await digShort(web.ns, 'AAAA', 'top1.nearest.of.web.internal');
    assert.equal(top1.length, 1);
    assert.ok(ordWebs.includes(top1[0] ?? ''), `top1 from ord is an ord instance: ${top1}`);
    const fromNrt = await digShort(inst('web', 'nrt1').ns, 'AAAA', 'top1.nearest.of.web.internal');
    assert.deepEqual(fromNrt, [inst('web', 'nrt1').address]);
  });

  check('names outside .internal go to the upstream (unbound, example.test)', async () => {
    const web = inst('web', 'nrt1');
    assert.deepEqual(await digShort(web.ns, 'A', EXAMPLE_TEST.name), [EXAMPLE_TEST.a]);
    assert.deepEqual(await digShort(web.ns, 'AAAA', EXAMPLE_TEST.name), [EXAMPLE_TEST.aaaa]);
    assert.deepEqual(
      await getentAhosts(web.ns, EXAMPLE_TEST.name),
      [EXAMPLE_TEST.aaaa],
      'glibc asks only for AAAA here (AI_ADDRCONFIG): an instance has no IPv4 address',
    );
    assert.equal(await digStatus(web.ns, 'A', 'nothing.example.test'), 'NXDOMAIN');
  });

  check('ping -6 and a TCP exchange with db across hosts, by name', async () => {
    const web = inst('web', 'ord1');
    const db = inst('db');
    assert.notEqual(web.host, db.host);
    assert.ok(await eventually(() => ping6(web.ns, 'db.internal'), 5_000), 'ping db.internal from web@ord1');
    assert.ok(await ping6(inst('web', 'nrt1').ns, db.address), 'ping db from web@nrt1 (across regions)');
    const echo = new NsProcess(db.ns, TCP_ECHO, ['7000']);
    try {
      assert.ok(await echo.waitFor(/^listening$/));
      assert.ok(await tcpExchange(web.ns, 'db.internal', 7000), 'TCP exchange web@ord1 → db.internal');
      assert.ok(await echo.waitFor(new RegExp(`^conn ${web.address}$`)), 'db sees web by its own address');
    } finally {
      await echo.stop();
    }
  });

  check('acme and globex cannot see or reach each other, on the same host or across hosts', async () => {
    const vault = inst('vault');
    const webSameHost = inst('web', vault.host);
    const db = inst('db');
    assert.equal(webSameHost.host, vault.host);
    assert.equal(await digStatus(webSameHost.ns, 'AAAA', 'vault.internal'), 'NXDOMAIN');
    assert.equal(await digStatus(vault.ns, 'AAAA', 'web.internal'), 'NXDOMAIN');
    assert.deepEqual(
      await digShort(vault.ns, 'AAAA', 'vault.internal'),
      [vault.address],
      'globex sees its own',
    );
    const servers = [
      new NsProcess(vault.ns, TCP_ECHO, ['7100']),
      new NsProcess(webSameHost.ns, TCP_ECHO, ['7100']),
      new NsProcess(db.ns, TCP_ECHO, ['7100']),
    ];
    try {
      for (const s of servers) assert.ok(await s.waitFor(/^listening$/));
      assert.ok(await tcpExchange(vault.ns, vault.address, 7100), 'control: vault reaches its own listener');
      assert.ok(await tcpExchange(inst('web', 'ord2').ns, webSameHost.address, 7100), 'control: A reaches A');
      const blocked: [string, string, string][] = [
        ['A → B, same host', webSameHost.ns, vault.address],
        ['A → B, across hosts', inst('web', 'ord2').ns, vault.address],
        ['A → B, across regions', inst('web', 'nrt1').ns, vault.address],
        ['B → A, same host', vault.ns, webSameHost.address],
        ['B → A, across hosts', vault.ns, db.address],
      ];
      await Promise.all(
        blocked.map(async ([what, from, to]) => {
          assert.equal(await ping6(from, to), false, `ping ${what}`);
          assert.equal(await tcpExchange(from, to, 7100, 1_500), false, `TCP ${what}`);
        }),
      );
    } finally {
      for (const s of servers) await s.stop();
    }
  });

  check('forged source addresses get nothing through', async () => {
    const web = inst('web', 'ord1');
    const other = inst('web', 'ord2');
    const vault = inst('vault');
    const db = inst('db');
    const sink = new NsProcess(db.ns, UDP_SINK, ['7200']);
    try {
      assert.ok(await sink.waitFor(/^listening$/));
      await sendUdp(web.ns, web.address, db.address, 7200, 'legit');
      assert.ok(
        await sink.waitFor(new RegExp(`^from ${web.address} legit$`)),
        'control: the real source gets through',
      );
      await sendForged(web.ns, other.address, db.address, 7200, 'forged-instance');
      await sendForged(web.ns, vault.address, db.address, 7200, 'forged-network');
      await sendForged(vault.ns, web.address, db.address, 7200, 'forged-by-b');
      await new Promise((r) => setTimeout(r, 1_500));
      assert.deepEqual(
        sink.lines.filter((l) => l.startsWith('from ') && !l.endsWith(' legit')),
        [],
        'no forged datagram reached db',
      );
    } finally {
      await sink.stop();
    }
  });

  check(
    'stop removes db from every host’s DNS and its address stops answering; start brings it back',
    async () => {
      const db = inst('db');
      const webs = lab.state.demo.filter((d) => d.app === 'web').map((d) => instNs(d.id));
      const everyHost = async (want: string[]) => {
        for (const ns of webs)
          if (JSON.stringify(await digShort(ns, 'AAAA', 'db.internal')) !== JSON.stringify(want))
            return false;
        return true;
      };
      const c = admin();
      assert.ok(await everyHost([db.address]));
      let t0 = Date.now();
      await c.stopInstance(db.id);
      assert.ok(await eventually(() => everyHost([]), 5_000, 20), 'db gone from every host’s DNS');
      const goneMs = Date.now() - t0;
      assert.ok(
        await eventually(async () => !(await ping6(inst('web', 'ord1').ns, db.address)), 5_000),
        'db stops answering',
      );
      assert.deepEqual(await getentAhosts(inst('web', 'nrt1').ns, 'db.internal'), []);
      t0 = Date.now();
      await c.startInstance(db.id);
      assert.ok(await eventually(() => everyHost([db.address]), 5_000, 20), 'db back in every host’s DNS');
      const backMs = Date.now() - t0;
      assert.ok(await eventually(() => ping6(inst('web', 'ord1').ns, db.address), 5_000), 'db answers again');
      process.stderr.write(
        `e2e: stop → gone from 3 hosts' DNS in ≤ ${goneMs} ms; start → back in ≤ ${backMs} ms\n`,
      );
    },
  );

  check('SIGKILL an agent and start it again: running connections stay, the host converges', async () => {
    const web = inst('web', 'ord1');
    const db = inst('db');
    const echo = new NsProcess(db.ns, TCP_ECHO, ['7300']);
    assert.ok(await echo.waitFor(/^listening$/));
    const client = new NsProcess(web.ns, TCP_CLIENT, [db.address, '7300']);
    const say = async (word: string) => {
      client.write(word);
      return (await client.waitFor(new RegExp(`^echo ${word}$`), 5_000)) !== undefined;
    };
    try {
      assert.ok(await client.waitFor(/^connected$/), client.lines.join('\n'));
      assert.ok(await say('before'));
      const mesh = lab.plan.hosts.find((h) => h.name === web.host)?.meshInterface ?? '';
      const wgPeers = async () =>
        (await inNs(`${lab.plan.nsPrefix}${web.host}`, 'wg', ['show', mesh, 'allowed-ips']))
          .split('\n')
          .sort()
          .join('\n');
      const wgBefore = await wgPeers();
      for (const host of [web.host, db.host]) {
        const rec = readLabState(lab.plan.files.state)?.processes[`agent:${host}`];
        assert.ok(rec && isAlive(rec));
        process.kill(rec.pid, 'SIGKILL');
        assert.ok(await eventually(async () => !isAlive(rec), 5_000, 10));
        assert.ok(await say(`without-${host}`), `the connection works while ${host}'s agent is down`);
        await restartAgent(host, { name: lab.name });
        assert.ok(await say(`after-${host}`), `the connection works after ${host}'s agent restarted`);
      }
      assert.ok(!client.lines.some((l) => l === 'closed' || l.startsWith('error')), client.lines.join('\n'));
      assert.equal(
        echo.lines.filter((l) => l.startsWith('conn ')).length,
        1,
        'one connection, never re-made',
      );
      const records = readLabState(lab.plan.files.state)?.processes ?? {};
      const agents = lab.plan.hosts.map((node) => ({ node, rec: records[`agent:${node.name}`]! }));
      await waitAgents(admin(), agents, 10_000); // every agent registered and at the control plane's head
      assert.equal(await wgPeers(), wgBefore, 'the same mesh peers and allowed IPs');
      assert.deepEqual(await getentAhosts(web.ns, 'db.internal'), [db.address]);
    } finally {
      await client.stop();
      await echo.stop();
    }
  });

  check(
    'the CLI: lab exec passes env and exit codes, lab env points the CLI at the lab, lab status',
    async () => {
      const web = inst('web', 'ord1');
      const cli = (args: string[], env: Record<string, string> = {}) =>
        new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
          execFile(
            process.execPath,
            [SIXPN_BIN, ...args],
            { env: { ...process.env, SIXPN_LAB: lab.name, ...env } },
            (err, stdout, stderr) =>
              resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
          );
        });
      const ex = await cli([
        'lab',
        'exec',
        web.id,
        '--',
        'sh',
        '-c',
        'echo "$SIXPN_APP_NAME $SIXPN_PRIVATE_IP"; exit 7',
      ]);
      assert.equal(ex.code, 7, ex.stderr);
      assert.equal(ex.stdout, `web ${web.address}\n`);
      const host = await cli(['lab', 'exec', 'ord2', '--', 'ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']);
      assert.match(host.stdout, /198\.18\.1\.2\/15/);
      const env = await cli(['lab', 'env']);
      const vars = Object.fromEntries(
        [...env.stdout.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]),
      );
      assert.equal(vars.SIXPN_API_URL, `unix:/run/sixpn-lab-${lab.name}/api.sock`);
      const list = await cli(['instances', 'list', '--json'], vars as Record<string, string>);
      assert.equal(list.code, 0, list.stderr);
      assert.equal((JSON.parse(list.stdout) as unknown[]).length, lab.state.demo.length);
      const st = await cli(['lab', 'status', '--json']);
      const status = JSON.parse(st.stdout) as { up: boolean; problems: string[] };
      assert.deepEqual(status.problems, []);
      assert.equal(status.up, true);
      assert.equal(st.code, 0);
      const logs = await cli(['lab', 'logs', 'ord1', '-n', '2']);
      assert.equal(logs.code, 0, logs.stderr);
      const lines = logs.stdout.trim().split('\n');
      assert.equal(lines.length, 2);
      for (const l of lines) assert.equal((JSON.parse(l) as { host?: string }).host, 'ord1');
      const nope = await cli(['lab', 'exec', 'nowhere', '--', 'true']);
      assert.equal(nope.code, 4);
      assert.match(nope.stderr, /no lab node 'nowhere'; use one of: laptop, ord1, ord2, nrt1/);
    },
  );

  check('the laptop: the resolvconf shim changes only the laptop’s resolver file', async () => {
    const conf = `nameserver fdaa:0:1::3\n`;
    const out = await run('ip', [
      'netns',
      'exec',
      lab.plan.laptop.ns,
      'sh',
      '-c',
      `PATH=${lab.plan.files.laptopBin}:$PATH; printf '${conf}' | resolvconf -a sxtest -m 0 -x && cat /etc/resolv.conf && resolvconf -d sxtest -f && cat /etc/resolv.conf`,
    ]);
    assert.equal(
      out.stdout,
      `${conf}# sixpn lab: the lab's upstream resolver (unbound in ${lab.plan.upstream.ns})\nnameserver 198.18.0.2\n`,
    );
    assert.equal(await run('cat', ['/etc/resolv.conf']).then((r) => r.stdout), machineBefore.resolv);
  });

  check(
    'lab down removes everything, also after a host crashed, twice; the machine’s network is as it was',
    async () => {
      const ids = lab.state.demo.map((d) => instNs(d.id));
      // A crash of host nrt1: its agent and its wireguard-go die at once, leaving a stale UAPI socket behind.
      const nrt = lab.plan.hosts.find((h) => h.name === 'nrt1');
      assert.ok(nrt);
      const pids = (await run('ip', ['netns', 'pids', nrt.ns])).stdout
        .split('\n')
        .filter(Boolean)
        .map(Number);
      assert.ok(pids.length >= 2, 'agent and wireguard-go run in the host namespace');
      for (const pid of pids) process.kill(pid, 'SIGKILL');
      const sock = `/var/run/wireguard/${nrt.meshInterface}.sock`;
      assert.ok(
        await eventually(
          async () => (await run('ip', ['netns', 'pids', nrt.ns])).stdout.trim() === '',
          5_000,
        ),
      );
      assert.ok(existsSync(sock), 'the dead wireguard-go left its socket');
      const report = await labDown({ name: lab.name });
      assert.ok(report.sockets.includes(sock), 'the stale socket was removed');
      const left = (await listNetns()).filter((n) => n.startsWith(lab.plan.nsPrefix) || ids.includes(n));
      assert.deepEqual(left, []);
      assert.equal(existsSync(lab.plan.dir), false);
      const wg = existsSync('/var/run/wireguard') ? readdirSync('/var/run/wireguard') : [];
      assert.deepEqual(
        wg.filter((f) => f.startsWith(`sx${lab.name}`)),
        [],
      );
      const etc = existsSync('/etc/netns') ? readdirSync('/etc/netns') : [];
      assert.deepEqual(
        etc.filter((d) => d.startsWith(lab.plan.nsPrefix) || ids.includes(d)),
        [],
      );
      const again = await labDown({ name: lab.name });
      assert.deepEqual(again, { processes: 0, namespaces: [], sockets: [] });
      assert.deepEqual(await machineState(), machineBefore);
    },
  );
});
