// <state dir>/status.json, rewritten after each reconcile: what the lab and operators read to know the agent has
// caught up (revision ≥ the control plane's head) and what it runs.

import { writeAtomic } from '../runtime/file-store.ts';

export interface AgentStatus {
  /** The agent process that wrote it. */
  pid: number;
  /** The state revision the host matches. */
  revision: number;
  reconciledAt: string;
  /** Ids of the instances running here. */
  instances: string[];
  /** Mesh peers configured. */
  peers: number;
  dns: 'listening' | 'down';
  /** Whether the watch stream is connected right now. */
  connected: boolean;
  /** Steps of the last reconcile that failed (0 when the host is right). */
  failed: number;
  /** How long the last reconcile took, ms. */
  reconcileMs: number;
  /** Steps applied since the agent started: 0 after a restart on a host that was already right. */
  applied: number;
}

export function writeStatus(path: string, s: AgentStatus): Promise<void> {
  return writeAtomic(path, `${JSON.stringify(s)}\n`, 0o644);
}
