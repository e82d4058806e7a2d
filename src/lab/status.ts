// `sixpn lab status`: what the record says was built and what is true now — processes alive, namespaces
// present, each agent's last reconcile, and the instances (from the control plane when it answers).

import { join } from 'node:path';
import { listNetns } from '../runtime/netns.ts';
import { readStatusFile } from '../runtime/status-file.ts';
import { labClient } from './control.ts';
import { type LabPlan, labDirOf, labNodes, labPlan } from './plan.ts';
import { isAlive } from './processes.ts';
import { readLabState } from './state.ts';

export interface NodeStatus {
  name: string;
  role: 'host' | 'gateway';
  region: string;
  ns: string;
  address: string;
  endpoint: string;
  meshInterface: string;
  namespace: boolean;
  process: { pid: number; alive: boolean; log: string } | null;
  /** The agent's status.json: revision reconciled, peers, DNS state. */
  agent: {
    revision: number;
    reconciledAt?: string | undefined;
    peers?: number | undefined;
    dns?: string | undefined;
  } | null;
}

export interface InstanceStatus {
  id: string;
  org: string;
  app: string;
  region: string;
  host: string;
  state: string;
  address: string | null;
  namespace: boolean;
}

export interface LabStatus {
  up: boolean;
  phase: 'building' | 'up' | 'none';
  /** The lab's name, '' for the default lab. */
  name: string;
  dir: string;
  createdAt?: string;
  api?: { url: string; socket: string; revision: number | null };
  services: {
    name: string;
    ns: string;
    address: string;
    namespace: boolean;
    pid: number | null;
    alive: boolean;
    log: string | null;
  }[];
  nodes: NodeStatus[];
  /** The demo servers: `sixpn run` of each demo instance (`web@ord1`), in its host's namespace. */
  servers: { name: string; ns: string; pid: number; alive: boolean; log: string }[];
  instances: InstanceStatus[];
  /** Things that are wrong (dead processes, missing namespaces, agents behind). */
  problems: string[];
}

type Proc = (key: string) => { pid: number; alive: boolean; log: string } | null;

/** The control plane's revision and instances, or nulls (and a problem) when it does not answer. */
async function fromControl(
  p: LabPlan,
  adminToken: string,
  present: ReadonlySet<string>,
  problems: string[],
): Promise<{ revision: number | null; instances: InstanceStatus[] }> {
  try {
    const snap = await labClient(p, adminToken).snapshot(AbortSignal.timeout(5_000));
    const instances = snap.instances.map((i) => ({
      id: i.id,
      org: i.org,
      app: i.app,
      region: i.region,
      host: i.host,
      state: i.state,
      address: i.address,
      namespace: present.has(`sixpn-i-${i.id}`),
    }));
    return { revision: snap.revision, instances };
  } catch (e) {
    problems.push(`the control plane does not answer on ${p.files.socket}: ${(e as Error).message}`);
    return { revision: null, instances: [] };
  }
}

type ProcStatus = ReturnType<Proc>;

function servicesOf(
  p: LabPlan,
  control: ProcStatus,
  unbound: ProcStatus,
  present: ReadonlySet<string>,
  problems: string[],
) {
  return [
    { name: 'control', ns: p.underlay.ns, address: p.underlay.apiListen, pr: control },
    { name: 'unbound', ns: p.upstream.ns, address: p.upstream.listen, pr: unbound },
    { name: 'laptop', ns: p.laptop.ns, address: p.laptop.address, pr: null },
  ].map((s) => {
    if (!present.has(s.ns)) problems.push(`namespace ${s.ns} is missing`);
    return {
      name: s.name,
      ns: s.ns,
      address: s.address,
      namespace: present.has(s.ns),
      pid: s.pr?.pid ?? null,
      alive: s.pr?.alive ?? false,
      log: s.pr?.log ?? null,
    };
  });
}

function nodesOf(
  p: LabPlan,
  proc: Proc,
  revision: number | null,
  present: ReadonlySet<string>,
  problems: string[],
): NodeStatus[] {
  return labNodes(p).map((n): NodeStatus => {
    const st = readStatusFile(n.stateDir);
    if (!present.has(n.ns)) problems.push(`namespace ${n.ns} is missing`);
    if (revision !== null && st && st.revision < revision)
      problems.push(`${n.name} is at revision ${st.revision}, the control plane at ${revision}`);
    return {
      name: n.name,
      role: n.role,
      region: n.region,
      ns: n.ns,
      address: n.address,
      endpoint: n.endpoint,
      meshInterface: n.meshInterface,
      namespace: present.has(n.ns),
      process: proc(`${n.role === 'host' ? 'agent' : 'gateway'}:${n.name}`),
      agent: st
        ? { revision: st.revision, reconciledAt: st.reconciledAt, peers: st.peers, dns: st.dns }
        : null,
    };
  });
}

export async function labStatus(name?: string): Promise<LabStatus> {
  const dir = labDirOf(name);
  const state = readLabState(join(dir, 'lab.json'));
  if (!state) {
    return {
      up: false,
      phase: 'none',
      name: name ?? '',
      dir,
      services: [],
      nodes: [],
      servers: [],
      instances: [],
      problems: [],
    };
  }
  const p = labPlan(state.options);
  const present = new Set(await listNetns());
  const problems: string[] = [];
  const proc: Proc = (key) => {
    const r = state.processes[key];
    if (!r) return null;
    const alive = isAlive(r);
    if (!alive) problems.push(`${key} (pid ${r.pid}) is not running; see ${r.log}`);
    return { pid: r.pid, alive, log: r.log };
  };
  const control = proc('control');
  const unbound = proc('unbound');
  const { revision, instances } = control?.alive
    ? await fromControl(p, state.adminToken, present, problems)
    : { revision: null, instances: [] };
  const services = servicesOf(p, control, unbound, present, problems);
  const nodes = nodesOf(p, proc, revision, present, problems);
  // A demo server ends with its instance (a stop through the API ends its `sixpn run`): shown, never a problem.
  const servers = Object.keys(state.processes)
    .filter((k) => k.startsWith('demo:'))
    .sort()
    .map((k) => {
      const r = state.processes[k];
      const alive = r !== undefined && isAlive(r);
      return { name: k.slice('demo:'.length), ns: r?.ns ?? '', pid: r?.pid ?? 0, alive, log: r?.log ?? '' };
    });
  for (const i of instances) {
    if (i.state === 'started' && !i.namespace)
      problems.push(`instance ${i.id} (${i.app}) is started but has no namespace`);
  }
  return {
    up: state.phase === 'up' && problems.length === 0,
    phase: state.phase,
    name: name ?? '',
    dir,
    createdAt: state.createdAt,
    api: { url: p.underlay.apiUrl, socket: p.underlay.apiSocketUrl, revision },
    services,
    nodes,
    servers,
    instances,
    problems,
  };
}
