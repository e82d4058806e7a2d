// Churn soak (prints figures; not a test): a named lab whose instances are stopped and started continuously for a
// bounded time, then each agent's RSS at start and end and a check that every host's DNS (fdaa::3, asked from
// an instance on that host) answers exactly the control plane's state for every app. Needs root; builds and
// removes its own lab (`--name`, default `soak`). Exits 1 when a host's DNS differs.
//
//   node --import tsx bench/lab/soak.ts [--name soak] [--regions ord:2,iad:1,nrt:1] [--apps 3] [--per-app 4]
//     [--seconds 120] [--interval-ms 200]

import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { formatIPv6, parseIPv6 } from '../../src/core/address.ts';
import type { Instance, Snapshot } from '../../src/core/model.ts';
import { pick, seededRandom } from '../../src/core/seeded-random.ts';
import { waitAgents } from '../../src/lab/agents.ts';
import { labClient } from '../../src/lab/control.ts';
import { labDown } from '../../src/lab/down.ts';
import { inNetns, run } from '../../src/runtime/exec.ts';
import { readStatusFile } from '../../src/runtime/status-file.ts';
import { benchLabUp } from './up.ts';

const { values } = parseArgs({
  options: {
    name: { type: 'string', default: 'soak' },
    regions: { type: 'string', default: 'ord:2,iad:1,nrt:1' },
    apps: { type: 'string', default: '3' },
    'per-app': { type: 'string', default: '4' },
    seconds: { type: 'string', default: '120' },
    'interval-ms': { type: 'string', default: '200' },
  },
});
const NAME = values.name;
const APPS = Number(values.apps);
const PER_APP = Number(values['per-app']);
const SECONDS = Number(values.seconds);
const INTERVAL = Number(values['interval-ms']);
const mib = (k: number) => `${(k / 1024).toFixed(1)} MiB`;

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0);
}

/** `dig +short` from inside an instance's namespace, asking its host's DNS. */
async function dig(instance: string, type: string, name: string): Promise<string[]> {
  const [cmd, args] = inNetns(`sixpn-i-${instance}`, 'dig', [
    '@fdaa::3',
    '+short',
    '+tries=2',
    '+time=2',
    type,
    name,
  ]);
  const { stdout } = await run(cmd, args);
  return stdout.split('\n').filter((l) => l.trim() !== '');
}

const norm = (a: string) => formatIPv6(parseIPv6(a));
const txt = (lines: string[]) => lines.map((l) => l.replace(/^"|"$/g, '').split('" "').join('')).join('');

/** What every host must answer for `app`, from the control plane's snapshot. */
function expected(s: Snapshot, app: string) {
  const started = s.instances
    .filter((i: Instance) => i.app === app && i.org === NAME && i.state === 'started')
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  return {
    aaaa: started.map((i) => norm(i.address ?? '')).sort(),
    vms: started.map((i) => `${i.id} ${i.region}`).join(','),
  };
}

const ac = new AbortController();
process.once('SIGINT', () => ac.abort());
let mismatches = 0;
try {
  const t0 = Date.now();
  const { plan, state } = await benchLabUp(NAME, values.regions, ac.signal);
  console.log(`lab '${NAME}' up: ${plan.hosts.length} hosts in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const c = labClient(plan, state.adminToken);
  await c.createOrg(NAME);
  await c.createApp(NAME, { name: 'probe', private_network: true });
  const probes: { host: string; id: string }[] = [];
  for (const h of plan.hosts) {
    const i = await c.createInstance(NAME, 'probe', { region: h.region, host: h.name });
    probes.push({ host: h.name, id: i.id });
  }
  const churn: string[] = [];
  for (let a = 0; a < APPS; a++) {
    await c.createApp(NAME, { name: `churn${a}`, private_network: true });
    for (let k = 0; k < PER_APP; k++) {
      const h = plan.hosts[(a * PER_APP + k) % plan.hosts.length]!;
      churn.push((await c.createInstance(NAME, `churn${a}`, { region: h.region, host: h.name })).id);
    }
  }
  const agents = plan.hosts.map((h) => ({ node: h, rec: state.processes[`agent:${h.name}`]! }));
  await waitAgents(c, agents, 120_000);
  const pids = agents.map((a) => a.rec.pid);
  const rssStart = pids.map(rssKiB);
  // RSS sampled every 5 s: one sample is noisy (it depends on where the GC is), the trend is not
  const samples: number[][] = [];
  const sampler = setInterval(() => samples.push(pids.map(rssKiB)), 5000);

  // churn: one random instance flipped every INTERVAL ms
  let changes = 0;
  let failures = 0;
  const states = new Map(churn.map((id) => [id, true]));
  const stop = Date.now() + SECONDS * 1000;
  const rand = seededRandom(12345);
  while (Date.now() < stop) {
    const id = pick(rand, churn);
    const up = states.get(id) ?? true;
    try {
      if (up) await c.stopInstance(id);
      else await c.startInstance(id);
      states.set(id, !up);
      changes++;
    } catch (e) {
      failures++;
      console.log(`  change failed: ${(e as Error).message}`);
    }
    await delay(INTERVAL);
  }
  clearInterval(sampler);
  const rssEnd = pids.map(rssKiB);
  const third = Math.max(1, Math.floor(samples.length / 3));
  const meanOf = (rows: number[][], k: number) => rows.reduce((a, r) => a + (r[k] ?? 0), 0) / rows.length;

  // settle, then compare every host's DNS with the control plane
  const settle0 = Date.now();
  await waitAgents(c, agents, 120_000);
  const snap = await c.snapshot();
  const behind = plan.hosts.filter((h) => (readStatusFile(h.stateDir)?.revision ?? -1) < snap.revision);
  const settleS = (Date.now() - settle0) / 1000;
  let checked = 0;
  for (const p of probes) {
    for (let a = 0; a < APPS; a++) {
      const app = `churn${a}`;
      const want = expected(snap, app);
      const aaaa = (await dig(p.id, 'AAAA', `${app}.internal`)).map(norm).sort();
      const vms = txt(await dig(p.id, 'TXT', `vms.${app}.internal`));
      checked += 2;
      if (JSON.stringify(aaaa) !== JSON.stringify(want.aaaa)) {
        mismatches++;
        console.log(
          `  ${p.host}: ${app}.internal AAAA ${aaaa.join(' ')} ≠ control plane ${want.aaaa.join(' ')}`,
        );
      }
      if (vms !== want.vms) {
        mismatches++;
        console.log(`  ${p.host}: vms.${app}.internal "${vms}" ≠ control plane "${want.vms}"`);
      }
    }
  }
  const started = [...states.values()].filter(Boolean).length;
  console.log(
    `churn: ${changes} stop/start changes (${failures} failed) over ${SECONDS} s on ${churn.length} instances ` +
      `in ${APPS} apps; ${started} started at the end`,
  );
  console.log(
    `agents settled in ${settleS.toFixed(1)} s; ${behind.length} behind revision ${snap.revision}; ` +
      `DNS on ${probes.length} hosts: ${checked} answers checked, ${mismatches} differ from the control plane`,
  );
  plan.hosts.forEach((h, k) => {
    const s = rssStart[k] ?? 0;
    const e = rssEnd[k] ?? 0;
    const first = meanOf(samples.slice(0, third), k);
    const last = meanOf(samples.slice(-third), k);
    const max = Math.max(...samples.map((r) => r[k] ?? 0));
    console.log(
      `  agent ${h.name} RSS ${mib(s)} at start → ${mib(e)} at end; mean of the first third ${mib(first)}, ` +
        `of the last third ${mib(last)} (${last >= first ? '+' : ''}${mib(last - first)}), max ${mib(max)}`,
    );
  });
} finally {
  await labDown({ name: NAME });
}
process.exitCode = mismatches > 0 ? 1 : 0;
