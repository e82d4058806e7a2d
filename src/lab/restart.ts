// `sixpn lab restart NODE [--kill]`: stops a host's agent, a gateway or the control plane (SIGTERM, or SIGKILL to
// play a crash), starts it again with the same flags (the control plane: the same database, port and unix
// socket) and waits until it has caught up. Instances, the mesh, tunnels and DNS must survive it.

import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { SixpnError } from '../core/errors.ts';
import { readStatusFile } from '../runtime/status-file.ts';
import { startAgent, waitAgents } from './agents.ts';
import { labClient, startControl, waitControl } from './control.ts';
import { startGateway } from './gateways.ts';
import { findNode, labDirOf, labNodes, labPlan } from './plan.ts';
import { isAlive, type ProcessRecord } from './processes.ts';
import { type LabState, readLabState, writeLabState } from './state.ts';

export interface RestartResult {
  /** The host or gateway name, or `control`. */
  host: string;
  old: ProcessRecord | undefined;
  new: ProcessRecord;
}

export interface RestartOptions {
  kill?: boolean;
  name?: string | undefined;
  readyTimeoutMs?: number;
  signal?: AbortSignal;
}

function recordedState(name: string | undefined): { path: string; state: LabState } {
  const path = join(labDirOf(name), 'lab.json');
  const state = readLabState(path);
  if (!state) throw new SixpnError('failed_precondition', 'no lab is up; bring one up with: sixpn lab up');
  return { path, state };
}

/** Stops `old` (when it still runs) with SIGKILL or SIGTERM and waits until it is gone. */
async function stopOld(old: ProcessRecord | undefined, what: string, kill: boolean | undefined) {
  if (!old || !isAlive(old)) return;
  process.kill(old.pid, kill ? 'SIGKILL' : 'SIGTERM');
  const end = Date.now() + 10_000;
  while (isAlive(old)) {
    if (Date.now() > end)
      throw new SixpnError('unavailable', `${what} (pid ${old.pid}) did not stop within 10 s`);
    await delay(10);
  }
}

/** Restarts the agent of a host, or a gateway, and waits until it has reconciled up to the control plane's head. */
export async function restartAgent(host: string, o: RestartOptions = {}): Promise<RestartResult> {
  const { path, state } = recordedState(o.name);
  const p = labPlan(state.options);
  const n = findNode(p, host);
  if (!n) {
    const names = ['control', ...labNodes(p).map((h) => h.name)];
    throw new SixpnError('not_found', `no lab host or gateway '${host}'; use one of: ${names.join(', ')}`);
  }
  const key = n.role === 'host' ? `agent:${n.name}` : `gateway:${n.name}`;
  const old = state.processes[key];
  await stopOld(old, `the ${n.role === 'host' ? 'agent of' : 'gateway'} ${host}`, o.kill);
  // status.json stays the old process's until the new one reconciles: wait for a newer one, not just any.
  const before = readStatusFile(n.stateDir)?.reconciledAt;
  const rec = n.role === 'host' ? startAgent(p, n) : startGateway(p, n);
  state.processes[key] = rec;
  writeLabState(path, state);
  const client = labClient(p, state.adminToken);
  await waitAgents(client, [{ node: n, rec, newerThan: before }], o.readyTimeoutMs ?? 60_000, o.signal);
  return { host: n.name, old, new: rec };
}

/**
 * Restarts the control plane on the same database, address and unix socket, and waits until it answers. The
 * agents and gateways reconnect by themselves (their watch streams resume from their last revision).
 */
export async function restartControl(o: RestartOptions = {}): Promise<RestartResult> {
  const { path, state } = recordedState(o.name);
  const p = labPlan(state.options);
  const old = state.processes.control;
  await stopOld(old, "the lab's control plane", o.kill);
  const rec = startControl(p);
  state.processes.control = rec;
  writeLabState(path, state);
  await waitControl(p, rec, state.adminToken, o.readyTimeoutMs ?? 30_000);
  return { host: 'control', old, new: rec };
}
