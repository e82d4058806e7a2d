// Lab benchmark (prints figures; not a test): a 10-host lab; an instance is stopped and started 100 times, and
// for each change the time from the API call to (a) the new answer on every host's DNS (fdaa::3, asked from an
// instance on each host) and (b) for a start, the address answering TCP from every host; p50/p99 over the changes.
// Also each agent's CPU and memory when idle and under that churn. Needs root; builds and removes its own lab.
// "Idle" starts `--settle` seconds after the last change, once the agents have made their one memory-reducing
// collection after work (src/runtime/settle-gc.ts, 5 s after it), and lasts `--idle` seconds.
//
// Then `--joins` times: a new host joins (`sixpn agent join`) and gets an instance; the time from the join to that
// instance reachable over TCP from every other host (bench/lab/join.ts).
//
//   node --import tsx bench/lab/run.ts [--regions ord:4,iad:2,ams:2,nrt:2] [--changes 100] [--settle 8] [--idle 10] [--poll-ms 2] [--joins 5]

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { waitAgents } from '../../src/lab/agents.ts';
import { labClient } from '../../src/lab/control.ts';
import { labDown } from '../../src/lab/down.ts';
import { labDirOf } from '../../src/lab/plan.ts';
import { readStatusFile } from '../../src/runtime/status-file.ts';
import { measureJoins } from './join.ts';
import { benchLabUp } from './up.ts';

const { values } = parseArgs({
  options: {
    regions: { type: 'string', default: 'ord:4,iad:2,ams:2,nrt:2' },
    changes: { type: 'string', default: '100' },
    settle: { type: 'string', default: '8' },
    idle: { type: 'string', default: '10' },
    'poll-ms': { type: 'string', default: '2' },
    joins: { type: 'string', default: '5' },
    name: { type: 'string', default: 'bench' },
    logs: { type: 'string' },
  },
});
const CHANGES = Number(values.changes);
const IDLE_S = Number(values.idle);
const SETTLE_S = Number(values.settle);
const wall = () => performance.timeOrigin + performance.now();
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
};
const ms = (x: number) => `${x.toFixed(1)} ms`;
const TICK = 100; // USER_HZ on Linux

/** A slow sample on stderr: when it was sent and each host's time, to find it in the agents' logs. */
function slow(what: string, sent: number, perHost: number[], hosts: readonly { name: string }[]): void {
  const each = perHost.map((t, k) => `${hosts[k]?.name}=${t.toFixed(0)}`).join(' ');
  process.stderr.write(`slow: ${what} sent ${new Date(sent).toISOString()}: ${each} ms\n`);
}

/** CPU seconds (user+system) and RSS (KiB) of a process, from /proc. */
function usage(pid: number): { cpuS: number; rssKiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuS = (Number(f[11]) + Number(f[12])) / TICK;
  const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpuS, rssKiB: Number(rss?.[1] ?? 0) };
}

class Probe {
  private readonly pending = new Map<number, (r: { dnsAt: number; connAt?: number }) => void>();
  readonly child;
  constructor(ns: string) {
    const probe = fileURLToPath(new URL('./probe.ts', import.meta.url));
    this.child = spawn(
      'ip',
      ['netns', 'exec', ns, process.execPath, '--import', 'tsx', probe, 'target.internal', values['poll-ms']],
      {
        cwd: fileURLToPath(new URL('../..', import.meta.url)),
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    createInterface({ input: this.child.stdout }).on('line', (l) => {
      const r = JSON.parse(l) as { seq: number; dnsAt: number; connAt?: number };
      this.pending.get(r.seq)?.(r);
      this.pending.delete(r.seq);
    });
  }
  expect(seq: number, line: string): Promise<{ dnsAt: number; connAt?: number }> {
    return new Promise((resolve) => {
      this.pending.set(seq, resolve);
      this.child.stdin.write(`${seq} ${line}\n`);
    });
  }
  stop() {
    this.child.kill('SIGKILL');
  }
}

const ac = new AbortController();
process.once('SIGINT', () => ac.abort());
const probes: Probe[] = [];
try {
  const t0 = Date.now();
  const { plan, state } = await benchLabUp(values.name, values.regions, ac.signal);
  console.log(`lab up: ${plan.hosts.length} hosts in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const c = labClient(plan, state.adminToken);
  await c.createOrg('bench');
  await c.createApp('bench', { name: 'probe', private_network: true });
  await c.createApp('bench', { name: 'target', private_network: true });
  const probeInst = [];
  for (const h of plan.hosts)
    probeInst.push(await c.createInstance('bench', 'probe', { region: h.region, host: h.name }));
  const home = plan.hosts[0];
  if (!home) throw new Error('no hosts');
  const target = await c.createInstance('bench', 'target', { region: home.region, host: home.name });
  const agents = plan.hosts.map((h) => ({ node: h, rec: state.processes[`agent:${h.name}`]! }));
  await waitAgents(c, agents, 60_000);
  for (const i of probeInst) probes.push(new Probe(`sixpn-i-${i.id}`));
  // warm up: every probe sees the target
  await Promise.all(probes.map((p) => p.expect(0, `present ${target.address}`)));

  await delay(SETTLE_S * 1000);
  const pids = agents.map((a) => a.rec.pid);
  const before = pids.map(usage);
  await delay(IDLE_S * 1000);
  const idle = pids.map(usage);
  const idleCpu = idle.map((u, k) => ((u.cpuS - (before[k]?.cpuS ?? 0)) / IDLE_S) * 100);

  const dnsAll: number[] = [];
  const connAll: number[] = [];
  const dnsStop: number[] = [];
  const dnsStart: number[] = [];
  const apiMs: number[] = [];
  const firstHost: number[] = [];
  const churnStart = wall();
  let up = true;
  for (let seq = 1; seq <= CHANGES; seq++) {
    const line = up ? 'absent' : `present ${target.address}`;
    const waits = probes.map((p) => p.expect(seq, line));
    const sent = wall();
    if (up) await c.stopInstance(target.id);
    else await c.startInstance(target.id);
    apiMs.push(wall() - sent);
    const results = await Promise.all(waits);
    firstHost.push(Math.min(...results.map((r) => r.dnsAt)) - sent);
    const dns = Math.max(...results.map((r) => r.dnsAt)) - sent;
    dnsAll.push(dns);
    (up ? dnsStop : dnsStart).push(dns);
    if (!up) {
      const conn = results.map((r) => (r.connAt ?? Number.NaN) - sent);
      connAll.push(Math.max(...conn));
      if (Math.max(...conn) > 1000) slow(`start ${seq}`, sent, conn, plan.hosts);
    }
    up = !up;
    await delay(20);
  }
  const churnS = (wall() - churnStart) / 1000;
  const churn = pids.map(usage);
  const churnCpu = churn.map((u, k) => ((u.cpuS - (idle[k]?.cpuS ?? 0)) / churnS) * 100);
  await delay(1_000);
  const head = (await c.snapshot()).revision;
  const behind = plan.hosts.filter((h) => (readStatusFile(h.stateDir)?.revision ?? -1) < head).length;
  // joins after the churn's figures: their agents' work must not count as the churn's
  const joins = await measureJoins(
    c,
    plan,
    probes.map((p) => (seq: number, line: string) => p.expect(seq, line)),
    Number(values.joins),
    CHANGES + 1,
  );

  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const mib = (k: number) => `${(k / 1024).toFixed(1)} MiB`;
  console.log(
    `changes: ${CHANGES} (stop/start alternating) of one instance on ${home.name}, watched from ${probes.length} hosts`,
  );
  console.log(
    `to every host's DNS  p50 ${ms(pct(dnsAll, 50))}  p99 ${ms(pct(dnsAll, 99))}  max ${ms(Math.max(...dnsAll))}`,
  );
  console.log(`  API call returned   p50 ${ms(pct(apiMs, 50))}  p99 ${ms(pct(apiMs, 99))}`);
  console.log(`  first host's DNS    p50 ${ms(pct(firstHost, 50))}  p99 ${ms(pct(firstHost, 99))}`);
  console.log(`  stops              p50 ${ms(pct(dnsStop, 50))}  p99 ${ms(pct(dnsStop, 99))}`);
  console.log(`  starts             p50 ${ms(pct(dnsStart, 50))}  p99 ${ms(pct(dnsStart, 99))}`);
  console.log(`start → TCP from every host  p50 ${ms(pct(connAll, 50))}  p99 ${ms(pct(connAll, 99))}`);
  console.log(
    `agent CPU idle   mean ${mean(idleCpu).toFixed(2)} %  max ${Math.max(...idleCpu).toFixed(2)} % of a core (${IDLE_S} s, from ${SETTLE_S} s after the last change)`,
  );
  console.log(
    `agent CPU churn  mean ${mean(churnCpu).toFixed(2)} %  max ${Math.max(...churnCpu).toFixed(2)} % of a core (${churnS.toFixed(1)} s)`,
  );
  console.log(
    `agent RSS idle   mean ${mib(mean(idle.map((u) => u.rssKiB)))}  max ${mib(Math.max(...idle.map((u) => u.rssKiB)))}`,
  );
  console.log(
    `agent RSS churn  mean ${mib(mean(churn.map((u) => u.rssKiB)))}  max ${mib(Math.max(...churn.map((u) => u.rssKiB)))}`,
  );
  console.log(`agents behind the control plane 1 s after the churn: ${behind}`);
  if (joins.total.length > 0) {
    console.log(
      `join → its first instance reachable from every other host (${joins.total.length} joins)  p50 ${ms(pct(joins.total, 50))}  p99 ${ms(pct(joins.total, 99))}`,
    );
    console.log(
      `  of which sixpn agent join   p50 ${ms(pct(joins.join, 50))}  p99 ${ms(pct(joins.join, 99))}`,
    );
  }
  console.log('(times run from sending the API request, so they include the commit itself)');
} finally {
  for (const p of probes) p.stop();
  if (values.logs)
    await cp(join(labDirOf(values.name), 'logs'), values.logs, { recursive: true }).catch(() => {});
  await labDown({ name: values.name });
}
