// Fills the lab's control plane through the API: its regions, then the demo of demo-plan.ts (orgs, private-network
// apps, host grants) whose instances are made the real way: a `sixpn run` of the demo server on each instance's
// host, over that host agent's socket, started detached and recorded in lab.json like the agents.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { ApiClient } from '../client/api-client.ts';
import { SixpnError } from '../core/errors.ts';
import type { Instance } from '../core/model.ts';
import { DAEMON_NODE_FLAGS } from '../core/node-flags.ts';
import { type Waiting, waitAgents } from './agents.ts';
import { SIXPN_BIN } from './control.ts';
import {
  type DemoInstance,
  type DemoPlan,
  demoPlan,
  demoServerArgs,
  demoServerKey,
  demoServerLog,
} from './demo-plan.ts';
import type { LabPlan } from './plan.ts';
import { isAlive, type ProcessRecord, startDetached, tailOf } from './processes.ts';
import type { LabState } from './state.ts';

/** Creates the plan's regions (its hosts and gateways then join, join-fleet.ts). */
export async function createRegions(client: ApiClient, p: LabPlan): Promise<void> {
  for (const r of p.regions) await client.createRegion(r);
}

export interface DemoOptions {
  /** The agents (and gateways) to wait for: they must know the apps before `sixpn run` asks for them. */
  waiting: readonly Waiting[];
  timeoutMs: number;
  /** Records a started demo server in lab.json (so `lab down` and `lab status` see it at once). */
  record(key: string, rec: ProcessRecord): void;
  signal?: AbortSignal | undefined;
}

/** Creates the demo and runs its servers; returns its instances as lab.json records them, once they serve. */
export async function createDemo(client: ApiClient, p: LabPlan, o: DemoOptions): Promise<LabState['demo']> {
  const d = demoPlan(p);
  for (const org of d.orgs) await client.createOrg(org);
  for (const a of d.apps) {
    await client.createApp(a.org, {
      name: a.name,
      private_network: true,
      ...(a.checks ? { checks: a.checks } : {}),
      ...(a.service_address ? { service_address: true } : {}),
    });
  }
  // `sixpn run` creates its instance with the host's own token: the host needs a grant for the org.
  const grants = new Set(d.instances.map((i) => `${i.host}/${i.org}`));
  for (const g of grants) {
    const [host = '', org = ''] = g.split('/');
    await client.allowHost(host, { org });
  }
  await waitAgents(client, o.waiting, o.timeoutMs, o.signal);
  await mkdir(join(p.dir, 'www'), { recursive: true, mode: 0o755 });
  const servers = d.instances.map((i) => {
    const rec = startDemoServer(p, i);
    o.record(demoServerKey(i), rec);
    return { i, rec };
  });
  const made = await waitServing(client, d, servers, o.timeoutMs, o.signal);
  return made.map((inst) => ({
    id: inst.id,
    org: inst.org,
    app: inst.app,
    region: inst.region,
    host: inst.host,
    address: inst.address,
  }));
}

/**
 * Starts the demo server of `i` on its host: `sixpn run` of busybox httpd, detached in the host's namespace, its
 * output in `logs/<app>-<host>.log`. `sixpn run` makes the instance (a new one each time).
 */
export function startDemoServer(p: LabPlan, i: DemoInstance): ProcessRecord {
  const h = p.hosts.find((x) => x.name === i.host);
  if (!h) throw new SixpnError('internal', `demo host ${i.host} is not in the lab plan`);
  const args = [...DAEMON_NODE_FLAGS, SIXPN_BIN, ...demoServerArgs(p, h, i)];
  return startDetached(h.ns, process.execPath, args, { log: demoServerLog(p, i) });
}

/**
 * Waits until every demo instance is started on its host (and passes its checks when its app has them: serving,
 * so it is in DNS and behind its service address); returns them in the plan's order. Throws at once when a
 * server's `sixpn run` exited (with its log's last lines), and naming what is missing after `timeoutMs`.
 */
async function waitServing(
  client: ApiClient,
  d: DemoPlan,
  servers: readonly { i: DemoInstance; rec: ProcessRecord }[],
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Instance[]> {
  const checked = new Set(d.apps.filter((a) => (a.checks?.length ?? 0) > 0).map((a) => `${a.org}/${a.name}`));
  const end = Date.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    const all = await client.listInstances();
    const found = servers.map(({ i }) =>
      all.find((x) => x.org === i.org && x.app === i.app && x.host === i.host && x.state === 'started'),
    );
    const missing = servers.filter(({ i }, n) => {
      const x = found[n];
      return !x?.address || (checked.has(`${i.org}/${i.app}`) && x.health !== 'passing');
    });
    if (missing.length === 0) return found as Instance[];
    const dead = missing.find((s) => !isAlive(s.rec));
    if (dead) {
      throw new SixpnError(
        'unavailable',
        `the demo server of ${dead.i.app}@${dead.i.host} (sixpn run) exited: ${tailOf(dead.rec.log, 3)}; see ${dead.rec.log}`,
      );
    }
    if (Date.now() > end) {
      const names = missing.map((s) => `${s.i.app}@${s.i.host} (log ${s.rec.log})`).join(', ');
      throw new SixpnError('unavailable', `demo instances not serving after ${timeoutMs / 1000} s: ${names}`);
    }
    await delay(100, undefined, { signal });
  }
}
