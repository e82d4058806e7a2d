// The host and gateway isolation tables as nft itself prints them (goldens), and the gateway's DNS redirect:
// a query to fdaa:N:N::3:53 from the peer side reaches a local server, and the reply comes from that address.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  asHostId,
  asInstanceNum,
  asNetworkId,
  asPeerIndex,
  asServiceNum,
  defaultPlan,
  formatCidr,
  formatIPv6,
  hostResolverAddress,
  instanceAddress,
  instancePrefix,
  networkDnsAddress,
  networkPrefix,
  peerAddress,
  peerPrefix,
  serviceAddress,
} from '../../src/core/address.ts';
import type { IsolationSpec } from '../../src/core/nft/isolation.ts';
import { run } from '../../src/runtime/exec.ts';
import { ensureRoute } from '../../src/runtime/link.ts';
import { enableForwarding } from '../../src/runtime/netns.ts';
import { applyIsolation, NftCli } from '../../src/runtime/nft.ts';
import { cannotRun, cleanupFor, netns, suffix, wire } from './support.ts';

const skip = cannotRun(['ip', 'nft']);
const plan = defaultPlan;
const N18 = asNetworkId(0x18);
const N2A = asNetworkId(0x2a);
const golden = (name: string) =>
  readFileSync(new URL(`../../src/core/nft/testdata/${name}`, import.meta.url), 'utf8');

// The same specs that produced the goldens (see src/core/nft/README.md).
const hostSpec: IsolationSpec = {
  table: 'sixpn',
  plan,
  networks: [N18, N2A],
  interfaces: ['sxmesh'],
  guards: [
    {
      iface: 'sxi00000001',
      allowed: [instancePrefix(plan, N18, asHostId(7), asInstanceNum(1))],
      network: N18,
    },
    {
      iface: 'sxi00000002',
      allowed: [instancePrefix(plan, N2A, asHostId(7), asInstanceNum(2))],
      network: N2A,
    },
  ],
  resolvers: [hostResolverAddress(plan)],
};
const gatewaySpec: IsolationSpec = {
  table: 'sixpngw',
  plan,
  networks: [N18, N2A],
  interfaces: ['sxpeers'],
  guards: [{ iface: 'sxpeers', allowed: [networkPrefix(plan, N18), networkPrefix(plan, N2A)] }],
  resolvers: [networkDnsAddress(plan, N18), networkDnsAddress(plan, N2A)],
  dnsRedirectPort: 5353,
};

test('host and gateway tables load and list exactly as the goldens', { skip }, async (t) => {
  const c = cleanupFor(t);
  const ns = await netns(c, `sixpn-nfg-${suffix()}`);
  const nft = new NftCli(ns);
  const text = async (table: string) =>
    (await run('ip', ['netns', 'exec', ns, 'nft', '-s', 'list', 'table', 'inet', table])).stdout;
  for (const [spec, file] of [
    [hostSpec, 'host.nft'],
    [gatewaySpec, 'gateway.nft'],
  ] as const) {
    await applyIsolation(nft, spec);
    assert.equal(await text(spec.table), golden(file));
    await applyIsolation(nft, spec);
    assert.equal(await text(spec.table), golden(file), 'a second apply changes nothing');
  }
});

// The host spec with two service addresses: one with three members, one with none (refused).
const lbSpec: IsolationSpec = {
  ...hostSpec,
  services: [
    {
      address: serviceAddress(plan, N18, asServiceNum(1)),
      members: [1, 2, 3].map((i) => instanceAddress(plan, N18, asHostId(i + 6), asInstanceNum(i))),
    },
    { address: serviceAddress(plan, N2A, asServiceNum(7)), members: [] },
  ],
};

test('service addresses: the table loads and lists as the golden; going back removes every trace', {
  skip,
}, async (t) => {
  const c = cleanupFor(t);
  const ns = await netns(c, `sixpn-nfg-${suffix()}`);
  const nft = new NftCli(ns);
  const text = async (table: string) =>
    (await run('ip', ['netns', 'exec', ns, 'nft', '-s', 'list', 'table', 'inet', table])).stdout;
  await applyIsolation(nft, hostSpec);
  await applyIsolation(nft, lbSpec);
  if (process.env.SIXPN_UPDATE_GOLDEN === '1') {
    writeFileSync(
      new URL('../../src/core/nft/testdata/host-lb.nft', import.meta.url),
      await text(lbSpec.table),
    );
  }
  assert.equal(await text(lbSpec.table), golden('host-lb.nft'));
  await applyIsolation(nft, lbSpec);
  assert.equal(await text(lbSpec.table), golden('host-lb.nft'), 'a second apply changes nothing');
  await applyIsolation(nft, hostSpec);
  assert.equal(await text(hostSpec.table), golden('host.nft'), 'no service: no load-balancing object left');
});

test('gateway: DNS to a network address is redirected to the local server; the reply comes from it', {
  skip,
  timeout: 30_000,
}, async (t) => {
  const c = cleanupFor(t);
  const s = suffix();
  const gw = await netns(c, `sixpn-nfg-${s}-gw`);
  const peer = await netns(c, `sixpn-nfg-${s}-peer`);
  const peerAddr = formatIPv6(peerAddress(plan, N18, asHostId(5), asPeerIndex(1)));
  const dns = formatIPv6(networkDnsAddress(plan, N18));
  await enableForwarding(gw);
  await wire(
    { ns: gw, name: 'sxpeers', addrs: ['fe80::1/64', 'fdaa::5/128'] },
    { ns: peer, name: 'eth0', addrs: [`${peerAddr}/120`] },
  );
  await ensureRoute(peer, { dst: formatCidr(networkPrefix(plan, N18)), via: 'fe80::1', dev: 'eth0' });
  await ensureRoute(gw, {
    dst: formatCidr(peerPrefix(plan, N18, asHostId(5), asPeerIndex(1))),
    dev: 'sxpeers',
  });
  await applyIsolation(new NftCli(gw), gatewaySpec);

  // A UDP server on the redirect port answering "pong:<what it saw as its own address>".
  const server = spawn(
    'ip',
    [
      'netns',
      'exec',
      gw,
      process.execPath,
      '-e',
      `const s = require('dgram').createSocket('udp6');
     s.on('message', (m, r) => s.send('pong', r.port, r.address));
     s.bind(5353, '::', () => console.log('ready'));`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  c.add(() => {
    server.kill('SIGKILL');
  });
  await new Promise<void>((resolve) => server.stdout.once('data', () => resolve()));

  const ask = (dst: string, port: number) =>
    run('ip', [
      'netns',
      'exec',
      peer,
      process.execPath,
      '-e',
      `const s = require('dgram').createSocket('udp6');
       const timer = setTimeout(() => { console.log('timeout'); process.exit(0); }, 1000);
       s.on('message', (m, r) => { console.log(m + ' from ' + r.address + ':' + r.port); process.exit(0); });
       s.send('ping', ${port}, '${dst}');`,
    ]);
  assert.equal((await ask(dns, 53)).stdout.trim(), `pong from ${dns}:53`);
  assert.equal((await ask(dns, 5353)).stdout.trim(), 'timeout', 'the server port itself is not reachable');
  assert.equal((await ask('fdaa::5', 53)).stdout.trim(), 'timeout', 'nor DNS to any other gateway address');
});
