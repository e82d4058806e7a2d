// The host agent for real: two hosts in namespaces on a veth underlay, the control plane in-process, `sixpn agent`
// processes with wireguard-go, nftables and DNS. Instances get files and addresses, reach each other across hosts
// through the WireGuard mesh, other networks stay unreachable; stop/start converge; SIGKILL + restart keeps a TCP
// connection and re-creates nothing; the saved state serves DNS while the control plane is unreachable.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Instance } from '../../src/core/model.ts';
import { run } from '../../src/runtime/exec.ts';
import { listNetns } from '../../src/runtime/netns.ts';
import { UapiClient } from '../../src/runtime/wg-device.ts';
import { cannotRun, cleanupFor, eventually } from '../runtime/support.ts';
import {
  type Fleet,
  type FleetHost,
  inNs,
  readStatus,
  rssKb,
  startAgent,
  startFleet,
  stopAgent,
  waitReady,
} from './fleet.ts';

const skip = cannotRun(['ip', 'nsenter', 'wireguard-go', 'nft', 'ping', 'dig']);

const ECHO_SERVER = `import net from 'node:net';
net.createServer((s) => { s.on('error', () => {}); s.pipe(s); }).listen(Number(process.argv[2]), '::', () => console.log('listening'));`;
const ECHO_CLIENT = `import net from 'node:net';
const [host, port] = process.argv.slice(2);
let sent = 0, got = 0, buf = '';
const s = net.connect({ host, port: Number(port) });
s.setNoDelay(true);
s.on('connect', () => { console.log('connected'); setInterval(() => s.write(++sent + '\\n'), 50); });
s.on('data', (d) => { buf += d; let i; while ((i = buf.indexOf('\\n')) >= 0) { buf = buf.slice(i + 1); got++; } });
s.on('error', (e) => { console.log(JSON.stringify({ error: e.message, sent, got })); process.exit(1); });
s.on('close', () => { console.log(JSON.stringify({ closed: true, sent, got })); process.exit(1); });
process.on('SIGTERM', () => { console.log(JSON.stringify({ sent, got })); process.exit(0); });`;

const nsOf = (f: Fleet, i: Instance) => f.template.replace('{id}', i.id);

async function head(f: Fleet): Promise<number> {
  return (await f.admin.snapshot()).revision;
}

async function ready(f: Fleet): Promise<void> {
  const rev = await head(f);
  await Promise.all([waitReady(f.hosts.h1, rev), waitReady(f.hosts.h2, rev)]);
}

/** A one-shot ping; true when a reply came back within `waitS`. */
async function ping(ns: string, dst: string, waitS = 2): Promise<boolean> {
  try {
    await inNs(ns, 'ping', ['-6', '-n', '-q', '-c', '1', '-W', String(waitS), dst]);
    return true;
  } catch {
    return false;
  }
}

/** Pings every 10 ms until the first reply; resolves with when it came (ms since the epoch), or undefined. */
async function firstReply(ns: string, dst: string, deadlineS: number): Promise<number | undefined> {
  try {
    await inNs(ns, 'ping', ['-6', '-n', '-q', '-c', '1', '-i', '0.01', '-w', String(deadlineS), dst], 30_000);
    return Date.now();
  } catch {
    return undefined;
  }
}

async function dig(ns: string, name: string, type = 'AAAA'): Promise<string> {
  return (await inNs(ns, 'dig', ['+short', '+time=2', '+tries=1', type, name])).trim();
}

async function digStatus(ns: string, name: string): Promise<string> {
  const out = await inNs(ns, 'dig', ['+time=2', '+tries=1', 'AAAA', name]);
  return /status: (\w+)/.exec(out)?.[1] ?? '?';
}

/** Starts a long-running process in a namespace; resolves once it printed `ready` on stdout. */
async function startIn(
  ns: string,
  args: string[],
  ready: string,
): Promise<{ p: ChildProcess; out: () => string }> {
  const p = spawn('ip', ['netns', 'exec', ns, process.execPath, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  p.stdout?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  p.stderr?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  const end = Date.now() + 10_000;
  while (!out.includes(ready)) {
    if (Date.now() > end || p.exitCode !== null) throw new Error(`${args.join(' ')} did not start: ${out}`);
    await sleep(20);
  }
  return { p, out: () => out };
}

function ifindex(ns: string): Promise<number> {
  return inNs(ns, 'ip', ['-j', 'link', 'show', 'eth0']).then(
    (t) => (JSON.parse(t) as { ifindex: number }[])[0]!.ifindex,
  );
}

async function meshPeers(h: FleetHost) {
  return (await new UapiClient(h.mesh).get()).peers;
}

test('sixpn agent: instances on an encrypted 6PN across two hosts, isolated, restart-safe', {
  skip,
  timeout: 150_000,
}, async (t) => {
  const c = cleanupFor(t);
  const f = await startFleet(c);
  const { h1, h2 } = f.hosts;
  const started = Date.now();
  startAgent(f, h1);
  startAgent(f, h2);
  await ready(f);
  t.diagnostic(`agents up and registered in ${Date.now() - started} ms`);

  // Demo-like state: acme web on h1 and db on h2; globex vault on h1 beside web.
  await f.admin.createOrg('acme');
  await f.admin.createOrg('globex');
  await f.admin.createApp('acme', { name: 'web', private_network: true });
  await f.admin.createApp('acme', { name: 'db', private_network: true });
  await f.admin.createApp('globex', { name: 'vault', private_network: true });
  const web = await f.admin.createInstance('acme', 'web', { region: 'ord', host: 'h1' });
  const db = await f.admin.createInstance('acme', 'db', { region: 'nrt', host: 'h2' });
  const vault = await f.admin.createInstance('globex', 'vault', { region: 'ord', host: 'h1' });
  await ready(f);
  const [webNs, dbNs, vaultNs] = [web, db, vault].map((i) => nsOf(f, i)) as [string, string, string];

  await t.test('instance files and env', async () => {
    assert.match(
      readFileSync(`/etc/netns/${webNs}/hosts`, 'utf8'),
      new RegExp(`^${web.address}\\tsixpn-local-6pn$`, 'm'),
    );
    assert.match(readFileSync(`/etc/netns/${webNs}/resolv.conf`, 'utf8'), /^nameserver fdaa::3$/m);
    assert.equal(readFileSync(`/etc/netns/${webNs}/nsswitch.conf`, 'utf8'), 'hosts: files dns\n');
    const env = `SIXPN_PRIVATE_IP=${web.address}\nSIXPN_REGION=ord\nSIXPN_APP_NAME=web\nSIXPN_INSTANCE_ID=${web.id}\n`;
    assert.equal(readFileSync(join(h1.stateDir, 'instances', `${web.id}.env`), 'utf8'), env);
    const bin = new URL('../../bin/sixpn.js', import.meta.url).pathname;
    const printed = await run(process.execPath, [bin, 'agent', 'env', web.id, '--state-dir', h1.stateDir]);
    assert.equal(printed.stdout, env);
    // Inside the instance: its address on eth0, the 6PN via the host.
    const addrs = await inNs(webNs, 'ip', ['-6', '-o', 'addr', 'show', 'dev', 'eth0', 'scope', 'global']);
    assert.match(addrs, new RegExp(`inet6 ${web.address}/112`));
    assert.match(await inNs(webNs, 'ip', ['-6', 'route', 'show']), /^fdaa::\/16 via fe80::1 dev eth0/m);
    assert.equal(readStatus(h1)?.instances?.sort().join(), [web.id, vault.id].sort().join());
  });

  await t.test('ping -6 across hosts through the WireGuard mesh, and DNS on fdaa::3', async () => {
    assert.ok(await eventually(() => ping(webNs, db.address!), 10_000), 'web (h1) reaches db (h2)');
    assert.ok(await ping(dbNs, web.address!), 'db (h2) reaches web (h1)');
    const peers = await meshPeers(h1);
    assert.equal(peers.length, 1);
    assert.ok(peers[0]!.lastHandshakeTimeSec > 0, 'the mesh did a handshake');
    assert.equal(await dig(webNs, 'db.internal'), db.address);
    assert.equal(await dig(webNs, 'regions.web.internal', 'TXT'), '"ord"');
    assert.equal(await digStatus(vaultNs, 'db.internal'), 'NXDOMAIN', 'globex does not see acme');
  });

  await t.test('other networks are unreachable, also on the same host', async () => {
    assert.equal(await ping(vaultNs, db.address!, 1), false, 'vault (globex) → db (acme) across hosts');
    assert.equal(await ping(vaultNs, web.address!, 1), false, 'vault → web on the same host');
    assert.equal(await ping(webNs, vault.address!, 1), false, 'web → vault on the same host');
  });

  await t.test('stop: namespace and address gone; start: back, timed', async () => {
    await f.admin.stopInstance(db.id);
    await ready(f);
    assert.ok(!(await listNetns()).includes(dbNs), 'the namespace is gone');
    assert.equal(await ping(webNs, db.address!, 1), false, 'the address no longer answers');
    assert.equal(readStatus(h2)?.instances?.includes(db.id), false);

    const pinging = firstReply(webNs, db.address!, 15);
    await sleep(100); // the ping is running before the start commits
    const t0 = Date.now();
    await f.admin.startInstance(db.id);
    const at = await pinging;
    assert.ok(at !== undefined, 'db answers again after start');
    t.diagnostic(`instance start committed → pingable from the other host: ${at - t0} ms`);
    await ready(f);
    assert.ok((await listNetns()).includes(dbNs));
  });

  await t.test(
    'SIGKILL the agent and start it again: a TCP connection survives, nothing is re-created',
    async () => {
      writeFileSync(join(f.dir, 'echo-server.mjs'), ECHO_SERVER);
      writeFileSync(join(f.dir, 'echo-client.mjs'), ECHO_CLIENT);
      const server = await startIn(dbNs, [join(f.dir, 'echo-server.mjs'), '7777'], 'listening');
      c.add(() => void server.p.kill('SIGKILL'));
      const client = await startIn(webNs, [join(f.dir, 'echo-client.mjs'), db.address!, '7777'], 'connected');
      c.add(() => void client.p.kill('SIGKILL'));
      await sleep(300);

      const before = { ifindex: await ifindex(webNs), peer: (await meshPeers(h1))[0]! };
      t.diagnostic(`agent RSS after settling: h1 ${rssKb(h1)} kB, h2 ${rssKb(h2)} kB`);
      await stopAgent(h1, 'SIGKILL');
      await sleep(500); // the data path does not need the agent
      startAgent(f, h1);
      await ready(f);
      await sleep(300);
      const st = readStatus(h1)!;
      assert.equal(st.applied, 0, 'the restarted agent applied no step: everything was already right');
      assert.equal(await ifindex(webNs), before.ifindex, 'the instance link is the same one');
      const peer = (await meshPeers(h1))[0]!;
      assert.equal(peer.lastHandshakeTimeSec, before.peer.lastHandshakeTimeSec, 'same WireGuard session');
      assert.ok(peer.rxBytes >= before.peer.rxBytes, 'counters were not reset (wireguard-go kept running)');

      assert.equal(client.p.exitCode, null, `the connection is still open: ${client.out()}`);
      const exited = new Promise<void>((r) => client.p.once('exit', () => r()));
      client.p.kill('SIGTERM');
      await exited;
      const last = client.out().trim().split('\n').at(-1) ?? '';
      const { sent, got } = JSON.parse(last) as { sent: number; got: number };
      assert.ok(sent >= 20 && got >= sent - 2, `echoes kept coming through the restart: ${last}`);
    },
  );

  await t.test(
    'with the control plane unreachable, a restarted agent serves DNS from its saved state',
    async () => {
      const ms = await stopAgent(h1, 'SIGTERM');
      assert.ok(ms >= 0 && ms < 5_000, `SIGTERM stops the agent promptly (${ms} ms)`);
      startAgent(f, h1, `unix:${join(f.dir, 'nowhere.sock')}`);
      await waitReady(h1, await head(f));
      assert.equal(await dig(webNs, 'db.internal'), db.address);
      assert.equal(readStatus(h1)?.connected, false);
      assert.equal(readStatus(h1)?.applied, 0);
      const offline = await stopAgent(h1, 'SIGTERM');
      assert.ok(offline >= 0 && offline < 5_000, `without its control plane it stops too (${offline} ms)`);
      startAgent(f, h1);
      await ready(f);
    },
  );

  await t.test('--teardown removes what the agent made', async () => {
    await stopAgent(h1, 'SIGTERM');
    const bin = new URL('../../bin/sixpn.js', import.meta.url).pathname;
    await run('nsenter', [
      `--net=/run/netns/${h1.ns}`,
      '--',
      process.execPath,
      bin,
      'agent',
      '--teardown',
      '--lab',
      '--state-dir',
      h1.stateDir,
      '--mesh-interface',
      h1.mesh,
      '--netns-template',
      f.template,
    ]);
    const left = await listNetns();
    assert.ok(!left.includes(webNs) && !left.includes(vaultNs), 'instance namespaces removed');
    const links = await run('ip', ['-n', h1.ns, '-o', 'link', 'show']);
    assert.doesNotMatch(links.stdout, /sxi|sxm/);
    const tables = await run('ip', ['netns', 'exec', h1.ns, 'nft', 'list', 'tables']);
    assert.doesNotMatch(tables.stdout, /sixpn_agent/);
  });
});
