// `sixpn lab down`: removes everything `lab up` made — its processes (by recorded PID and start time), the
// processes left inside its namespaces (wireguard-go of the agents, shells of `lab exec`), the instance
// namespaces its agents made, its own namespaces (their links, routes and nft tables go with them), stale
// wireguard-go sockets, /etc/netns/<ns> files, and the lab dir. Safe to run twice and after a crash: every step
// works from what is there, the record when it exists and the `sixpn-lab-` names otherwise.

import { readdirSync } from 'node:fs';
import { rm, rmdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { run } from '../runtime/exec.ts';
import { listNetns, removeNetns } from '../runtime/netns.ts';
import { readStatusFile } from '../runtime/status-file.ts';
import { labClient } from './control.ts';
import { INSTANCE_NS_PREFIX, labDirOf, labNsPrefix, labPlan } from './plan.ts';
import { preflight } from './preflight.ts';
import { isAlive, killPid, stopRecorded } from './processes.ts';
import { type LabState, readLabState } from './state.ts';

export interface DownOptions {
  /** The lab's name (see plan.ts); the default lab when omitted. */
  name?: string | undefined;
  progress?: (line: string) => void;
}

export interface DownReport {
  processes: number;
  namespaces: string[];
  sockets: string[];
}

const INSTANCE_ID = /^[0-9a-f]{8}$/;

/** Instance ids the lab's agents may have made namespaces for: from the API, the record and the agents' dirs. */
async function instanceIds(dir: string, state: LabState | undefined): Promise<Set<string>> {
  const ids = new Set<string>(state?.demo.map((d) => d.id) ?? []);
  if (state && isAlive(state.processes.control ?? { pid: -1, startTime: -1 })) {
    try {
      const plan = labPlan(state.options);
      for (const i of await labClient(plan, state.adminToken).listInstances()) ids.add(i.id);
    } catch {
      // the record and the agents' files below still name them
    }
  }
  for (const sub of ['agents', 'gateways']) {
    let hosts: string[] = [];
    try {
      hosts = readdirSync(join(dir, sub));
    } catch {
      continue;
    }
    for (const h of hosts) {
      try {
        for (const f of readdirSync(join(dir, sub, h, 'instances'))) ids.add(f.replace(/\.env$/, ''));
      } catch {
        // no instances dir
      }
      for (const i of readStatusFile(join(dir, sub, h))?.instances ?? []) {
        const id = typeof i === 'string' ? i : (i as { id?: unknown }).id;
        if (typeof id === 'string') ids.add(id);
      }
    }
  }
  return new Set([...ids].filter((id) => INSTANCE_ID.test(id)));
}

async function pidsIn(ns: string): Promise<number[]> {
  try {
    const { stdout } = await run('ip', ['netns', 'pids', ns]);
    return stdout
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((n) => Number.isInteger(n) && n > 0);
  } catch {
    return [];
  }
}

/** A wireguard-go UAPI socket whose process is gone refuses connections. */
function isStaleSocket(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

export async function labDown(o: DownOptions = {}): Promise<DownReport> {
  preflight(['ip'], 'lab down');
  const say = o.progress ?? (() => {});
  const dir = labDirOf(o.name);
  const prefix = labNsPrefix(o.name);
  let state: LabState | undefined;
  try {
    state = readLabState(join(dir, 'lab.json'));
  } catch {
    state = undefined; // unreadable record: sweep by name
  }
  const report: DownReport = { processes: 0, namespaces: [], sockets: [] };
  const ids = await instanceIds(dir, state);

  // 1. The processes the lab started: the demo servers first (`sixpn run` passes the TERM on to its server and asks
  //    its agent to stop the instance), then agents and gateways (they may still reconcile), then the rest.
  const procs = Object.entries(state?.processes ?? {});
  const daemon = (k: string) => k.startsWith('agent:') || k.startsWith('gateway:');
  const demo = procs.filter(([k]) => k.startsWith('demo:'));
  const first = procs.filter(([k]) => daemon(k));
  const rest = procs.filter(([k]) => !daemon(k) && !k.startsWith('demo:'));
  for (const group of [demo, first, rest]) {
    const alive = group.filter(([, r]) => isAlive(r));
    if (alive.length > 0) say(`stopping ${alive.map(([k]) => k).join(', ')}`);
    report.processes += alive.length;
    await Promise.all(alive.map(([, r]) => stopRecorded(r)));
  }

  // 2. What runs inside the lab's namespaces (wireguard-go started by agents, lab exec shells), then the
  //    namespaces themselves: instance namespaces of our agents first, the lab's own after.
  const present = await listNetns();
  const planned = state ? labPlan(state.options).namespaces : [];
  const labNs = present.filter((n) => n.startsWith(prefix) || planned.includes(n));
  const instNs = present.filter(
    (n) => n.startsWith(INSTANCE_NS_PREFIX) && ids.has(n.slice(INSTANCE_NS_PREFIX.length)),
  );
  const ordered = [
    ...instNs,
    ...labNs.filter((n) => n !== `${prefix}ul`),
    ...labNs.filter((n) => n === `${prefix}ul`),
  ];
  for (const ns of ordered) {
    for (const pid of await pidsIn(ns)) {
      await killPid(pid);
      report.processes++;
    }
  }
  if (ordered.length > 0) say(`removing namespaces ${ordered.join(', ')}`);
  for (const ns of ordered) {
    await removeNetns(ns);
    report.namespaces.push(ns);
  }

  // 3. wireguard-go sockets left by killed processes (the directory is shared by every namespace): those of this
  //    lab's interface names (sx<name>m<N>, sx<name>p<N>) whose process is gone.
  const wgDir = '/var/run/wireguard';
  const ours = new RegExp(`^sx${o.name ?? ''}[mp][0-9]+\\.sock$`);
  let socks: string[] = [];
  try {
    socks = readdirSync(wgDir).filter((f) => ours.test(f));
  } catch {
    socks = [];
  }
  for (const f of socks) {
    const path = join(wgDir, f);
    if (await isStaleSocket(path)) {
      await rm(path, { force: true });
      report.sockets.push(path);
    }
  }

  // 4. Files: the resolver files of our namespaces and instances, /etc/netns if we made it, the lab dir.
  const etcDirs = [...new Set([...labNs, ...[...ids].map((id) => `${INSTANCE_NS_PREFIX}${id}`)])];
  try {
    for (const d of readdirSync('/etc/netns')) if (d.startsWith(prefix)) etcDirs.push(d);
  } catch {
    // no /etc/netns
  }
  for (const d of new Set(etcDirs)) await rm(join('/etc/netns', d), { recursive: true, force: true });
  if (state?.etcNetnsCreated) await rmdir('/etc/netns').catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
  return report;
}
