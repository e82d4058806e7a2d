// `sixpn run` benchmark (prints figures; not a test): in a lab (default 10 hosts), N times `sixpn run --rm --app
// web -- busybox httpd -f -p 8080` on one host (inside its namespace, over the agent's socket, as a user on that
// host would), and the time from starting `sixpn run` to the server answering TCP on the instance's address from
// every other host (a helper in an instance on each, asking its host's DNS for web.internal and then connecting);
// p50/p99, with the first host's and the DNS-only times beside it. Between trials `sixpn run` is stopped (SIGTERM:
// the server ends, --rm deletes the instance) and every host's DNS must have dropped it. CNI ADD/DEL times are
// bench/workloads/cni.ts. Needs root and a build (`npm run build`); builds and removes its own lab.
//
//   node --import tsx bench/workloads/run.ts [--regions ord:5,nrt:5] [--trials 20] [--poll-ms 10]

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { waitAgents } from '../../src/lab/agents.ts';
import { labClient, SIXPN_BIN } from '../../src/lab/control.ts';
import { labDown } from '../../src/lab/down.ts';
import type { LabNode } from '../../src/lab/plan.ts';
import { pct, Reach, wall } from '../lab/reach-client.ts';
import { benchLabUp } from '../lab/up.ts';

const { values } = parseArgs({
  options: {
    regions: { type: 'string', default: 'ord:5,nrt:5' },
    trials: { type: 'string', default: '20' },
    'poll-ms': { type: 'string', default: '10' },
  },
});
const TRIALS = Number(values.trials);
const LAB = 'bwrun';
const PORT = 8080;
const line = (what: string, xs: number[]) =>
  console.log(
    `${what.padEnd(40)} p50 ${pct(xs, 50).toFixed(1)} ms  p99 ${pct(xs, 99).toFixed(1)} ms  max ${Math.max(...xs).toFixed(1)} ms  (n=${xs.length})`,
  );

/** `sixpn run --rm --app web -- busybox httpd …` inside host `h`'s namespace, over its agent's socket. */
function sixpnRun(h: LabNode, www: string): { proc: ChildProcess; exited: Promise<number | null> } {
  const args = [
    `--net=/run/netns/${h.ns}`,
    '--',
    process.execPath,
    SIXPN_BIN,
    'run',
    '--agent-socket',
    join(h.stateDir, 'agent.sock'),
    '--rm',
    '--app',
    'web',
    '--',
    'busybox',
    'httpd',
    '-f',
    '-p',
    String(PORT),
    '-h',
    www,
  ];
  const proc = spawn('nsenter', args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return { proc, exited };
}

const ac = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => ac.abort());
const dir = await mkdtemp(join(tmpdir(), 'sixpn-bench-run-'));
const probes: Reach[] = [];
let running: ChildProcess | undefined;
let up = false;
try {
  const t0 = Date.now();
  const { plan, state } = await benchLabUp(LAB, values.regions, ac.signal);
  up = true;
  console.log(`lab up: ${plan.hosts.length} hosts in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const [home, ...others] = plan.hosts;
  if (!home || others.length === 0) throw new Error('the lab needs at least 2 hosts');
  const c = labClient(plan, state.adminToken);
  await c.createOrg('bench');
  await c.createApp('bench', { name: 'probe', private_network: true });
  await c.createApp('bench', { name: 'web', private_network: true });
  await c.allowHost(home.name, { org: 'bench' });
  const probeInst = [];
  for (const h of others)
    probeInst.push(await c.createInstance('bench', 'probe', { region: h.region, host: h.name }));
  // the probes' namespaces exist once every agent has reconciled up to the control plane's head
  await waitAgents(
    c,
    plan.hosts.map((h) => ({ node: h, rec: state.processes[`agent:${h.name}`]! })),
    120_000,
  );
  for (const i of probeInst) probes.push(new Reach(`sixpn-i-${i.id}`, Number(values['poll-ms'])));
  const www = join(dir, 'www');
  await mkdir(www, { recursive: true });
  await writeFile(join(www, 'index.html'), 'hello\n');

  const all: number[] = [];
  const first: number[] = [];
  const dnsAll: number[] = [];
  const stopGone: number[] = [];
  let seq = 0;
  for (let t = 0; t < TRIALS; t++) {
    ac.signal.throwIfAborted();
    const s = ++seq;
    const waits = probes.map((p) => p.expect(s, `open web.internal ${PORT}`));
    const start = wall();
    const r = sixpnRun(home, www);
    running = r.proc;
    const seen = await Promise.all(waits);
    const conn = seen.map((x) => (x.connAt ?? Number.NaN) - start);
    all.push(Math.max(...conn));
    first.push(Math.min(...conn));
    dnsAll.push(Math.max(...seen.map((x) => x.dnsAt - start)));
    const address = seen[0]?.address ?? '';
    // stop: SIGTERM to `sixpn run` (forwarded to the server), --rm deletes; wait until every host's DNS drops it
    const g = ++seq;
    const gone = probes.map((p) => p.expect(g, `gone web.internal ${address}`));
    const stopAt = wall();
    r.proc.kill('SIGTERM');
    const code = await r.exited;
    running = undefined;
    if (code !== 0 && code !== 143) throw new Error(`sixpn run exited ${code}`);
    stopGone.push(Math.max(...(await Promise.all(gone)).map((x) => x.dnsAt - stopAt)));
    await delay(200);
  }
  console.log(
    `sixpn run --app web -- busybox httpd -p ${PORT} on ${home.name}, ${TRIALS} trials, seen from ${probes.length} other hosts (load ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')})`,
  );
  line('start → TCP from every other host', all);
  line('start → TCP from the first host', first);
  line("start → every other host's DNS", dnsAll);
  line("SIGTERM → gone from every host's DNS", stopGone);
} finally {
  running?.kill('SIGKILL');
  for (const p of probes) p.stop();
  // Only a lab this run brought up: another one of that name (someone else's) is left alone.
  if (up) await labDown({ name: LAB });
  await rm(dir, { recursive: true, force: true });
}
