// Usage accounting benchmark (prints figures; not a test), in one run:
// 1. TCP throughput between two instances through a forwarding namespace, with the usage table loaded (counting
//    on) and without it (off), alternated; the counters' total is checked against the bytes sent.
// 2. Store rows per day at 1,000 instances (100 apps, 10 hosts in 3 regions, one report per host a minute).
// 3. The time to answer a 30-day usage query (day and hour steps) over 30 such days.
// Needs root for part 1; makes and removes namespaces sixpn-bu-*.
//
//   node --import tsx bench/usage/run.ts [--seconds 5] [--rounds 3]

import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { openStore } from '../../src/control/store/open.ts';
import { asHostId, defaultPlan } from '../../src/core/address.ts';
import { buildUsage, USAGE_TABLE, usageCounters } from '../../src/core/nft/usage.ts';
import type { UsageItem } from '../../src/core/usage/delta.ts';
import { parseUsageQuery } from '../../src/core/usage/query.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { run } from '../../src/runtime/exec.ts';
import { NftCli } from '../../src/runtime/nft.ts';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '3' } },
});
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const A = 'sixpn-bu-a';
const R = 'sixpn-bu-r';
const B = 'sixpn-bu-b';
const ADDR_A = 'fdaa:0:1:0:1:0:1:2';
const ADDR_B = 'fdaa:0:1:0:2:0:1:2';
const ip = (...args: string[]) => run('ip', args);
const inNs = (ns: string, ...args: string[]) => run('ip', ['netns', 'exec', ns, ...args]);

async function setUp(): Promise<void> {
  await tearDown(); // what a run that died left behind
  for (const ns of [A, R, B]) await ip('netns', 'add', ns);
  await ip('link', 'add', 'sxi00000001', 'netns', R, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', A);
  await ip('link', 'add', 'sxbu0', 'netns', R, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', B);
  await inNs(R, 'sysctl', '-qw', 'net.ipv6.conf.all.forwarding=1');
  for (const [ns, dev, addr] of [
    [A, 'eth0', `${ADDR_A}/112`],
    [B, 'eth0', `${ADDR_B}/112`],
    [R, 'sxi00000001', 'fdaa:0:1:0:1:0:1:1/112'],
    [R, 'sxbu0', 'fdaa:0:1:0:2:0:1:1/112'],
  ] as const) {
    await inNs(ns, 'ip', '-6', 'addr', 'add', addr, 'dev', dev, 'nodad');
    await inNs(ns, 'ip', 'link', 'set', dev, 'up');
    await inNs(ns, 'ip', 'link', 'set', 'lo', 'up');
  }
  await inNs(A, 'ip', '-6', 'route', 'add', 'default', 'via', 'fdaa:0:1:0:1:0:1:1');
  await inNs(B, 'ip', '-6', 'route', 'add', 'default', 'via', 'fdaa:0:1:0:2:0:1:1');
}

async function tearDown(): Promise<void> {
  for (const ns of [A, R, B]) await ip('netns', 'del', ns).catch(() => undefined);
}

const SINK = `require('node:net').createServer((s) => { let n = 0; s.on('data', (b) => { n += b.length; });
  s.on('end', () => { console.log(n); process.exit(0); }); }).listen(5001, '${ADDR_B}', () => console.log('up'));`;
const SEND = `const s = require('node:net').connect({ host: '${ADDR_B}', port: 5001 }, async () => {
  const b = Buffer.alloc(1 << 16, 7); const end = Date.now() + ${SECONDS * 1000};
  while (Date.now() < end) { if (!s.write(b)) await new Promise((r) => s.once('drain', r)); } s.end(); });`;

/** Bytes per second of one TCP stream A → B for SECONDS. */
async function throughput(): Promise<number> {
  const sink = spawn('ip', ['netns', 'exec', B, process.execPath, '-e', SINK]);
  // listened for from the start: the sink may end before the sender's process has
  const exited = new Promise((r) => sink.once('exit', r));
  let out = '';
  sink.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  while (!out.includes('up')) await new Promise((r) => setTimeout(r, 20));
  const t0 = performance.now();
  await inNs(A, process.execPath, '-e', SEND);
  await exited;
  const bytes = Number(out.split('\n')[1]);
  return bytes / ((performance.now() - t0) / 1000);
}

async function counting(): Promise<string[]> {
  const lines: string[] = [];
  const nft = new NftCli(R);
  const spec = {
    table: USAGE_TABLE,
    plan: defaultPlan,
    self: asHostId(1),
    region: 'ord',
    hosts: [
      { num: 1, region: 'ord' },
      { num: 2, region: 'ord' },
      { num: 3, region: 'nrt' },
    ],
    instances: [{ id: '00000001', iface: 'sxi00000001' }],
  };
  const on: number[] = [];
  const off: number[] = [];
  let counted = 0;
  for (let i = 0; i < ROUNDS; i++) {
    await nft.apply(buildUsage(spec, await nft.list(USAGE_TABLE)));
    on.push(await throughput());
    const l = await nft.list(USAGE_TABLE);
    counted = usageCounters(l!).reduce((a, c) => a + (c.dir === 'tx' ? c.bytes : 0), 0);
    await nft.deleteTable(USAGE_TABLE);
    off.push(await throughput());
  }
  const mbit = (xs: number[]) => xs.map((x) => ((x * 8) / 1e6).toFixed(0)).join(', ');
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  lines.push(`TCP A → B through a forwarding namespace, ${SECONDS} s per run, ${ROUNDS} rounds alternated:`);
  lines.push(`  counting on:  ${mbit(on)} Mbit/s (median ${((med(on) * 8) / 1e6).toFixed(0)})`);
  lines.push(`  counting off: ${mbit(off)} Mbit/s (median ${((med(off) * 8) / 1e6).toFixed(0)})`);
  lines.push(`  last counted run: ${counted} IPv6 bytes sent by the instance (tx, region scope)`);
  return lines;
}

async function store(): Promise<string[]> {
  const s = await openStore('sqlite::memory:', { logger: silentLogger });
  const day0 = Date.parse('2030-01-01T00:00:00Z');
  const regions = ['ord', 'nrt', 'ams'];
  for (const r of regions) await s.createRegion({ code: r, name: r, lat: 0, lon: 0 });
  for (let h = 0; h < 10; h++) await s.createHost({ name: `h${h}`, region: regions[h % 3]!, role: 'host' });
  await s.createOrg('acme');
  for (let a = 0; a < 100; a++) await s.createApp({ org: 'acme', name: `app${a}`, private_network: true });
  const byHost = new Map<string, string[]>();
  for (let i = 0; i < 1000; i++) {
    const h = `h${i % 10}`;
    const inst = await s.createInstance({
      org: 'acme',
      app: `app${i % 100}`,
      region: regions[(i % 10) % 3]!,
      host: h,
    });
    byHost.set(h, [...(byHost.get(h) ?? []), inst.id]);
  }
  // One day: every host reports every minute; each instance sent and received in its own region and one other.
  const t0 = performance.now();
  let reports = 0;
  for (let m = 0; m < 1440; m++) {
    for (const [h, ids] of byHost) {
      const own = regions[Number(h.slice(1)) % 3]!;
      const other = regions[(Number(h.slice(1)) + 1) % 3]!;
      const items: UsageItem[] = ids.flatMap((instance) => [
        { instance, dir: 'tx', scope: 'region', src_region: own, dst_region: own, bytes: 1000, packets: 10 },
        {
          instance,
          dir: 'rx',
          scope: 'interregion',
          src_region: other,
          dst_region: own,
          bytes: 500,
          packets: 5,
        },
      ]);
      await s.applyUsageReport(h, {
        epoch: 'e0',
        seq: m + 1,
        at: new Date(day0 + m * 60_000 + 1000).toISOString(),
        items,
      });
      reports++;
    }
  }
  const applyMs = performance.now() - t0;
  const rows = async (table: string) => {
    const q = parseUsageQuery(
      {
        from: String(day0 / 1000),
        to: String(day0 / 1000 + 86_400),
        step: table === 'day' ? '1d' : table === 'hour' ? '1h' : '1m',
        by: 'app',
      },
      day0 / 1000 + 86_400,
    );
    return (await s.usageRows('acme', q)).length;
  };
  const perDay = { minute: await rows('minute'), hour: await rows('hour'), day: await rows('day') };
  // 29 more days, one report per host an hour (the hour and day buckets a 30-day query reads are as full as the
  // first day's), then the 30-day query at day and hour steps, timed.
  for (let d = 1; d < 30; d++) {
    for (let hr = 0; hr < 24; hr++) {
      for (const [h, ids] of byHost) {
        const own = regions[Number(h.slice(1)) % 3]!;
        await s.applyUsageReport(h, {
          epoch: 'e0',
          seq: 1440 + d * 24 + hr + 1,
          at: new Date(day0 + d * 86_400_000 + hr * 3_600_000 + 1000).toISOString(),
          items: ids.map((instance) => ({
            instance,
            dir: 'tx' as const,
            scope: 'region' as const,
            src_region: own,
            dst_region: own,
            bytes: 60_000,
            packets: 600,
          })),
        });
      }
    }
  }
  const month = async (step: string) => {
    const q = parseUsageQuery(
      { from: String(day0 / 1000), to: String(day0 / 1000 + 30 * 86_400), step, by: 'app' },
      day0 / 1000 + 30 * 86_400,
    );
    const t = performance.now();
    const n = (await s.usageRows('acme', q)).length;
    return `${(performance.now() - t).toFixed(0)} ms (${n} rows)`;
  };
  const query = { day: await month('1d'), hour: await month('1h') };
  const lines = [
    `store (SQLite in memory), 1,000 instances in 100 apps on 10 hosts (3 regions), one report per host a minute:`,
    `  ${reports} reports of 200 items applied in ${(applyMs / 1000).toFixed(1)} s (${(applyMs / reports).toFixed(2)} ms each)`,
    `  rows per day (app × scope × region pair): minute ${perDay.minute}, hour ${perDay.hour}, day ${perDay.day}`,
    `  30-day query by app: step 1d ${query.day}, step 1h ${query.hour}`,
  ];
  await s.close();
  return lines;
}

const main = async () => {
  const out: string[] = [];
  out.push(`load before: ${(await run('uptime', [])).stdout.trim()}`);
  try {
    await setUp();
    out.push(...(await counting()));
  } finally {
    await tearDown();
  }
  out.push(...(await store()));
  process.stdout.write(`${out.join('\n')}\n`);
};
await main();
