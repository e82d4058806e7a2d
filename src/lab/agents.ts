// Host agents of the lab: each host joins (`sixpn agent join`, agentJoinArgs), then runs `sixpn agent` with no
// flags but its config dir, started detached
// with its log in logs/<host>.log, and readiness read from the status.json each agent writes after a reconcile.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { SixpnError } from '../core/errors.ts';
import type { Snapshot } from '../core/model.ts';
import { DAEMON_NODE_FLAGS } from '../core/node-flags.ts';
import { checkNetnsName } from '../runtime/netns.ts';
import { readStatusFile } from '../runtime/status-file.ts';
import { SIXPN_BIN } from './control.ts';
import type { LabNode, LabPlan } from './plan.ts';
import { childEnv, exitOf, isAlive, type ProcessRecord, startDetached, tailOf } from './processes.ts';

/**
 * `sixpn agent join` for a lab host (after the `sixpn` executable): the join token in a 0600 file, the name given
 * (the namespace shares the machine's hostname), the endpoint found by the agent (its source address toward the
 * control plane), and the lab's settings, written into the host's own config dir.
 */
export function agentJoinArgs(p: LabPlan, h: LabNode, tokenFile: string): string[] {
  return [
    'agent',
    'join',
    p.underlay.apiUrl,
    '--token-file',
    tokenFile,
    '--name',
    h.name,
    '--config-dir',
    h.configDir,
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

/** The agent's command line once joined: everything else is in its config (and its token in a 0600 file). */
export const agentArgs = (h: LabNode): string[] => ['agent', '--config-dir', h.configDir];

/** Starts the agent of host `h` in its namespace (joined already). */
export function startAgent(_p: LabPlan, h: LabNode): ProcessRecord {
  return startDetached(h.ns, process.execPath, [...DAEMON_NODE_FLAGS, SIXPN_BIN, ...agentArgs(h)], {
    log: h.log,
    env: childEnv({ WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1' }),
  });
}

/**
 * Runs `sixpn …args` once in node `n`'s namespace, its output appended to the node's log; resolves when it exited
 * with 0, throws naming the command, the exit and the log's last lines otherwise.
 */
export async function runOnce(n: LabNode, args: readonly string[]): Promise<void> {
  checkNetnsName(n.ns);
  const fd = openSync(n.log, 'a', 0o600);
  try {
    const child = spawn('nsenter', [`--net=/run/netns/${n.ns}`, '--', process.execPath, SIXPN_BIN, ...args], {
      stdio: ['ignore', fd, fd],
      env: childEnv(),
    });
    const [code, sig] = (await once(child, 'exit')) as [number | null, string | null];
    if (code === 0) return;
    const how = sig ? `was killed by ${sig}` : `exited with code ${code}`;
    throw new SixpnError(
      'unavailable',
      `sixpn ${args.slice(0, 2).join(' ')} on ${n.name} ${how}: ${tailOf(n.log, 3)}`,
    );
  } finally {
    closeSync(fd);
  }
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
