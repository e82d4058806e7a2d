// Host agents of the lab: one `sixpn agent` per host namespace (flags of notes/agent-lab.md), started detached
// with its log in logs/<host>.log, and readiness read from the status.json each agent writes after a reconcile.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { SixpnError } from '../core/errors.ts';
import { run } from '../runtime/exec.ts';
import { childEnv, SIXPN_BIN } from './control.ts';
import type { LabNode, LabPlan } from './plan.ts';
import { isAlive, type ProcessRecord, startDetached, tailOf } from './processes.ts';

/** The agent's command line for a lab host (after the `sixpn` executable). */
export function agentArgs(p: LabPlan, h: LabNode, token: string): string[] {
  return [
    'agent',
    '--host',
    h.name,
    '--region',
    h.region,
    '--api',
    p.underlay.apiUrl,
    '--token',
    token,
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

/** Starts the agent of host `h` in its namespace. */
export function startAgent(p: LabPlan, h: LabNode, token: string): ProcessRecord {
  return startDetached(h.ns, process.execPath, [SIXPN_BIN, ...agentArgs(p, h, token)], {
    log: h.log,
    env: childEnv({ WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1' }),
  });
}

/** What an agent's status.json says (the fields the lab reads; the agent may write more). */
export const AgentStatus = z.looseObject({
  revision: z.number().int(),
  reconciledAt: z.string().optional(),
  instances: z.array(z.unknown()).optional(),
  peers: z.number().int().optional(),
  dns: z.string().optional(),
});
export type AgentStatus = z.infer<typeof AgentStatus>;

/** The agent's last status, or undefined before its first reconcile (or while it rewrites the file). */
export function readAgentStatus(stateDir: string): AgentStatus | undefined {
  try {
    return AgentStatus.parse(JSON.parse(readFileSync(join(stateDir, 'status.json'), 'utf8')));
  } catch {
    return undefined;
  }
}

/** True when this checkout's `sixpn` has the subcommand `name` (agent: issue 4; gateway: issue 5). */
export async function hasSixpnCommand(name: string, signal?: AbortSignal): Promise<boolean> {
  try {
    // An unknown command with --help prints the root help and exits 0, so look at what the help is of.
    const { stdout } = await run(process.execPath, [SIXPN_BIN, name, '--help'], {
      timeoutMs: 30_000,
      env: childEnv(),
      signal,
    });
    return stdout.startsWith(`Usage: sixpn ${name} `);
  } catch {
    return false;
  }
}

export interface Waiting {
  node: LabNode;
  rec: ProcessRecord;
}

/**
 * Waits until every agent has reconciled up to `revision` (status.json revision ≥ it). Throws a clear error
 * naming each agent that is not there, why (no status yet, behind, or exited) and its log file.
 */
export async function waitAgents(
  agents: readonly Waiting[],
  revision: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    const behind = agents.filter((a) => (readAgentStatus(a.node.stateDir)?.revision ?? -1) < revision);
    if (behind.length === 0) return;
    const dead = behind.filter((a) => !isAlive(a.rec));
    if (dead.length > 0 || Date.now() > end) {
      const lines = behind.map((a) => {
        const st = readAgentStatus(a.node.stateDir);
        const why = !isAlive(a.rec)
          ? `its process exited (last log line: ${JSON.stringify(tailOf(a.node.log, 1))})`
          : st
            ? `it is at revision ${st.revision}, the control plane at ${revision}`
            : 'it has written no status.json yet';
        return `${a.node.name}: ${why}, see ${a.node.log}`;
      });
      const after = dead.length > 0 ? '' : ` after ${timeoutMs / 1000} s`;
      throw new SixpnError('unavailable', `agents not ready${after}: ${lines.join('; ')}`);
    }
    await delay(50);
  }
}
