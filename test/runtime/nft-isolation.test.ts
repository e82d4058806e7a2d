// The isolation table loaded with `nft -j -f` in a "host" namespace routing for three "instance" namespaces:
// same-network traffic passes, cross-network and forged-source packets are dropped and counted, DNS only.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  asHostId,
  asInstanceNum,
  asNetworkId,
  defaultPlan,
  formatIPv6,
  hostResolverAddress,
  instanceAddress,
  instancePrefix,
  type NetworkId,
} from '../../src/core/address.ts';
import { dropCounterName } from '../../src/core/nft/counters.ts';
import type { IsolationSpec } from '../../src/core/nft/isolation.ts';
import { networkDrops, ruleCount } from '../../src/core/nft/listing.ts';
import { outputOf, run } from '../../src/runtime/exec.ts';
import { syncAddresses } from '../../src/runtime/link.ts';
import { enableForwarding } from '../../src/runtime/netns.ts';
import { applyIsolation, NftCli } from '../../src/runtime/nft.ts';
import { attachInstance, cannotRun, cleanupFor, netns, ping, suffix } from './support.ts';

const skip = cannotRun(['ip', 'nft', 'ping', 'dig']);
const plan = defaultPlan;
const HOST = asHostId(1);
const N1 = asNetworkId(1);
const N2 = asNetworkId(2);
const resolver = formatIPv6(hostResolverAddress(plan));

/** dig once with a 1 s timeout: 'refused' means the packet reached the host (no server there), 'timeout' not. */
async function dnsProbe(ns: string, from: string, port: number, tcp = false): Promise<string> {
  const args = ['netns', 'exec', ns, 'dig', '-b', from, '+tries=1', '+time=1', '-p', String(port)];
  args.push(`@${resolver}`, 'x.internal');
  if (tcp) args.push('+tcp');
  let out: string;
  try {
    out = (await run('ip', args)).stdout;
  } catch (e) {
    out = outputOf(e);
  }
  if (/refused/i.test(out)) return 'refused';
  if (/timed out|no servers could be reached/i.test(out)) return 'timeout';
  return 'other';
}

test('isolation table: same /48 passes, other networks and forged sources are dropped', {
  skip,
  timeout: 60_000,
}, async (t) => {
  const c = cleanupFor(t);
  const s = suffix();
  const host = await netns(c, `sixpn-nft-${s}-h`);
  await enableForwarding(host);
  await syncAddresses(host, 'lo', [`${resolver}/128`]);
  const inst = (i: number, net: NetworkId) => ({
    ns: `sixpn-nft-${s}-${i}`,
    veth: `sxv${i}`,
    net,
    addr: formatIPv6(instanceAddress(plan, net, HOST, asInstanceNum(i))),
    prefix: instancePrefix(plan, net, HOST, asInstanceNum(i)),
  });
  const insts = [inst(1, N1), inst(2, N1), inst(3, N2)] as const;
  const [i1, i2, i3] = insts;
  for (const x of insts) {
    await attachInstance(c, host, x);
  }
  // A forged source inside network 1 but outside instance 1's /112 (legit pings name their source, so
  // address selection never picks it), and a probe in instance 2 that counts
  // echo requests arriving from it (a separate table of the instance's own, not part of what is tested).
  const forged = formatIPv6(instanceAddress(plan, N1, HOST, asInstanceNum(9)));
  await syncAddresses(i1.ns, 'eth0', [`${i1.addr}/112`, `${forged}/128`]);
  const probe = new NftCli(i2.ns);
  await run('ip', ['netns', 'exec', i2.ns, 'nft', 'add table inet sixpnprobe']);
  await run('ip', [
    'netns',
    'exec',
    i2.ns,
    'nft',
    'add chain inet sixpnprobe in { type filter hook input priority 0; }',
  ]);
  await run('ip', [
    'netns',
    'exec',
    i2.ns,
    'nft',
    `add rule inet sixpnprobe in ip6 saddr ${forged} icmpv6 type echo-request counter`,
  ]);
  const probeCount = async () => {
    type Listing = { nftables: { rule?: { expr: { counter?: { packets: number } }[] } }[] };
    const json = JSON.parse((await probe.listJson('sixpnprobe')) ?? '{"nftables":[]}') as Listing;
    const rule = json.nftables.find((o) => o.rule)?.rule;
    return rule?.expr.find((e) => e.counter)?.counter?.packets ?? -1;
  };

  // Without the table, everything is routed: the forged packet reaches instance 2 and network 2 is reachable.
  assert.ok(await ping(i1.ns, i2.addr, { from: i1.addr }));
  assert.ok(await ping(i1.ns, i3.addr, { from: i1.addr }), 'no isolation yet');
  await ping(i1.ns, i2.addr, { from: forged });
  assert.equal(await probeCount(), 1, 'the probe sees forged packets when nothing filters');

  const nft = new NftCli(host);
  const spec: IsolationSpec = {
    table: `sixpn${s}`,
    plan,
    networks: [N1, N2],
    interfaces: [],
    guards: insts.map((x) => ({ iface: x.veth, allowed: [x.prefix], network: x.net })),
    resolvers: [hostResolverAddress(plan)],
  };
  c.add(() => nft.deleteTable(spec.table));
  await applyIsolation(nft, spec);
  const drops = async (net: NetworkId) => networkDrops((await nft.list(spec.table))!).get(net)?.packets ?? -1;
  const counter = async (name: string) => (await nft.list(spec.table))?.counters.get(name)?.packets ?? -1;

  assert.ok(await ping(i1.ns, i2.addr, { from: i1.addr }), 'same network passes');
  assert.equal(await ping(i1.ns, i3.addr, { from: i1.addr }), false, 'network 1 cannot reach network 2');
  assert.equal(await ping(i3.ns, i1.addr), false, 'network 2 cannot reach network 1');
  assert.equal(await drops(N1), 1);
  assert.equal(await drops(N2), 1);

  await ping(i1.ns, i2.addr, { from: forged, count: 2 });
  assert.equal(await probeCount(), 1, 'no forged packet got through');
  assert.equal(await counter('spoofed'), 2);
  assert.equal(await drops(N1), 3, 'spoofed drops are charged to the sender interface network');
  assert.ok(await ping(i1.ns, i2.addr, { from: i1.addr }), 'the legit source still passes');

  // Input: DNS to fdaa::3 reaches the host (refused: nothing listens); any other port is dropped.
  assert.equal(await dnsProbe(i1.ns, i1.addr, 53), 'refused');
  assert.equal(await dnsProbe(i3.ns, i3.addr, 53, true), 'refused');
  const before = await drops(N1);
  assert.equal(await dnsProbe(i1.ns, i1.addr, 5353), 'timeout');
  assert.equal(await drops(N1), before + 1);

  // Applying again changes nothing and keeps the counts; dropping network 2 deletes its objects.
  const listed = (await nft.list(spec.table))!;
  await applyIsolation(nft, spec);
  const again = (await nft.list(spec.table))!;
  assert.equal(ruleCount(again), ruleCount(listed));
  assert.equal(again.counters.get(dropCounterName(N1))?.packets, before + 1, 'counters survive a re-apply');
  const smaller = { ...spec, networks: [N1], guards: spec.guards.filter((g) => g.network === N1) };
  await applyIsolation(nft, smaller);
  const after = (await nft.list(spec.table))!;
  assert.equal(after.counters.has(dropCounterName(N2)), false, 'stale counter deleted');
  assert.equal(after.sets.get('same_net')?.elements, 1);
  assert.equal(ruleCount(after), ruleCount(listed));
  assert.ok(await ping(i1.ns, i2.addr, { from: i1.addr }));

  await nft.deleteTable(spec.table);
  assert.equal(await nft.list(spec.table), undefined);
  await nft.deleteTable(spec.table);
  assert.ok(await ping(i1.ns, i3.addr, { from: i1.addr }), 'with the table gone, routing is open again');
});
