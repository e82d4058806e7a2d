// Idle agent memory of several agent builds or Node flag sets, side by side (prints figures; not a test): a lab of
// hosts, one instance on each; every round restarts each host's agent with one variant, the variants rotated over
// the hosts from round to round, waits until all have caught up and then `--idle` seconds, and reads each agent's
// VmRSS and /proc/PID/smaps_rollup (Pss, anonymous, file-backed). Needs root; builds and removes its own lab.
//
//   node --import tsx bench/lab/agent-rss.ts [--regions ord:4] [--rounds 4] [--idle 15] [--variants FILE.json] [--dump DIR]
//
// FILE.json: [{ "name": "base", "bin": "/path/to/bin/sixpn.js", "node": ["--max-semi-space-size=1"], "env": {} }];
// by default one variant, this checkout with the lab's flags. --dump DIR: each sample's /proc/PID/smaps there,
// and the hosts' logs at the end.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { DAEMON_NODE_FLAGS } from '../../src/core/node-flags.ts';
import { agentArgs, waitAgents } from '../../src/lab/agents.ts';
import { labClient, SIXPN_BIN } from '../../src/lab/control.ts';
import { labDown } from '../../src/lab/down.ts';
import type { LabNode, LabPlan } from '../../src/lab/plan.ts';
import { childEnv, type ProcessRecord, startDetached, stopRecorded } from '../../src/lab/processes.ts';
import { readStatusFile } from '../../src/runtime/status-file.ts';
import { benchLabUp } from './up.ts';

const { values } = parseArgs({
  options: {
    regions: { type: 'string', default: 'ord:4' },
    rounds: { type: 'string', default: '4' },
    idle: { type: 'string', default: '15' },
    variants: { type: 'string' },
    dump: { type: 'string' },
  },
});

interface Variant {
  name: string;
  bin: string;
  node: string[];
  env?: Record<string, string>;
}
// A variant's name becomes part of a dump file's name.
const fileSafe = (name: string) => name.replace(/[^\w.-]+/g, '_');
if (values.dump) mkdirSync(values.dump, { recursive: true });
const variants: Variant[] = values.variants
  ? (JSON.parse(readFileSync(values.variants, 'utf8')) as Variant[])
  : [{ name: 'this checkout', bin: SIXPN_BIN, node: [...DAEMON_NODE_FLAGS] }];

type Mem = { rss: number; pss: number; anon: number; file: number };
function memOf(pid: number): Mem {
  const roll = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(roll)?.[1] ?? 0);
  const vm = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return { rss: vm, pss: kb('Pss'), anon: kb('Anonymous'), file: kb('Rss') - kb('Anonymous') };
}

function start(h: LabNode, v: Variant): ProcessRecord {
  return startDetached(h.ns, process.execPath, [...v.node, v.bin, ...agentArgs(h)], {
    log: h.log,
    env: childEnv({ WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1', ...v.env }),
  });
}

const ac = new AbortController();
process.once('SIGINT', () => ac.abort());
const results = new Map<string, Mem[]>(variants.map((v) => [v.name, []]));
const loads: string[] = [];
let plan: LabPlan | undefined;
try {
  const { plan: lab, state } = await benchLabUp('rss', values.regions, ac.signal);
  plan = lab;
  const c = labClient(lab, state.adminToken);
  await c.createOrg('rss');
  await c.createApp('rss', { name: 'probe', private_network: true });
  for (const h of lab.hosts) await c.createInstance('rss', 'probe', { region: h.region, host: h.name });
  const recs = lab.hosts.map((h) => state.processes[`agent:${h.name}`]!);
  for (let r = 0; r < Number(values.rounds); r++) {
    const before = lab.hosts.map((h) => readStatusFile(h.stateDir)?.reconciledAt);
    await Promise.all(recs.map((rec) => stopRecorded(rec)));
    const on = lab.hosts.map((h, k) => {
      const v = variants[(k + r) % variants.length]!;
      recs[k] = start(h, v);
      return v;
    });
    const waiting = lab.hosts.map((node, k) => ({ node, rec: recs[k]!, newerThan: before[k] }));
    await waitAgents(c, waiting, 60_000, ac.signal);
    await delay(Number(values.idle) * 1000);
    loads.push(loadavg()[0]!.toFixed(2));
    recs.forEach((rec, k) => {
      const m = memOf(rec.pid);
      results.get(on[k]!.name)!.push(m);
      if (values.dump)
        writeFileSync(
          `${values.dump}/${r}-${lab.hosts[k]!.name}-${fileSafe(on[k]!.name)}.smaps`,
          readFileSync(`/proc/${rec.pid}/smaps`, 'utf8'),
        );
      process.stderr.write(`round ${r} ${lab.hosts[k]!.name} ${on[k]!.name}: ${JSON.stringify(m)}\n`);
    });
  }
  const mib = (xs: number[]) => `${(xs.reduce((a, b) => a + b, 0) / xs.length / 1024).toFixed(1)}`;
  console.log(`idle agent memory, MiB, mean of each variant's samples (load ${loads.join(' ')})`);
  for (const [name, ms] of results)
    console.log(
      `${name.padEnd(24)} n=${ms.length}  VmRSS ${mib(ms.map((m) => m.rss))}  Pss ${mib(ms.map((m) => m.pss))}  ` +
        `anon ${mib(ms.map((m) => m.anon))}  file ${mib(ms.map((m) => m.file))}  ` +
        `(VmRSS min ${mib([Math.min(...ms.map((m) => m.rss))])} max ${mib([Math.max(...ms.map((m) => m.rss))])})`,
    );
} finally {
  if (values.dump && plan)
    for (const h of plan.hosts) writeFileSync(`${values.dump}/${h.name}.log`, readFileSync(h.log));
  await labDown({ name: 'rss' });
}
