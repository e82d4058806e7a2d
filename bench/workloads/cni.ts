// CNI benchmark (prints figures; not a test): in a lab, the `sixpn` CNI plugin executable is run the way a
// runtime runs it (CNI_* environment, configuration on stdin) for N containers' namespaces on one host: the wall
// time of each ADD (plugin start → agent → API → the agent's set-up → result) and each DEL, p50/p99, and the
// plugin's bare start (VERSION) for scale. Needs root and a build (`npm run build`); builds and removes its lab.
//
//   node --import tsx bench/workloads/cni.ts [--regions ord:2] [--containers 50]

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { installPlugin } from '../../src/cni/install.ts';
import { waitAgents } from '../../src/lab/agents.ts';
import { labClient } from '../../src/lab/control.ts';
import { labDown } from '../../src/lab/down.ts';
import { run } from '../../src/runtime/exec.ts';
import { benchLabUp } from '../lab/up.ts';

const { values } = parseArgs({
  options: {
    regions: { type: 'string', default: 'ord:2' },
    containers: { type: 'string', default: '50' },
  },
});
const N = Number(values.containers);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
};
const line = (what: string, xs: number[]) =>
  console.log(
    `${what.padEnd(22)} p50 ${pct(xs, 50).toFixed(1)} ms  p99 ${pct(xs, 99).toFixed(1)} ms  (n=${xs.length})`,
  );

/** Runs the plugin once; resolves with the wall time in ms and its stdout; throws on a non-zero exit. */
function invoke(
  plugin: string,
  env: Record<string, string>,
  stdin: string,
): Promise<{ ms: number; out: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(plugin, [], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = performance.now() - t0;
      if (code === 0) resolve({ ms, out });
      else reject(new Error(`${env.CNI_COMMAND} exited ${code}: ${out}`));
    });
    child.stdin.end(stdin);
  });
}

const ac = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => ac.abort());
const dir = await mkdtemp(join(tmpdir(), 'sixpn-bench-cni-'));
const namespaces: string[] = [];
let up = false;
try {
  const { plan, state } = await benchLabUp('bcni', values.regions, ac.signal);
  up = true;
  const host = plan.hosts[0];
  if (!host) throw new Error('no hosts');
  const c = labClient(plan, state.adminToken);
  await waitAgents(
    c,
    plan.hosts.map((h) => ({ node: h, rec: state.processes[`agent:${h.name}`]! })),
    60_000,
  );
  await c.createOrg('bench');
  await c.createApp('bench', { name: 'web', private_network: true });
  await c.allowHost(host.name, { org: 'bench' });
  const plugin = await installPlugin(join(dir, 'bin'));
  const config = JSON.stringify({
    cniVersion: '1.0.0',
    name: 'bench-web',
    type: 'sixpn',
    org: 'bench',
    app: 'web',
    agentSocket: join(host.stateDir, 'agent.sock'),
  });
  const version: number[] = [];
  for (let i = 0; i < 20; i++)
    version.push((await invoke(plugin, { CNI_COMMAND: 'VERSION' }, '{"cniVersion":"1.0.0"}')).ms);
  const add: number[] = [];
  const del: number[] = [];
  for (let i = 0; i < N; i++) {
    ac.signal.throwIfAborted();
    const ns = `sixpn-cnib-${i}`;
    await run('ip', ['netns', 'add', ns]);
    namespaces.push(ns);
    const env = {
      CNI_CONTAINERID: `bench${i}`,
      CNI_IFNAME: 'eth0',
      CNI_NETNS: `/run/netns/${ns}`,
      CNI_PATH: join(dir, 'bin'),
    };
    add.push((await invoke(plugin, { ...env, CNI_COMMAND: 'ADD' }, config)).ms);
  }
  for (let i = 0; i < N; i++) {
    ac.signal.throwIfAborted();
    const env = {
      CNI_CONTAINERID: `bench${i}`,
      CNI_IFNAME: 'eth0',
      CNI_NETNS: `/run/netns/sixpn-cnib-${i}`,
      CNI_PATH: join(dir, 'bin'),
    };
    del.push((await invoke(plugin, { ...env, CNI_COMMAND: 'DEL' }, config)).ms);
  }
  console.log(`lab: ${plan.hosts.length} hosts; ${N} containers' namespaces on ${host.name}, one at a time`);
  line('plugin start (VERSION)', version);
  line('CNI ADD', add);
  line('CNI DEL', del);
} finally {
  for (const ns of namespaces) await run('ip', ['netns', 'del', ns]).catch(() => undefined);
  // Only a lab this run brought up: another one of that name (someone else's) is left alone.
  if (up) await labDown({ name: 'bcni' });
  await rm(dir, { recursive: true, force: true });
}
