// DNS benchmark (prints figures; not a test): `node --import tsx bench/dns/run.ts [--seconds S] [--rounds R]`.
// dnsperf against sixpn's DNS and against unbound serving the same 10,000-instance zone, each server pinned to
// core 0 and dnsperf to core 1: max qps and the ratio to unbound; p50/p99 latency at a fixed 20,000 qps. Then
// sixpn with 2 reusePort worker threads beside unbound with 2 threads, both running: on one core (servers on
// core 0, dnsperf on core 1) and on two (servers and dnsperf all on cores 0-1). The byte size of negative
// answers from both; memory per record at 1M records; time from a change to the new answer (1 and 2 workers).
// `--dgram` adds a third server everywhere: sixpn forced onto node:dgram (no batched UDP addon), for before/after.

import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeResponse, encodeQuery } from '../../src/core/dns/client-query.ts';
import { formatShort } from '../../src/core/dns/dig-format.ts';
import { exchangeUdp } from '../../src/dns/upstream-client.ts';
import { run } from '../../src/runtime/exec.ts';
import { type Child, startChild } from '../../test/dns/support/child.ts';
import { freePort } from '../../test/support/child-process.ts';
import { ASKER_REGION, benchSnapshot, NET, queryMix, unboundZone } from './zone.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    dgram: { type: 'boolean', default: false },
  },
});
const SECONDS = Number(values.seconds);
/** Rounds alternate the two servers; the machine is shared, so each figure is given as best and median. */
const ROUNDS = Number(values.rounds);
const FIXED_QPS = 20_000;

interface Perf {
  qps: number;
  lostPct: number;
  /** Queries answered per second of CPU the server process used (all its threads): robust to other load. */
  perCpuSecond: number;
  p50us?: number;
  p99us?: number;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}

/** CPU seconds (user + system, all threads) a process has used, from /proc/<pid>/stat (100 ticks a second). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * One dnsperf run from core 1; with `qps` a fixed rate and per-query latencies (-v, written to a file so that
 * printing 20,000 lines a second does not hold up dnsperf's receiving).
 */
async function dnsperf(
  port: number,
  file: string,
  opts: { qps?: number; seconds: number; dir: string; pid: number; cpus?: string },
): Promise<Perf> {
  const args = [
    '-c',
    opts.cpus ?? '1',
    'dnsperf',
    '-s',
    '127.0.0.1',
    '-p',
    String(port),
    '-d',
    file,
    '-l',
    String(opts.seconds),
  ];
  args.push('-c', '8', '-q', '256', '-t', '2');
  if (opts.qps) args.push('-Q', String(opts.qps), '-v');
  const outFile = join(opts.dir, 'dnsperf.out');
  const fd = openSync(outFile, 'w');
  const cpu0 = cpuSeconds(opts.pid);
  try {
    await new Promise<void>((resolve, reject) => {
      const p = spawn('taskset', args, { stdio: ['ignore', fd, 'ignore'] });
      p.on('error', reject);
      p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`dnsperf exited with ${code}`))));
    });
  } finally {
    closeSync(fd);
  }
  const cpu = cpuSeconds(opts.pid) - cpu0;
  const stdout = readFileSync(outFile, 'utf8');
  const qps = Number(/Queries per second:\s+([0-9.]+)/.exec(stdout)?.[1]);
  const lostPct = Number(/Queries lost:\s+\d+ \(([0-9.]+)%\)/.exec(stdout)?.[1] ?? 0);
  const completed = Number(/Queries completed:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
  const out: Perf = { qps, lostPct, perCpuSecond: cpu > 0 ? completed / cpu : Number.NaN };
  if (opts.qps) {
    const lat = [...stdout.matchAll(/^> \S+ \S+ \S+ ([0-9.]+)$/gm)]
      .map((m) => Number(m[1]) * 1e6)
      .sort((a, b) => a - b);
    out.p50us = pct(lat, 50);
    out.p99us = pct(lat, 99);
  }
  return out;
}

async function startUnbound(
  dir: string,
  port: number,
  zone: string[],
  threads: number,
  cpus: string,
): Promise<Child> {
  const conf = join(dir, `unbound-${port}.conf`);
  const server = [
    `interface: 127.0.0.1@${port}`,
    'do-daemonize: no',
    'username: ""',
    'chroot: ""',
    `directory: "${dir}"`,
    'pidfile: ""',
    'use-syslog: no',
    'logfile: ""',
    'verbosity: 0',
    `num-threads: ${threads}`,
    'so-reuseport: yes',
    'do-ip6: no',
    'access-control: 127.0.0.0/8 allow',
    'module-config: "iterator"',
    'auto-trust-anchor-file: ""',
    ...zone,
  ];
  writeFileSync(
    conf,
    `server:\n${server.map((l) => `  ${l}`).join('\n')}\nremote-control:\n  control-enable: no\n`,
  );
  const { child } = await startChild('taskset', ['-c', cpus, 'unbound', '-d', '-v', '-c', conf], {
    ready: /start of service/,
  });
  return child;
}

type Name = 'unbound' | 'sixpn' | 'sixpn-dgram';
const NAMES: Name[] = values.dgram ? ['unbound', 'sixpn', 'sixpn-dgram'] : ['unbound', 'sixpn'];

async function startSixpn(
  file: string,
  port: number,
  workers: number,
  cpus: string,
  io: 'auto' | 'dgram' = 'auto',
): Promise<Child> {
  const args = ['--import', 'tsx', 'bench/dns/serve.ts', '--snapshot', file, '--listen', `127.0.0.1:${port}`];
  args.push('--default-network', String(NET), '--region', ASKER_REGION, '--workers', String(workers));
  args.push('--udp-io', io);
  const { child } = await startChild('taskset', ['-c', cpus, 'node', ...args], {
    ready: /^READY/,
    timeoutMs: 60_000,
  });
  return child;
}

/** The byte size of a NXDOMAIN and of a NODATA answer (EDNS, 1232) from each server, for the same question. */
async function negativeSizes(
  ports: { unbound: number; sixpn: number },
  app: string,
): Promise<[string, number, number][]> {
  const never = new AbortController().signal;
  const out: [string, number, number][] = [];
  for (const [what, name, type] of [
    ['NXDOMAIN', 'nope-nope.internal', 'AAAA'],
    ['NODATA', `${app}.internal`, 'A'],
  ] as const) {
    const q = encodeQuery(name, type, { id: 1, udpSize: 1232 });
    const size = async (port: number) =>
      (await exchangeUdp({ host: '127.0.0.1', port, family: 4 }, q, 2000, never)).length;
    out.push([`${what} (${type} ${name})`, await size(ports.unbound), await size(ports.sixpn)]);
  }
  return out;
}

/** Starts each server of NAMES (2 threads or workers each when `threads` is 2) and lists them for dnsperf. */
async function startAll(
  o: { dir: string; snapFile: string; zone: string[]; serverCpus: string; threads: number },
  children: Child[],
): Promise<[Name, number, Child][]> {
  const out: [Name, number, Child][] = [];
  for (const name of NAMES) {
    const port = await freePort();
    const c =
      name === 'unbound'
        ? await startUnbound(o.dir, port, o.zone, o.threads, o.serverCpus)
        : await startSixpn(o.snapFile, port, o.threads, o.serverCpus, name === 'sixpn' ? 'auto' : 'dgram');
    children.push(c);
    out.push([name, port, c]);
  }
  return out;
}

const emptyRuns = (): Record<Name, Perf[]> => ({ unbound: [], sixpn: [], 'sixpn-dgram': [] });

/** Max qps of unbound with 2 threads and sixpn with 2 reusePort workers, rounds alternating. */
async function twoThreads(
  o: { dir: string; snapFile: string; queries: string; zone: string[]; serverCpus: string; perfCpus: string },
  children: Child[],
): Promise<Record<Name, Perf[]>> {
  const servers = await startAll({ ...o, threads: 2 }, children);
  const out = emptyRuns();
  const perf = (port: number, c: Child, seconds: number) =>
    dnsperf(port, o.queries, { seconds, dir: o.dir, pid: c.proc.pid ?? 0, cpus: o.perfCpus });
  for (const [, port, c] of servers) await perf(port, c, 2); // warm-up (JIT)
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, port, c] of servers) out[name].push(await perf(port, c, SECONDS));
  }
  for (const [, , c] of servers.reverse()) await c.stop();
  return out;
}

/** Both servers give the same records for a sample of the asked names (order aside). */
async function compare(
  a: number,
  b: number,
  asked: [string, string][],
): Promise<{ same: number; differ: string[] }> {
  const never = new AbortController().signal;
  let same = 0;
  const differ: string[] = [];
  for (const [name, type] of asked.slice(0, 300)) {
    const ask = async (port: number) => {
      const q = encodeQuery(name, type, { id: 1, udpSize: 1232 });
      const r = decodeResponse(await exchangeUdp({ host: '127.0.0.1', port, family: 4 }, q, 2000, never));
      return `${r.rcode} ${formatShort(r.packet).sort().join(' ')}`;
    };
    const [x, y] = [await ask(a), await ask(b)];
    if (x === y) same++;
    else differ.push(`${type} ${name}: ${x} | ${y}`);
  }
  return { same, differ };
}

const f = (n: number | undefined, d = 0) => (n === undefined || Number.isNaN(n) ? '-' : n.toFixed(d));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const best = (xs: Perf[]) => Math.max(...xs.map((x) => x.qps));
const lowestP99 = (xs: Perf[]): Perf =>
  [...xs].sort((a, b) => (a.p99us ?? 0) - (b.p99us ?? 0))[0] ?? { qps: 0, lostPct: 0, perCpuSecond: 0 };

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sixpn-dnsbench-'));
  const children: Child[] = [];
  try {
    const snapshot = benchSnapshot();
    const mix = queryMix(snapshot);
    const snapFile = join(dir, 'snapshot.json');
    const queries = join(dir, 'queries.txt');
    writeFileSync(snapFile, JSON.stringify(snapshot));
    writeFileSync(queries, `${mix.lines.join('\n')}\n`);
    const zone = unboundZone(snapshot, mix.distinct);
    console.log(
      `zone: ${snapshot.instances.length} instances in ${snapshot.apps.length} apps; ${mix.lines.length} queries (${mix.distinct.length} distinct names); unbound serves ${zone.length} local-data lines`,
    );

    const servers = await startAll({ dir, snapFile, zone, serverCpus: '0', threads: 1 }, children);
    const port = (n: Name) => servers.find((x) => x[0] === n)?.[1] ?? 0;
    const cmp = await compare(port('sixpn'), port('unbound'), mix.distinct);
    console.log(
      `same answers from both servers: ${cmp.same} of ${cmp.same + cmp.differ.length} names compared`,
    );
    for (const d of cmp.differ.slice(0, 5)) console.log(`  differs: ${d}`);
    const sizes = await negativeSizes(
      { unbound: port('unbound'), sixpn: port('sixpn') },
      snapshot.apps[0]?.name ?? 'app',
    );

    const load0 = loadavg()[0] ?? 0;
    const max = emptyRuns();
    const fixed = emptyRuns();
    const perf = (p: number, c: Child, seconds: number, qps?: number) =>
      dnsperf(p, queries, { seconds, dir, pid: c.proc.pid ?? 0, ...(qps ? { qps } : {}) });
    for (const [, p, c] of servers) await perf(p, c, 2); // warm-up (JIT)
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, p, c] of servers) {
        max[name].push(await perf(p, c, SECONDS));
        fixed[name].push(await perf(p, c, SECONDS, FIXED_QPS));
      }
    }
    for (const [, , c] of [...servers].reverse()) await c.stop();
    const common = { dir, snapFile, queries, zone };
    const oneCore = await twoThreads({ ...common, serverCpus: '0', perfCpus: '1' }, children);
    const twoCores = await twoThreads({ ...common, serverCpus: '0,1', perfCpus: '0,1' }, children);
    const load1 = loadavg()[0] ?? 0;

    const memOut = await run('node', ['--expose-gc', '--import', 'tsx', 'bench/dns/memory.ts', '1000000'], {
      timeoutMs: 300_000,
    });
    const mem = JSON.parse(memOut.stdout) as Record<string, number>;
    const changes: Record<string, number>[] = [];
    for (const workers of ['1', '2']) {
      const out = await run('node', ['--import', 'tsx', 'bench/dns/change-latency.ts', '2000', workers], {
        timeoutMs: 180_000,
      });
      changes.push(JSON.parse(out.stdout) as Record<string, number>);
    }

    const cpuBest = (xs: Perf[]) => Math.max(...xs.map((x) => x.perCpuSecond));
    const cols = (get: (n: Name) => string) => NAMES.map((n) => get(n).padStart(12)).join('');
    /** One line: a figure per server, then each sixpn's ratio to unbound (when `ratio` gives the figure). */
    const row = (label: string, get: (n: Name) => number | undefined, d = 0, ratio = false) => {
      const r = NAMES.filter((n) => n !== 'unbound').map(
        (n) => `${n}/unbound ${((get(n) ?? 0) / (get('unbound') ?? 1)).toFixed(2)}`,
      );
      console.log(`${label.padEnd(40)}${cols((n) => f(get(n), d))}${ratio ? `   ${r.join(', ')}` : ''}`);
    };
    console.log('');
    console.log(
      `${ROUNDS} rounds of ${SECONDS} s, servers alternating; one thread each: server on core 0, dnsperf on core 1`,
    );
    console.log(
      `load average (1 min) ${load0.toFixed(2)} before, ${load1.toFixed(2)} after (the machine is shared)`,
    );
    console.log(`${''.padEnd(40)}${cols((n) => n)}`);
    row('max qps, one core (best)', (n) => best(max[n]), 0, true);
    row('max qps, one core (median)', (n) => median(max[n].map((p) => p.qps)));
    row('queries per CPU-second of the server', (n) => cpuBest(max[n]), 0, true);
    row('lost at max qps, % (median)', (n) => median(max[n].map((p) => p.lostPct)), 2);
    row(`p50 at ${FIXED_QPS} qps, µs (best round)`, (n) => lowestP99(fixed[n]).p50us);
    row(`p99 at ${FIXED_QPS} qps, µs (best round)`, (n) => lowestP99(fixed[n]).p99us);
    row(`p99 at ${FIXED_QPS} qps, µs (median)`, (n) => median(fixed[n].map((p) => p.p99us ?? 0)));
    for (const [label, r] of [
      ['2 threads each, servers on core 0, dnsperf on core 1', oneCore],
      ['2 threads each, servers and dnsperf all on cores 0-1', twoCores],
    ] as const) {
      console.log(label);
      row('  max qps (best)', (n) => best(r[n]), 0, true);
      row('  max qps (median)', (n) => median(r[n].map((p) => p.qps)));
      row('  queries per CPU-second of the server', (n) => cpuBest(r[n]), 0, true);
    }
    for (const [what, u, x] of sizes) console.log(`bytes of a ${what}: unbound ${u}, sixpn ${x}`);
    console.log(
      `memory at ${mem.records} records: index ${f(mem.indexBytesPerRecord, 1)} B/record; with every answer of every app built ${f(mem.withAnswersBytesPerRecord, 1)} B/record (RSS ${f(mem.rssWithAnswersPerRecord, 1)} B/record); load ${mem.loadMs} ms`,
    );
    for (const c of changes) {
      console.log(
        `change → new answer on the wire, ${c.workers} worker(s) (${c.changes} changes): p50 ${f(c.toWireP50us)} µs, p99 ${f(c.toWireP99us)} µs; hand-over alone p50 ${f(c.applyP50us, 1)} µs, p99 ${f(c.applyP99us, 1)} µs; the same query without a change p50 ${f(c.queryOnlyP50us)} µs, p99 ${f(c.queryOnlyP99us)} µs`,
      );
    }
  } finally {
    for (const c of children.reverse()) await c.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
