// Starts what the agent needs for runtimes: the workloads (records loaded from the state dir), the local socket
// server and the sweep that stops `sixpn run` instances whose processes are gone, as tasks of the reconciler
// harness. Without a socket path (tests over fakes) only the workloads exist.

import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { invalid } from '../core/errors.ts';
import type { Logger } from '../lib/log.ts';
import { run } from '../runtime/exec.ts';
import type { Reconciler } from '../runtime/reconciler.ts';
import type { AgentOptions } from './agent.ts';
import { holderAlive, netnsInUse, startTimeOf, terminate } from './procs.ts';
import { serveSocket } from './socket-server.ts';
import { Workloads } from './workloads.ts';

async function checkNetns(path: string): Promise<void> {
  try {
    await run('nsenter', [`--net=${path}`, '--', 'true']);
  } catch {
    throw invalid(
      `netns '${path}' is not a network namespace (it does not exist, or is not a namespace file)`,
      {
        field: 'netns',
      },
    );
  }
}

export async function startWorkloads(
  o: AgentOptions,
  r: Reconciler,
  log: Logger,
): Promise<{ workloads: Workloads; tasks: Array<() => Promise<void>> }> {
  const workloads = new Workloads({
    state: r.state,
    host: o.host,
    plan: r.o.plan,
    etcNetnsDir: o.etcNetnsDir ?? '/etc/netns',
    netnsTemplate: o.netnsTemplate ?? 'sixpn-i-{id}',
    dir: join(o.stateDir, 'workloads'),
    api: r.client,
    probe: { checkNetns, startTimeOf, holderAlive, terminate, netnsInUse },
    requestPass: () => r.requestPass('periodic'),
    log: log.child({ part: 'workloads' }),
  });
  await workloads.load();
  if (o.socket === undefined) return { workloads, tasks: [] };
  const socket = o.socket;
  const resync = o.resyncMs ?? 30_000;
  const sweep = async () => {
    while (!o.signal.aborted) {
      await delay(resync, undefined, { signal: o.signal }).catch(() => undefined);
      if (o.signal.aborted) return;
      await workloads
        .sweep()
        .catch((e: unknown) => log.warn({ err: String(e) }, 'workload sweep failed; retrying'));
    }
  };
  const serve = () =>
    serveSocket(
      socket,
      {
        workloads,
        health: () => ({
          ok: true,
          host: o.host,
          region: o.region,
          synced: r.state.revision > 0 && r.isConnected,
        }),
      },
      log,
      o.signal,
    );
  return { workloads, tasks: [serve, sweep] };
}
