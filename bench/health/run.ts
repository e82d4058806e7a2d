// Health-check benchmark (prints figures; not a test), in a lab (default 10 hosts); the checker's own CPU cost is
// bench/health/checker-cpu.ts.
//
// (a) Failure → out of rotation: app `web` has a tcp check (interval --interval) and a service address; W instances
// run bench/health/sink.ts (the check target). Each trial stops one sink's listener and times, from then, until
// the instance is gone from every host's DNS (web.internal AAAA, asked from an instance on each host) and from
// every host's load balancer (the nft chain its service address dispatches to; the change's time is taken from
// `nft monitor` in each host's namespace, confirmed by a listing). "First miss" is the first check after the stop
// (the checks' fixed phase is read from the times the sink saw them). Then the sink listens again and every host
// must take it back before the next trial.
// (b) The load balancer beside a direct connection, in one run: from an instance on a host without web instances,
// connect latency (interleaved connects to the service address and to one instance) and a stream up and down.
//
// Needs root and a build (`npm run build`); builds and removes its own lab.
//
//   node --import tsx bench/health/run.ts [--regions ord:5,nrt:5] [--trials 10] [--interval 1s] [--web 3]
//     [--connects 1000] [--seconds 5]

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { parseDurationMs } from '../../src/core/checks.ts';
import { waitAgents } from '../../src/lab/agents.ts';
import { labClient } from '../../src/lab/control.ts';
import { labDown } from '../../src/lab/down.ts';
import type { LabNode } from '../../src/lab/plan.ts';
import { pct, Reach, wall } from '../lab/reach-client.ts';
import { benchLabUp } from '../lab/up.ts';

const { values } = parseArgs({
  options: {
    regions: { type: 'string', default: 'ord:5,nrt:5' },
    trials: { type: 'string', default: '10' },
    interval: { type: 'string', default: '1s' },
    web: { type: 'string', default: '3' },
    connects: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '5' },
  },
});
const TRIALS = Number(values.trials);
const INTERVAL_MS = parseDurationMs(values.interval) ?? Number.NaN;
const WEB = Number(values.web);
const LAB = 'bhlth';
const PORT = 8080;
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const exec = promisify(execFile);
const line = (what: string, xs: number[]) =>
  console.log(
    `${what.padEnd(44)} p50 ${pct(xs, 50).toFixed(1)} ms  p99 ${pct(xs, 99).toFixed(1)} ms  max ${Math.max(...xs).toFixed(1)} ms  (n=${xs.length})`,
  );

/** When the agent logging to `log` first logged `instance` turning critical at or after `since` (its log line's `time`). */
function criticalAt(log: string, instance: string, since: number): number {
  for (const l of readFileSync(log, 'utf8').split('\n')) {
    if (!l.includes('check transition') || !l.includes(instance)) continue;
    const o = JSON.parse(l) as { time: number; instance?: string; status?: string };
    if (o.instance === instance && o.status === 'critical' && o.time >= since - 5) return o.time;
  }
  return Number.NaN;
}

/** When the agent logging to `log` first logged `msg` at or after `since` (NaN: never). */
function loggedAt(log: string, msg: string, since: number): number {
  for (const l of readFileSync(log, 'utf8').split('\n')) {
    if (!l.includes(msg)) continue;
    const o = JSON.parse(l) as { time: number; msg?: string };
    if (o.msg === msg && o.time >= since) return o.time;
  }
  return Number.NaN;
}

/** The duration (`ms`) of every pass the agent logging to `log` logged as `reconciled` between `from` and `to`. */
function passesMs(log: string, from: number, to: number): number[] {
  const out: number[] = [];
  for (const l of readFileSync(log, 'utf8').split('\n')) {
    if (!l.includes('"reconciled"')) continue;
    const o = JSON.parse(l) as { time: number; ms?: number };
    if (o.time >= from && o.time <= to && o.ms !== undefined) out.push(o.ms);
  }
  return out;
}

/** bench/health/sink.ts in an instance's namespace, driven over stdin. */
class Sink {
  private readonly child: ChildProcess;
  private readonly answers: ((o: { cmd: string; at: number; lastCheckAt?: number }) => void)[] = [];
  constructor(ns: string) {
    this.child = spawn(
      'ip',
      [
        'netns',
        'exec',
        ns,
        process.execPath,
        '--import',
        'tsx',
        fileURLToPath(new URL('./sink.ts', import.meta.url)),
        String(PORT),
      ],
      { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] },
    );
    createInterface({ input: this.child.stdout! }).on('line', (l) => this.answers.shift()?.(JSON.parse(l)));
  }
  private next() {
    return new Promise<{ cmd: string; at: number; lastCheckAt?: number }>((r) => this.answers.push(r));
  }
  listening() {
    return this.next();
  }
  send(cmd: 'stop' | 'start') {
    const p = this.next();
    this.child.stdin?.write(`${cmd}\n`);
    return p;
  }
  kill() {
    this.child.kill('SIGKILL');
  }
}

/**
 * `nft monitor` in a host's namespace: the wall-clock time of every ruleset change it reports that touches a
 * service chain (`svc_…`): the agent's other tables (usage counters) change at other times and do not count.
 * Each line is stamped by a shell loop beside `nft monitor` as it is printed, not when this process reads it: on a
 * loaded machine this event loop (which also lists tables and reads 10 probes) reads pipes hundreds of ms late.
 */
class NftWatch {
  readonly events: number[] = [];
  private wake: (() => void) | undefined;
  private readonly child: ChildProcess;
  constructor(readonly host: LabNode) {
    const stamp = 'while IFS= read -r l; do printf "%s %s\\n" "$EPOCHREALTIME" "$l"; done';
    this.child = spawn('bash', ['-c', `nsenter --net=/run/netns/${host.ns} -- nft monitor | ${stamp}`], {
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      if (!line.includes('svc_')) return;
      this.events.push(Number(line.slice(0, line.indexOf(' '))) * 1000);
      this.wake?.();
    });
  }
  /** Whether `member` is among the instances the host's LB spreads new flows to `service` over. */
  async balances(service: string, member: string): Promise<boolean> {
    const { stdout } = await exec('nsenter', [
      `--net=/run/netns/${this.host.ns}`,
      '--',
      'nft',
      '-j',
      'list',
      'table',
      'inet',
      'sixpn_agent',
    ]);
    const items = (JSON.parse(stdout) as { nftables: Record<string, Record<string, unknown>>[] }).nftables;
    const dispatch = items.find((i) => i.map?.name === 'svc_dispatch')?.map?.elem as unknown[] | undefined;
    const entry = (dispatch ?? []).find((e) => Array.isArray(e) && e[0] === service) as
      | [string, { jump?: { target?: string } }]
      | undefined;
    const chain = entry?.[1]?.jump?.target;
    if (!chain) return false;
    return items.some((i) => i.rule?.chain === chain && JSON.stringify(i.rule).includes(`"${member}"`));
  }
  /**
   * Lists the table after each ruleset change (and every 500 ms) until `balances` is `want`; resolves with the
   * time of the last change up to the end of the listing that showed it (NaN: none since `since`).
   */
  async until(service: string, member: string, want: boolean, since: number): Promise<number> {
    for (;;) {
      const found = await this.balances(service, member);
      // a change may land while nft starts under load: every change up to the listing's end counts
      const listed = wall();
      if (found === want) {
        const e = this.events.filter((t) => t >= since && t <= listed);
        return e.length > 0 ? Math.max(...e) : Number.NaN;
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 500);
        this.wake = () => {
          clearTimeout(t);
          this.wake = undefined;
          setTimeout(resolve, 5); // the rest of the transaction's lines
        };
      });
    }
  }
  stop() {
    // the shell, nsenter's nft and the loop are one process group (detached)
    if (this.child.pid !== undefined) process.kill(-this.child.pid, 'SIGKILL');
  }
}

const ac = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => ac.abort());
const probes: Reach[] = [];
const sinks: Sink[] = [];
const watches: NftWatch[] = [];
let up = false;
try {
  const t0 = Date.now();
  const { plan, state } = await benchLabUp(LAB, values.regions, ac.signal);
  up = true;
  console.log(`lab up: ${plan.hosts.length} hosts in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const [client, ...rest] = plan.hosts;
  const webHosts = rest.slice(0, WEB);
  if (!client || webHosts.length < 2)
    throw new Error(`the lab needs at least 3 hosts, has ${plan.hosts.length}`);
  const c = labClient(plan, state.adminToken);
  await c.createOrg('bench');
  await c.createApp('bench', { name: 'probe', private_network: true });
  const app = await c.createApp('bench', {
    name: 'web',
    private_network: true,
    service_address: true,
    checks: [{ name: 'sink', type: 'tcp', port: PORT, interval: values.interval }],
  });
  const service = app.service_address;
  if (!service) throw new Error('the web app got no service address');
  const probeInst = [];
  for (const h of plan.hosts)
    probeInst.push(await c.createInstance('bench', 'probe', { region: h.region, host: h.name }));
  const web: { id: string; address: string }[] = [];
  for (const h of webHosts) {
    const i = await c.createInstance('bench', 'web', { region: h.region, host: h.name });
    if (!i.address) throw new Error(`web instance ${i.id} got no address`);
    web.push({ id: i.id, address: i.address });
  }
  await waitAgents(
    c,
    plan.hosts.map((h) => ({ node: h, rec: state.processes[`agent:${h.name}`]! })),
    120_000,
  );
  for (const w of web) sinks.push(new Sink(`sixpn-i-${w.id}`));
  await Promise.all(sinks.map((s) => s.listening()));
  for (const i of probeInst) probes.push(new Reach(`sixpn-i-${i.id}`, 10));
  for (const h of plan.hosts) watches.push(new NftWatch(h));
  let seq = 0;
  /** Every host's DNS and LB hold (or have dropped) `addr`; resolves with the per-host times. */
  const everywhere = async (addr: string, present: boolean, since: number) => {
    const s = ++seq;
    const dns = probes.map((p) => p.expect(s, `${present ? 'back' : 'gone'} web.internal ${addr}`));
    const lb = watches.map((w) => w.until(service, addr, present, since));
    return { dns: (await Promise.all(dns)).map((r) => r.dnsAt), lb: await Promise.all(lb) };
  };
  for (const w of web) await everywhere(w.address, true, 0);

  const dnsGone: number[] = [];
  const lbGone: number[] = [];
  const bothGone: number[] = [];
  const fromMiss: number[] = [];
  const fromMissDns: number[] = [];
  const back: number[] = [];
  const trials: { log: string; id: string; at: number; dnsAt: number; lbAt: number }[] = [];
  /** Host × trial pairs where the LB was already without the instance before any ruleset change was seen. */
  let unseen = 0;
  for (let t = 0; t < TRIALS; t++) {
    ac.signal.throwIfAborted();
    const k = t % sinks.length;
    const sink = sinks[k];
    const victim = web[k];
    const home = webHosts[k];
    if (!sink || !victim || !home) continue;
    await delay(Math.random() * INTERVAL_MS); // a random point of the checks' phase
    const stopped = await sink.send('stop');
    const r = await everywhere(victim.address, false, stopped.at);
    const dns = Math.max(...r.dns) - stopped.at;
    const seen = r.lb.filter(Number.isFinite);
    unseen += r.lb.length - seen.length;
    const lb = Math.max(...seen) - stopped.at;
    dnsGone.push(dns);
    lbGone.push(lb);
    bothGone.push(Math.max(dns, lb));
    trials.push({
      log: home.log,
      id: victim.id,
      at: stopped.at,
      dnsAt: dns + stopped.at,
      lbAt: lb + stopped.at,
    });
    // the checks of an instance run on a fixed phase: the first after the stop is its first miss
    const last = stopped.lastCheckAt;
    if (last !== undefined) {
      const miss = last + Math.ceil((stopped.at - last) / INTERVAL_MS) * INTERVAL_MS;
      fromMiss.push(Math.max(dns, lb) + stopped.at - miss);
      fromMissDns.push(dns + stopped.at - miss);
    }
    const started = await sink.send('start');
    const b = await everywhere(victim.address, true, started.at);
    back.push(Math.max(...b.dns, ...b.lb.filter(Number.isFinite)) - started.at);
  }
  const load = () =>
    loadavg()
      .map((x) => x.toFixed(2))
      .join(' ');
  console.log(
    `(a) tcp check every ${values.interval} (${INTERVAL_MS} ms), ${web.length} web instances, ${TRIALS} failures, ${plan.hosts.length} hosts (load ${load()})`,
  );
  line("stop → gone from every host's DNS", dnsGone);
  line("stop → gone from every host's LB (nft)", lbGone);
  if (unseen > 0) console.log(`  (${unseen} host × trial pairs showed no ruleset change: left out)`);
  line('stop → gone from both, every host', bothGone);
  line("first miss → gone from every host's DNS", fromMissDns);
  line('first miss → gone from both, every host', fromMiss);
  console.log(
    `  goal: first miss → gone ≤ interval + 100 ms = ${INTERVAL_MS + 100} ms p99 (stop → gone also waits up to one interval for the miss)`,
  );
  line('listening again → back on every host', back);
  // the split, from the agents' logs: the check's transition to critical (its report goes out at once)
  const crit = trials.map((t) => ({ ...t, critAt: criticalAt(t.log, t.id, t.at) }));
  const found = crit.filter((t) => Number.isFinite(t.critAt));
  line(
    '  stop → the agent logs the check critical',
    found.map((t) => t.critAt - t.at),
  );
  line(
    "  critical → gone from every host's DNS",
    found.map((t) => t.dnsAt - t.critAt),
  );
  line(
    "  critical → gone from every host's LB",
    found.map((t) => t.lbAt - t.critAt),
  );
  // where the LB's time goes on the slowest host: the table-only apply and the full pass after the transition
  const slowest = (msg: string) =>
    found
      .map((t) => Math.max(...plan.hosts.map((h) => loggedAt(h.log, msg, t.critAt))) - t.critAt)
      .filter(Number.isFinite);
  line('  critical → table applied at once (slowest host)', slowest('isolation table applied at once'));
  line('  critical → a pass logged done (slowest host)', slowest('reconciled'));
  const first = trials[0]?.at ?? 0;
  line(
    '  agent passes meanwhile (the LB needs one; DNS not)',
    plan.hosts.flatMap((h) => passesMs(h.log, first, wall())),
  );

  const clientInst = probeInst[0];
  const direct = web[0];
  if (!clientInst || !direct) throw new Error('no client or web instance');
  const { stdout } = await exec(
    'ip',
    [
      'netns',
      'exec',
      `sixpn-i-${clientInst.id}`,
      process.execPath,
      '--import',
      'tsx',
      fileURLToPath(new URL('./traffic.ts', import.meta.url)),
      String(PORT),
      values.seconds,
      values.connects,
      `direct=${direct.address}`,
      `lb=${service}`,
    ],
    { cwd: ROOT, maxBuffer: 64 << 20 },
  );
  const fig = JSON.parse(stdout) as Record<string, { connect: number[]; upBps: number; downBps: number }>;
  console.log(
    `(b) from an instance on ${client.name} to web (${webHosts.map((h) => h.name).join(', ')}): ${values.connects} connects each (interleaved), ${values.seconds} s streams (load ${load()})`,
  );
  for (const [label, what] of [
    ['direct', `direct to ${direct.address} (${webHosts[0]?.name})`],
    ['lb', `service address ${service} (LB)`],
  ] as const) {
    const f = fig[label];
    if (!f) continue;
    console.log(
      `  ${what.padEnd(44)} connect p50 ${pct(f.connect, 50).toFixed(2)} ms  p99 ${pct(f.connect, 99).toFixed(2)} ms  up ${(f.upBps / 1e6).toFixed(0)} Mbit/s  down ${(f.downBps / 1e6).toFixed(0)} Mbit/s`,
    );
  }
} finally {
  for (const s of sinks) s.kill();
  for (const p of probes) p.stop();
  for (const w of watches) w.stop();
  // Only a lab this run brought up: another one of that name (someone else's) is left alone.
  if (up) await labDown({ name: LAB });
}
