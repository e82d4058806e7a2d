// Host agents of the lab: one `sixpn agent` per host namespace (flags from agentArgs), started detached
// with its log in logs/<host>.log, and readiness read from the status.json each agent writes after a reconcile.

import { setTimeout as delay } from 'node:timers/promises';
import { SixpnError } from '../core/errors.ts';
import type { Snapshot } from '../core/model.ts';
import { readStatusFile } from '../runtime/status-file.ts';
import { SIXPN_BIN } from './control.ts';
import type { LabNode, LabPlan } from './plan.ts';
import { childEnv, exitOf, isAlive, type ProcessRecord, startDetached, tailOf } from './processes.ts';

/** The agent's command line for a lab host (after the `sixpn` executable); its token goes in SIXPN_TOKEN. */
export function agentArgs(p: LabPlan, h: LabNode): string[] {
  return [
    'agent',
    '--host',
    h.name,
    '--region',
    h.region,
    '--api',
    p.underlay.apiUrl,
    '--ca',
    p.files.caCert,
    '--endpoint',
    h.endpoint,
    '--state-dir',
    h.stateDir,
    '--mesh-interface',
    h.meshInterface,
    '--wireguard',
    'userspace',
    '--lab',
    '--upstream',
    p.upstream.listen,
  ];
}

/**
 * Node/V8 flags for the lab's long-running agents and gateways (src/agent/README.md, "Memory"): young
 * generation capped at 1 MiB (V8 otherwise grows it to 16 MiB per semi-space and keeps it when idle) and one
 * V8 background thread instead of one per core. Idle agent VmRSS 104.9 -> 96.3 MB in a 3-host lab.
 */
export const DAEMON_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--v8-pool-size=1'];

/** Starts the agent of host `h` in its namespace. */
export function startAgent(p: LabPlan, h: LabNode, token: string): ProcessRecord {
  return startDetached(h.ns, process.execPath, [...DAEMON_NODE_FLAGS, SIXPN_BIN, ...agentArgs(p, h)], {
    log: h.log,
    env: childEnv({ SIXPN_TOKEN: token, WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1' }),
  });
}

export interface Waiting {
  node: LabNode;
  rec: ProcessRecord;
  /** When set, the agent must also have written a status newer than this `reconciledAt` (after a restart). */
  newerThan?: string | undefined;
}

/** What waitAgents needs from the control plane: its head revision and which hosts have registered. */
export interface HeadSource {
  snapshot(signal?: AbortSignal): Promise<Snapshot>;
}

/**
 * Waits until the fleet has converged: every agent has registered (its mesh key is in the control plane) and has
 * reconciled up to the control plane's head revision, read again on every round (registrations themselves
 * move it). Throws a clear error naming each agent that is not there, why (not registered, no status yet,
 * behind, or exited) and its log file; at once when an agent's process exited.
 */
export async function waitAgents(
  client: HeadSource,
  agents: readonly Waiting[],
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    const snap = await client.snapshot(signal);
    const registered = new Set(snap.hosts.filter((h) => h.mesh_key !== null).map((h) => h.name));
    const why = (a: Waiting): string | undefined => {
      const st = readStatusFile(a.node.stateDir);
      if (!isAlive(a.rec))
        return `its process ${exitOf(a.rec.pid)} (last log line: ${JSON.stringify(tailOf(a.node.log, 1))})`;
      if (!registered.has(a.node.name)) return 'it has not registered with the control plane yet';
      if (!st) return 'it has written no status.json yet';
      if (st.revision < snap.revision)
        return `it is at revision ${st.revision}, the control plane at ${snap.revision}`;
      if (a.newerThan !== undefined && st.reconciledAt === a.newerThan)
        return 'it has not reconciled since it started';
      return undefined;
    };
    const behind = agents.map((a) => ({ a, why: why(a) })).filter((x) => x.why !== undefined);
    if (behind.length === 0) return;
    const dead = behind.filter((x) => !isAlive(x.a.rec));
    if (dead.length > 0 || Date.now() > end) {
      const lines = behind.map((x) => `${x.a.node.name}: ${x.why}, see ${x.a.node.log}`);
      const after = dead.length > 0 ? '' : ` after ${timeoutMs / 1000} s`;
      throw new SixpnError('unavailable', `agents not ready${after}: ${lines.join('; ')}`);
    }
    await delay(50);
  }
}
