// Agent CPU per 1,000 checks/s: `checker-cpu.ts [INSTANCES] [SECONDS] [tcp|http]`. The agent's checker (the real
// Checker, probes and schedule) runs in this process against INSTANCES instances with a 1 s check each, so
// INSTANCES checks/s; the servers they check run in a child process on ::1, so this process's CPU time is the
// checker's alone. Prints one JSON line: checks run per second and this process's CPU ms per second (user +
// system), scaled to 1,000 checks/s.

import { fork } from 'node:child_process';
import { Checker } from '../../src/agent/checker.ts';
import { parseChecks } from '../../src/core/checks.ts';
import type { Snapshot } from '../../src/core/model.ts';
import { LocalState } from '../../src/core/state.ts';
import { silentLogger } from '../../src/lib/log.ts';

const n = Number(process.argv[2] ?? 1000);
const seconds = Number(process.argv[3] ?? 10);
const type = (process.argv[4] ?? 'http') as 'tcp' | 'http';

if (process.argv[2] === 'serve') {
  const { createServer } = await import('node:http');
  const s = createServer((_q, r) => r.end('ok'));
  s.keepAliveTimeout = 1;
  s.listen(0, '::1', () => process.send?.((s.address() as { port: number }).port));
} else {
  const child = fork(new URL(import.meta.url).pathname, ['serve'], { execArgv: process.execArgv });
  process.once('exit', () => child.kill()); // also when this process fails
  const port = await new Promise<number>((r) => child.once('message', (m) => r(Number(m))));
  const at = new Date().toISOString();
  const check = parseChecks([
    { type, port, ...(type === 'http' ? { path: '/' } : {}), interval: '1s', timeout: '500ms' },
  ]);
  const snapshot: Snapshot = {
    revision: 1,
    orgs: [],
    networks: [],
    regions: [],
    hosts: [],
    apps: [
      {
        id: 'a1',
        org: 'acme',
        network: 'default',
        network_num: 1,
        name: 'web',
        private_network: true,
        checks: check,
        service_address: null,
        created_at: at,
      },
    ],
    instances: Array.from({ length: n }, (_, i) => ({
      id: (i + 1).toString(16).padStart(8, '0'),
      app: 'web',
      org: 'acme',
      network: 'default',
      network_num: 1,
      region: 'ord',
      host: 'h1',
      host_num: 1,
      state: 'started' as const,
      address: '::1',
      health: null,
      created_at: at,
      updated_at: at,
    })),
    peers: [],
  };
  const ac = new AbortController();
  let reports = 0;
  const checker = new Checker({
    state: new LocalState(snapshot),
    host: 'h1',
    report: async (items) => {
      reports += items.length;
    },
    log: silentLogger,
    signal: ac.signal,
  });
  const running = checker.run();
  checker.setReady(
    snapshot.instances.map((i) => i.id),
    true,
  );
  // let every check run once and settle on its phase, then measure
  await new Promise((r) => setTimeout(r, 3000));
  const runs0 = checker.runs;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cpu = process.cpuUsage(cpu0);
  const s = (performance.now() - t0) / 1000;
  const runs = checker.runs - runs0;
  ac.abort();
  await running;
  child.kill();
  const cpuMsPerS = (cpu.user + cpu.system) / 1000 / s;
  const perSecond = runs / s;
  console.log(
    JSON.stringify({
      type,
      instances: n,
      checks_per_s: Math.round(perSecond),
      cpu_ms_per_s: Math.round(cpuMsPerS),
      cpu_ms_per_s_per_1000_checks_per_s: Math.round((cpuMsPerS * 1000) / perSecond),
      reports,
    }),
  );
}
