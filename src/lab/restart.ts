// `sixpn lab restart HOST [--kill]`: stops a host's agent (SIGTERM, or SIGKILL to play a crash), starts it again
// with the same flags and waits until it has caught up. Instances, the mesh and DNS must survive it.

import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { SixpnError } from '../core/errors.ts';
import { readAgentStatus, startAgent, waitAgents } from './agents.ts';
import { labClient } from './control.ts';
import { findNode, labDirOf, labPlan } from './plan.ts';
import { isAlive, type ProcessRecord } from './processes.ts';
import { readLabState, writeLabState } from './state.ts';

export interface RestartResult {
  host: string;
  old: ProcessRecord | undefined;
  new: ProcessRecord;
}

export async function restartAgent(
  host: string,
  o: { kill?: boolean; name?: string | undefined; readyTimeoutMs?: number; signal?: AbortSignal } = {},
): Promise<RestartResult> {
  const path = join(labDirOf(o.name), 'lab.json');
  const state = readLabState(path);
  if (!state) throw new SixpnError('failed_precondition', 'no lab is up; bring one up with: sixpn lab up');
  const p = labPlan(state.options);
  const n = findNode(p, host);
  if (n?.role !== 'host') {
    throw new SixpnError(
      'not_found',
      `no lab host '${host}'; hosts: ${p.hosts.map((h) => h.name).join(', ')}`,
    );
  }
  const key = `agent:${n.name}`;
  const old = state.processes[key];
  if (old && isAlive(old)) {
    process.kill(old.pid, o.kill ? 'SIGKILL' : 'SIGTERM');
    const end = Date.now() + 10_000;
    while (isAlive(old)) {
      if (Date.now() > end)
        throw new SixpnError('unavailable', `the agent of ${host} (pid ${old.pid}) did not stop within 10 s`);
      await delay(10);
    }
  }
  // status.json stays the old agent's until the new one reconciles: wait for a newer one, not just any.
  const before = readAgentStatus(n.stateDir)?.reconciledAt;
  const rec = startAgent(p, n, state.hostTokens[n.name] ?? '');
  state.processes[key] = rec;
  writeLabState(path, state);
  const client = labClient(p, state.adminToken);
  await waitAgents(client, [{ node: n, rec, newerThan: before }], o.readyTimeoutMs ?? 60_000, o.signal);
  return { host: n.name, old, new: rec };
}
