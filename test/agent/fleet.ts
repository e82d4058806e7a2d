// A two-host fleet for the agent's integration test: the control plane in-process (API on a unix socket the agents
// reach from their namespaces), two host namespaces on a veth underlay, and real `sixpn agent` processes.

import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, cpSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiClient } from '../../src/client/api-client.ts';
import { runServer } from '../../src/control/main.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { run } from '../../src/runtime/exec.ts';
import { listNetns, removeNetns } from '../../src/runtime/netns.ts';
import { type ReconcilerStatus, readStatusFile } from '../../src/runtime/status-file.ts';
import { stopWireguardGoByLink } from '../../src/runtime/wireguard-go.ts';
import { type Cleanup, netns, suffix, wire } from '../runtime/support.ts';

const BIN = new URL('../../bin/sixpn.js', import.meta.url).pathname;
const ADMIN = 'sixpn-agent-test-admin-token-0123456789';

export interface FleetHost {
  name: string;
  region: string;
  ns: string;
  underlay: string;
  mesh: string;
  stateDir: string;
  log: string;
  token: string;
  proc?: ChildProcess;
}

/** Everything the test built; `cleanup` removes it, pass or fail. */
export async function startFleet(c: Cleanup) {
  const s = suffix();
  const dir = await mkdtemp(join(tmpdir(), 'sixpn-agent-test-'));
  c.add(() => {
    // SIXPN_KEEP_LOGS=DIR keeps the agents' logs of a failing run there.
    const keep = process.env.SIXPN_KEEP_LOGS;
    if (keep) cpSync(dir, keep, { recursive: true, filter: (p) => !p.endsWith('.sock') });
    rmSync(dir, { recursive: true, force: true });
  });
  const abort = new AbortController();
  const sock = join(dir, 'api.sock');
  const server = await runServer({
    db: `sqlite:${join(dir, 'control.db')}`,
    listen: '127.0.0.1:0',
    unixSocket: sock,
    logger: silentLogger,
    signal: abort.signal,
    adminToken: ADMIN,
  });
  c.add(async () => {
    abort.abort();
    await server.done;
  });
  const admin = new ApiClient({ baseUrl: server.url, token: ADMIN });
  await admin.createRegion({ code: 'ord', name: 'Chicago', lat: 41.98, lon: -87.9 });
  await admin.createRegion({ code: 'nrt', name: 'Tokyo', lat: 35.76, lon: 140.38 });
  const template = `sixpn-at${s}-{id}`;
  // Whatever the agents made, even if the test dies halfway: instance namespaces, their files, wireguard-go.
  c.add(async () => {
    for (const n of await listNetns()) {
      if (n.startsWith(`sixpn-at${s}-`)) {
        await removeNetns(n);
        rmSync(`/etc/netns/${n}`, { recursive: true, force: true });
      }
    }
  });
  const hosts: FleetHost[] = [];
  for (const [i, [name, region]] of [
    ['h1', 'ord'],
    ['h2', 'nrt'],
  ].entries()) {
    const created = await admin.createHost({ name: name!, region: region! });
    const h: FleetHost = {
      name: name!,
      region: region!,
      ns: `sixpn-ah${s}-${name}`,
      underlay: `198.18.1.${i + 1}`,
      mesh: `sxm${s}${i + 1}`,
      stateDir: join(dir, name!),
      log: join(dir, `${name}.log`),
      token: created.token,
    };
    await netns(c, h.ns);
    c.add(async () => {
      await stopAgent(h, 'SIGKILL');
      if (existsSync(`/run/netns/${h.ns}`)) await stopWireguardGoByLink(h.ns, h.mesh);
      rmSync(`/var/run/wireguard/${h.mesh}.sock`, { force: true });
    });
    hosts.push(h);
  }
  const [h1, h2] = hosts as [FleetHost, FleetHost];
  await wire(
    { ns: h1.ns, name: 'sxu0', addrs: [`${h1.underlay}/24`] },
    { ns: h2.ns, name: 'sxu0', addrs: [`${h2.underlay}/24`] },
  );
  return { s, dir, sock, admin, hosts: { h1, h2 }, template };
}

export type Fleet = Awaited<ReturnType<typeof startFleet>>;

/** Starts `sixpn agent` for `h` inside its namespace (nsenter: same mount namespace, so its netns are visible). */
export function startAgent(
  f: Fleet,
  h: FleetHost,
  api = `unix:${f.sock}`,
  extra: readonly string[] = [],
): ChildProcess {
  const log = openSync(h.log, 'a');
  const args = [
    `--net=/run/netns/${h.ns}`,
    '--',
    process.execPath,
    BIN,
    'agent',
    '--host',
    h.name,
    '--region',
    h.region,
    '--api',
    api,
    '--endpoint',
    `${h.underlay}:51820`,
    '--state-dir',
    h.stateDir,
    '--mesh-interface',
    h.mesh,
    '--wireguard',
    'userspace',
    '--lab',
    '--netns-template',
    f.template,
    '--upstream',
    '198.18.1.250:53',
    ...extra,
  ];
  try {
    h.proc = spawn('nsenter', args, {
      stdio: ['ignore', log, log],
      env: { ...process.env, SIXPN_LOG: 'debug', SIXPN_TOKEN: h.token }, // never in argv: agents refuse --token
    });
  } finally {
    closeSync(log);
  }
  return h.proc;
}

/** Stops the agent by PID; resolves with how long it took to exit (ms), or -1 when it did not within 10 s. */
export async function stopAgent(h: FleetHost, sig: 'SIGTERM' | 'SIGKILL'): Promise<number> {
  const p = h.proc;
  if (!p || p.exitCode !== null || p.signalCode !== null) return 0;
  const t0 = Date.now();
  const exited = new Promise<number>((r) => p.once('exit', () => r(Date.now() - t0)));
  p.kill(sig);
  return Promise.race([exited, sleep(10_000).then(() => -1)]);
}

export type Status = ReconcilerStatus;

export function readStatus(h: FleetHost): Status | undefined {
  return readStatusFile(h.stateDir);
}

/** Waits until the agent has reconciled up to `revision` with no failed step. */
export async function waitReady(h: FleetHost, revision: number, ms = 20_000): Promise<Status> {
  const end = Date.now() + ms;
  for (;;) {
    const st = readStatus(h);
    const mine = st?.pid === h.proc?.pid;
    if (st && mine && st.revision >= revision && st.failed === 0 && st.dns === 'listening') return st;
    if (Date.now() > end || (h.proc && h.proc.exitCode !== null)) {
      const tail = existsSync(h.log) ? readFileSync(h.log, 'utf8').split('\n').slice(-15).join('\n') : '';
      throw new Error(`agent ${h.name} not ready at revision ${revision}: ${JSON.stringify(st)}\n${tail}`);
    }
    await sleep(20);
  }
}

/** Runs a command in a namespace; resolves with its stdout (throws on non-zero exit). */
export async function inNs(ns: string, cmd: string, args: string[], timeoutMs = 15_000): Promise<string> {
  return (await run('ip', ['netns', 'exec', ns, cmd, ...args], { timeoutMs })).stdout;
}

/** The agent's RSS in kB (from /proc). */
export function rssKb(h: FleetHost): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${h.proc?.pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0);
}
