// The gateway's usage table in real nftables, read by the real usage task: two peers ping an instance through a
// gateway namespace; one peer leaves the gateway's desired state, and after the read that reported its last bytes its
// elements are deleted; back with the same address, it is counted from zero. Exact byte counts (ping's IPv6 size).

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  asHostId,
  asInstanceNum,
  asNetworkId,
  asPeerIndex,
  formatCidr,
  formatIPv6,
  instanceAddress,
  instancePrefix,
  networkPrefix,
  peerAddress,
  peerPrefix,
  defaultPlan as plan,
} from '../../src/core/address.ts';
import { SixpnError } from '../../src/core/errors.ts';
import {
  buildPeerUsage,
  PEER_USAGE_TABLE,
  type PeerUsageSpec,
  peerUsageCounters,
  planPeerUsagePrune,
  prunePeerUsageBatch,
} from '../../src/core/nft/peer-usage.ts';
import type { UsageReport } from '../../src/core/usage/delta.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { run } from '../../src/runtime/exec.ts';
import { ensureRoute, syncAddresses } from '../../src/runtime/link.ts';
import { enableForwarding } from '../../src/runtime/netns.ts';
import { NftCli } from '../../src/runtime/nft.ts';
import { runUsageTask } from '../../src/runtime/usage-task.ts';
import { attachInstance, cannotRun, cleanupFor, eventually, netns, suffix, wire } from './support.ts';

const skip = cannotRun(['ip', 'nft', 'ping']);
const N18 = asNetworkId(0x18);
const GW = asHostId(5);
/** ping -s 1000: 40 (IPv6) + 8 (ICMPv6) + 1000 bytes per packet, each way. */
const SIZE = 1048;

test('gateway usage: a removed peer is reported to its last byte, then its elements go; back, it starts at zero', {
  skip,
  timeout: 120_000,
}, async (t) => {
  const c = cleanupFor(t);
  const s = suffix();
  const gw = await netns(c, `sixpn-npu-${s}-gw`);
  const laptop = await netns(c, `sixpn-npu-${s}-peer`);
  const [a, b] = [1, 2].map((i) => formatIPv6(peerAddress(plan, N18, GW, asPeerIndex(i)))) as [
    string,
    string,
  ];
  const inst = formatIPv6(instanceAddress(plan, N18, asHostId(7), asInstanceNum(1)));
  await enableForwarding(gw);
  await wire({ ns: gw, name: 'sxpeers', addrs: ['fe80::1/64'] }, { ns: laptop, name: 'eth0', addrs: [] });
  await syncAddresses(laptop, 'eth0', [`${a}/120`, `${b}/120`]);
  await ensureRoute(laptop, { dst: formatCidr(networkPrefix(plan, N18)), via: 'fe80::1', dev: 'eth0' });
  for (const i of [1, 2])
    await ensureRoute(gw, { dst: formatCidr(peerPrefix(plan, N18, GW, asPeerIndex(i))), dev: 'sxpeers' });
  await attachInstance(c, gw, {
    ns: `sixpn-npu-${s}-i`,
    veth: 'sxi1',
    addr: inst,
    prefix: instancePrefix(plan, N18, asHostId(7), asInstanceNum(1)),
  });
  const ping = async (from: string, count: number) => {
    await run(
      'ip',
      ['netns', 'exec', laptop, 'ping', '-6', '-n', '-q', '-c', String(count), '-i', '0.05'].concat([
        '-s',
        '1000',
        '-W',
        '2',
        '-I',
        from,
        inst,
      ]),
    );
  };

  const nft = new NftCli(gw);
  const spec: PeerUsageSpec = {
    table: PEER_USAGE_TABLE,
    self: GW,
    region: 'ord',
    hosts: [
      { num: GW, region: 'ord' },
      { num: 7, region: 'ord' },
    ],
    peerIface: 'sxpeers',
  };
  let desired = [a, b];
  const reports: UsageReport[] = [];
  const refused: UsageReport[] = [];
  const forgotten = new Set<string>();
  const dir = await mkdtemp(join(tmpdir(), 'sixpn-npu-'));
  c.add(() => rm(dir, { recursive: true, force: true }));
  const stop = new AbortController();
  const task = runUsageTask({
    table: {
      name: PEER_USAGE_TABLE,
      spec: () => spec,
      build: buildPeerUsage,
      counters: peerUsageCounters,
      prune: (listing, recorded) =>
        prunePeerUsageBatch(PEER_USAGE_TABLE, planPeerUsagePrune(listing, desired, recorded)),
    },
    region: 'ord',
    nft,
    // like the control plane: a report with an item of a peer it no longer has is refused whole, naming the peer
    send: async (r) => {
      const gone = [...new Set(r.items.flatMap((i) => (i.peer && forgotten.has(i.peer) ? [i.peer] : [])))];
      if (gone.length > 0) {
        refused.push(r);
        throw new SixpnError('not_found', `peer ${gone[0]} is not a peer of gateway gw; nothing was stored`, {
          details: { peers: gone },
        });
      }
      reports.push(r);
      return { applied: true };
    },
    spoolDir: dir,
    intervalMs: 300,
    pollMs: 50,
    log: silentLogger,
    signal: stop.signal,
  });
  c.add(async () => {
    stop.abort();
    await task;
  });
  /** Bytes reported for `peer` in `d`, over all reports so far. */
  const sent = (peer: string, d: 'tx' | 'rx') =>
    reports.flatMap((r) => r.items).reduce((n, i) => n + (i.peer === peer && i.dir === d ? i.bytes : 0), 0);
  const elementsOf = async (peer: string) => {
    const l = await nft.list(PEER_USAGE_TABLE);
    return l ? peerUsageCounters(l).filter((x) => x.peer === peer).length : -1;
  };
  const pruned = async () => (await nft.list(PEER_USAGE_TABLE))?.sets.get('pruned')?.elements ?? -1;
  // A pause between tries: a check that never waits would starve the task's timers.
  const settle = (f: () => boolean | Promise<boolean>) =>
    eventually(async () => (await f()) || (await sleep(50).then(() => false)), 15_000);

  assert.ok(
    await settle(async () => (await nft.list(PEER_USAGE_TABLE)) !== undefined),
    'the task made the table',
  );
  await ping(a, 2);
  await ping(b, 3);
  assert.ok(
    await settle(() => sent(b, 'tx') === 3 * SIZE && sent(b, 'rx') === 3 * SIZE),
    `b: ${sent(b, 'tx')}`,
  );
  assert.equal(await elementsOf(b), 2, "b's tx and rx elements");

  // b sends once more and leaves at once: its last bytes are read, then its elements go.
  await ping(b, 1);
  desired = [a];
  assert.ok(await settle(async () => (await elementsOf(b)) === 0), "b's elements were deleted");
  // The read before the delete spooled them; the same step sends them.
  const last = () => sent(b, 'tx') === 4 * SIZE && sent(b, 'rx') === 4 * SIZE;
  assert.ok(await settle(last), `its last bytes are reported: ${sent(b, 'tx')} ${sent(b, 'rx')}`);
  assert.ok(await settle(async () => (await pruned()) === 0), 'pruned is empty again');
  assert.equal(await elementsOf(a), 2, "a's elements stay");
  assert.equal(sent(a, 'tx'), 2 * SIZE);

  // b back with the same address: its new elements start from zero, and all of it is reported.
  desired = [a, b];
  await ping(b, 2);
  assert.ok(
    await settle(() => sent(b, 'tx') === 6 * SIZE && sent(b, 'rx') === 6 * SIZE),
    `b: ${sent(b, 'tx')}`,
  );
  await sleep(700); // two more intervals: nothing more is reported
  assert.deepEqual([sent(a, 'tx'), sent(b, 'tx'), sent(b, 'rx')], [2 * SIZE, 6 * SIZE, 6 * SIZE]);

  // b deleted at the control plane before the gateway heard of it: its last bytes are refused, a's in the same
  // report still count.
  forgotten.add(b);
  await Promise.all([ping(a, 1), ping(b, 1)]);
  desired = [a];
  assert.ok(
    await settle(() => sent(a, 'tx') === 3 * SIZE),
    `a's bytes beside b's refused ones: ${sent(a, 'tx')}`,
  );
  assert.ok(await settle(async () => (await elementsOf(b)) === 0), "b's elements were deleted");
  await sleep(700);
  assert.ok(refused.length > 0, "b's last report was refused");
  assert.deepEqual([sent(a, 'tx'), sent(a, 'rx'), sent(b, 'tx')], [3 * SIZE, 3 * SIZE, 6 * SIZE]);
  // each report applied once; one refused whole (only b's items) is the only kind of gap
  const seqs = reports.map((r) => r.seq);
  assert.deepEqual(
    seqs,
    [...new Set(seqs)].sort((x, y) => x - y),
    'each report sent once, in order',
  );
  const all = new Set([...seqs, ...refused.map((r) => r.seq)]);
  assert.deepEqual(
    [...all].sort((x, y) => x - y),
    [...all].map((_, i) => i + 1),
    'one gapless sequence',
  );
});
