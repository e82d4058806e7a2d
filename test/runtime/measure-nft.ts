// Measurement (prints, not a test): how the isolation table scales with networks — rules, set elements, apply
// time, and forwarding latency through it — against the naive one-rule-per-network alternative.
// Run as root: node --import tsx test/runtime/measure-nft.ts [max networks, default 10000]

import {
  asHostId,
  asInstanceNum,
  asNetworkId,
  defaultPlan,
  formatCidr,
  formatIPv6,
  hostResolverAddress,
  instanceAddress,
  instancePrefix,
  type NetworkId,
  networkPrefix,
} from '../../src/core/address.ts';
import { buildIsolation, type IsolationSpec } from '../../src/core/nft/isolation.ts';
import type { NftBatch } from '../../src/core/nft/json.ts';
import { ruleCount } from '../../src/core/nft/listing.ts';
import { run } from '../../src/runtime/exec.ts';
import { ensureRoute } from '../../src/runtime/link.ts';
import { enableForwarding } from '../../src/runtime/netns.ts';
import { applyIsolation, NftCli } from '../../src/runtime/nft.ts';
import { Cleanup, netns, suffix, wire } from './support.ts';

const MAX = Number(process.argv[2] ?? 10_000);
const plan = defaultPlan;
const HOST = asHostId(1);
const nets = (n: number) => Array.from({ length: n }, (_, i) => asNetworkId(i + 1));

/** Host-like spec: one instance (guarded veth) per network; the two test instances sit in the LAST network. */
function spec(n: number): IsolationSpec {
  const all = nets(n);
  const last = all[n - 1]!;
  return {
    table: 'sixpnmsr',
    plan,
    networks: all,
    interfaces: [],
    guards: [
      ...all.slice(0, -1).map((net, i) => ({
        iface: `sxg${i}`,
        allowed: [instancePrefix(plan, net, HOST, asInstanceNum(1))],
        network: net,
      })),
      { iface: 'sxa', allowed: [instancePrefix(plan, last, HOST, asInstanceNum(1))], network: last },
      { iface: 'sxb', allowed: [instancePrefix(plan, last, HOST, asInstanceNum(2))], network: last },
    ],
    resolvers: [hostResolverAddress(plan)],
  };
}

/** The naive alternative: one accept rule per network pair check, walked in order. */
function linear(n: number): NftBatch {
  const t = 'sixpnmsr';
  const table = { family: 'inet', name: t };
  const match = (field: string, net: NetworkId) => {
    const c = networkPrefix(plan, net);
    return {
      match: {
        op: '==',
        left: { payload: { protocol: 'ip6', field } },
        right: { prefix: { addr: formatIPv6(c.base), len: 48 } },
      },
    };
  };
  return {
    nftables: [
      { add: { table } },
      { delete: { table } },
      { add: { table } },
      {
        add: {
          chain: {
            family: 'inet',
            table: t,
            name: 'forward',
            type: 'filter',
            hook: 'forward',
            prio: 0,
            policy: 'drop',
          },
        },
      },
      ...nets(n).map((net) => ({
        add: {
          rule: {
            family: 'inet',
            table: t,
            chain: 'forward',
            expr: [match('saddr', net), match('daddr', net), { accept: null }],
          },
        },
      })),
    ],
  };
}

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await f();
  return [r, performance.now() - t];
}

async function rtt(ns: string, dst: string): Promise<string> {
  const { stdout } = await run(
    'ip',
    ['netns', 'exec', ns, 'ping', '-6', '-q', '-n', '-i', '0', '-c', '3000', dst],
    {
      timeoutMs: 60_000,
    },
  );
  const m = /= [\d.]+\/([\d.]+)\//.exec(stdout);
  return m ? `${(Number(m[1]) * 1000).toFixed(0)} µs` : stdout.trim();
}

async function main() {
  const c = new Cleanup();
  try {
    const s = suffix();
    const host = await netns(c, `sixpn-msn-${s}-h`);
    await enableForwarding(host);
    const nft = new NftCli(host);
    const sizes = [10, 100, 1000, 10_000, 100_000].filter((n) => n <= MAX);
    console.log(
      'networks | rules | same_net | net_counter | counters | batch KiB | first apply | re-apply (list+apply) | list',
    );
    for (const n of sizes) {
      await nft.deleteTable('sixpnmsr');
      const batch = buildIsolation(spec(n));
      const [, first] = await timed(() => nft.apply(batch));
      const [, again] = await timed(() => applyIsolation(nft, spec(n)));
      const [l, list] = await timed(async () => (await nft.list('sixpnmsr'))!);
      console.log(
        [
          n,
          ruleCount(l),
          l.sets.get('same_net')?.elements,
          l.sets.get('net_counter')?.elements,
          l.counters.size,
          (JSON.stringify(batch).length / 1024).toFixed(0),
          `${first.toFixed(0)} ms`,
          `${again.toFixed(0)} ms`,
          `${list.toFixed(0)} ms`,
        ].join(' | '),
      );
    }

    // Forwarding latency between two instances of the last network, through each ruleset.
    const last = (n: number) => nets(n)[n - 1]!;
    const a = await netns(c, `sixpn-msn-${s}-a`);
    const b = await netns(c, `sixpn-msn-${s}-b`);
    const place = async (ns: string, veth: string, net: NetworkId, i: number) => {
      const addr = formatIPv6(instanceAddress(plan, net, HOST, asInstanceNum(i)));
      await wire(
        { ns: host, name: veth, addrs: ['fe80::1/64'] },
        { ns, name: 'eth0', addrs: [`${addr}/112`] },
      );
      await ensureRoute(host, {
        dst: formatCidr(instancePrefix(plan, net, HOST, asInstanceNum(i))),
        dev: veth,
      });
      await ensureRoute(ns, { dst: 'fdaa::/16', via: 'fe80::1', dev: 'eth0' });
      return addr;
    };
    console.log('\nping -i 0 -c 3000 between two instances of the last network (average RTT):');
    for (const n of sizes.filter((x) => x <= 10_000)) {
      await run('ip', ['-n', a, 'link', 'del', 'eth0']).catch(() => undefined);
      await run('ip', ['-n', b, 'link', 'del', 'eth0']).catch(() => undefined);
      await place(a, 'sxa', last(n), 1);
      const dst = await place(b, 'sxb', last(n), 2);
      await nft.deleteTable('sixpnmsr');
      const none = await rtt(a, dst);
      await applyIsolation(nft, spec(n));
      const sets = await rtt(a, dst);
      await nft.apply(linear(n));
      const rules = await rtt(a, dst);
      console.log(
        `${n} networks: no table ${none}, sixpn table (sets) ${sets}, one rule per network ${rules}`,
      );
    }
  } finally {
    await c.run();
  }
}

await main();
