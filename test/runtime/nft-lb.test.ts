// Service addresses through the real kernel: the table loaded with `nft -j -f` in a "host" namespace that routes
// for instance namespaces. New TCP and UDP flows to the service address are spread over its members, replies come
// from the service address (also to a member that asked itself), an established connection stays on its instance
// when the members change, a service with no member refuses at once, and neither another network nor a forged
// source reaches it.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { test } from 'node:test';
import {
  asHostId,
  asInstanceNum,
  asNetworkId,
  asServiceNum,
  defaultPlan,
  formatIPv6,
  hostResolverAddress,
  instanceAddress,
  instancePrefix,
  type NetworkId,
  serviceAddress,
} from '../../src/core/address.ts';
import { dropCounterName } from '../../src/core/nft/counters.ts';
import type { IsolationSpec } from '../../src/core/nft/isolation.ts';
import { run } from '../../src/runtime/exec.ts';
import { ensureRoute, syncAddresses } from '../../src/runtime/link.ts';
import { enableForwarding } from '../../src/runtime/netns.ts';
import { applyIsolation, NftCli } from '../../src/runtime/nft.ts';
import { attachInstance, type Cleanup, cannotRun, cleanupFor, netns, suffix, wire } from './support.ts';

const skip = cannotRun(['ip', 'nft']);
const plan = defaultPlan;
const HOST = asHostId(1);
const N1 = asNetworkId(1);
const N2 = asNetworkId(2);
const SVC = serviceAddress(plan, N1, asServiceNum(1));
const svc = formatIPv6(SVC);
const PORT = 8080;

/** A TCP and UDP server on PORT answering every line / datagram with its name. */
const SERVER = `
const name = process.argv[1];
const net = require('net'), dgram = require('dgram');
net.createServer((s) => s.on('data', () => s.write(name + '\\n'))).listen(${PORT}, '::', () => {
  const u = dgram.createSocket('udp6');
  u.on('message', (m, r) => u.send(name, r.port, r.address));
  u.bind(${PORT}, '::', () => console.log('ready'));
});`;

/**
 * A client: argv[1] is JSON {mode, n, dst, from?, timeoutMs}. Prints one JSON line: the answers ('<name>@<remote
 * address>', or 'refused' / 'timeout' / the error code).
 */
const CLIENT = `
const o = JSON.parse(process.argv[1]);
const net = require('net'), dgram = require('dgram');
function tcp() {
  return new Promise((resolve) => {
    const s = net.connect({ host: o.dst, port: ${PORT}, ...(o.from ? { localAddress: o.from } : {}) });
    const t = setTimeout(() => { s.destroy(); resolve('timeout'); }, o.timeoutMs);
    s.on('connect', () => s.write('hi\\n'));
    s.on('data', (d) => { clearTimeout(t); resolve(String(d).trim() + '@' + s.remoteAddress); s.end(); });
    s.on('error', (e) => { clearTimeout(t); resolve(e.code === 'ECONNREFUSED' ? 'refused' : e.code); });
  });
}
function udp() {
  return new Promise((resolve) => {
    const u = dgram.createSocket('udp6');
    const t = setTimeout(() => { u.close(); resolve('timeout'); }, o.timeoutMs);
    u.on('message', (m, r) => { clearTimeout(t); u.close(); resolve(String(m) + '@' + r.address); });
    u.on('error', (e) => { clearTimeout(t); u.close(); resolve(e.code); });
    const go = () => u.send('hi', ${PORT}, o.dst);
    if (o.from) u.bind(0, o.from, go);
    else go();
  });
}
(async () => {
  const out = [];
  for (let i = 0; i < o.n; i++) out.push(await (o.mode === 'udp' ? udp() : tcp()));
  console.log(JSON.stringify(out));
})();`;

/**
 * One long-lived TCP connection: writes a line for every line on stdin, prints each answer. Lets a test ask the
 * same connection again after the table changed.
 */
const HOLDER = `
const s = require('net').connect({ host: process.argv[1], port: ${PORT} });
s.on('data', (d) => console.log(String(d).trim()));
process.stdin.on('data', () => s.write('again\\n'));
s.on('connect', () => s.write('first\\n'));`;

function spawnIn(c: Cleanup, ns: string, script: string, args: string[]): ChildProcess {
  const p = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', script, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  c.add(() => {
    p.kill('SIGKILL');
  });
  return p;
}

const nextLine = (p: ChildProcess) =>
  new Promise<string>((resolve) => p.stdout?.once('data', (d) => resolve(String(d).trim())));

async function ask(
  ns: string,
  o: { mode: 'tcp' | 'udp'; n: number; dst: string; from?: string; timeoutMs?: number },
) {
  const { stdout } = await run('ip', [
    'netns',
    'exec',
    ns,
    process.execPath,
    '-e',
    CLIENT,
    JSON.stringify({ timeoutMs: 1500, ...o }),
  ]);
  return JSON.parse(stdout) as string[];
}

const tally = (xs: string[]) => {
  const m: Record<string, number> = {};
  for (const x of xs) m[x] = (m[x] ?? 0) + 1;
  return m;
};

test('service address: spread over members, sticky flows, refusal, isolation', {
  skip,
  timeout: 120_000,
}, async (t) => {
  const c = cleanupFor(t);
  const s = suffix();
  const host = await netns(c, `sixpn-lb-${s}-h`);
  await enableForwarding(host);
  const resolver = formatIPv6(hostResolverAddress(plan));
  await syncAddresses(host, 'lo', [`${resolver}/128`]);
  // The host mesh stands in as a link to a sink namespace: the rest of the 6PN is routed into it, as on a host.
  const sink = await netns(c, `sixpn-lb-${s}-m`);
  await wire({ ns: host, name: 'sxmesh', addrs: ['fe80::1/64'] }, { ns: sink, name: 'eth0', addrs: [] });
  await ensureRoute(host, { dst: 'fdaa::/16', dev: 'sxmesh' });
  const inst = (name: string, i: number, net: NetworkId) => ({
    name,
    num: asInstanceNum(i),
    ns: `sixpn-lb-${s}-${name}`,
    veth: `sxl${s}${i}`,
    net,
    addr: formatIPv6(instanceAddress(plan, net, HOST, asInstanceNum(i))),
    prefix: instancePrefix(plan, net, HOST, asInstanceNum(i)),
  });
  const client = inst('c', 1, N1);
  const backends = [inst('b1', 2, N1), inst('b2', 3, N1), inst('b3', 4, N1)];
  const other = inst('x', 5, N2);
  for (const x of [client, ...backends, other]) {
    await attachInstance(c, host, x);
  }
  const members = (names: string[]) =>
    backends.filter((b) => names.includes(b.name)).map((b) => instanceAddress(plan, N1, HOST, b.num));
  const spec = (names: string[]): IsolationSpec => ({
    table: 'sixpn',
    plan,
    networks: [N1, N2],
    interfaces: ['sxmesh'],
    guards: [client, ...backends, other].map((x) => ({ iface: x.veth, allowed: [x.prefix], network: x.net })),
    resolvers: [hostResolverAddress(plan)],
    services: [{ address: SVC, members: members(names) }],
  });
  const nft = new NftCli(host);
  await applyIsolation(nft, spec(['b1', 'b2', 'b3']));
  for (const b of backends) {
    const p = spawnIn(c, b.ns, SERVER, [b.name]);
    assert.equal(await nextLine(p), 'ready');
  }

  // New flows spread over every member; the answers come from the service address.
  const tcp = tally(await ask(client.ns, { mode: 'tcp', n: 30, dst: svc }));
  assert.deepEqual(Object.keys(tcp).sort(), [`b1@${svc}`, `b2@${svc}`, `b3@${svc}`], JSON.stringify(tcp));
  const udp = tally(await ask(client.ns, { mode: 'udp', n: 30, dst: svc }));
  assert.deepEqual(Object.keys(udp).sort(), [`b1@${svc}`, `b2@${svc}`, `b3@${svc}`], JSON.stringify(udp));

  // An established connection stays on its instance when that instance leaves the members (it still runs).
  const holder = spawnIn(c, client.ns, HOLDER, [svc]);
  const first = await nextLine(holder);
  assert.match(first, /^b[123]$/);
  const rest = backends.map((b) => b.name).filter((n) => n !== first);
  await applyIsolation(nft, spec(rest));
  holder.stdin?.write('x\n');
  assert.equal(await nextLine(holder), first, 'the open connection kept its instance');
  const after = tally(await ask(client.ns, { mode: 'tcp', n: 20, dst: svc }));
  assert.deepEqual(
    Object.keys(after).sort(),
    rest.map((n) => `${n}@${svc}`).sort(),
    'new flows: new members only',
  );

  // A member asking its own service address, chosen itself (the only member): answered, from the service address.
  await applyIsolation(nft, spec(['b1']));
  const [b1] = backends;
  assert.deepEqual(
    await ask(b1!.ns, { mode: 'tcp', n: 3, dst: svc }),
    Array(3).fill(`b1@${svc}`),
    'TCP hairpin',
  );
  assert.deepEqual(
    await ask(b1!.ns, { mode: 'udp', n: 3, dst: svc }),
    Array(3).fill(`b1@${svc}`),
    'UDP hairpin',
  );

  // No member: refused at once, not routed on into nowhere.
  await applyIsolation(nft, spec([]));
  const t0 = performance.now();
  assert.deepEqual(await ask(client.ns, { mode: 'tcp', n: 1, dst: svc, timeoutMs: 3000 }), ['refused']);
  assert.ok(performance.now() - t0 < 2500, 'refused without waiting for a time-out');
  await applyIsolation(nft, spec(['b1', 'b2', 'b3']));

  // Another network's instance: dropped and charged to its network.
  const drops = async () => {
    const l = await nft.list('sixpn');
    return {
      other: l?.counters.get(dropCounterName(N2))?.packets ?? 0,
      spoofed: l?.counters.get('spoofed')?.packets ?? 0,
    };
  };
  const d0 = await drops();
  assert.deepEqual(await ask(other.ns, { mode: 'tcp', n: 1, dst: svc }), ['timeout']);
  assert.deepEqual(await ask(other.ns, { mode: 'udp', n: 1, dst: svc }), ['timeout']);
  const d1 = await drops();
  assert.ok(d1.other > d0.other, `blocked and counted: ${JSON.stringify([d0, d1])}`);

  // A forged source inside network 1 but outside the client's /112: dropped as spoofed.
  const forged = formatIPv6(instanceAddress(plan, N1, HOST, asInstanceNum(9)));
  await run('ip', ['netns', 'exec', client.ns, 'ip', 'addr', 'add', `${forged}/128`, 'dev', 'eth0', 'nodad']);
  assert.deepEqual(await ask(client.ns, { mode: 'tcp', n: 1, dst: svc, from: forged }), ['timeout']);
  assert.deepEqual(await ask(client.ns, { mode: 'udp', n: 1, dst: svc, from: forged }), ['timeout']);
  const d2 = await drops();
  assert.ok(d2.spoofed > d1.spoofed, `spoofed and counted: ${JSON.stringify([d1, d2])}`);
});
