// <state dir>/status.json of a reconciler (host agent or gateway), rewritten after each pass: what the lab and
// operators read to know it has caught up (revision ≥ the control plane's head) and what it runs. One type for the
// writer and every reader.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from '../core/zod.ts';
import { writeAtomic } from './file-store.ts';

export const ReconcilerStatus = z.object({
  /** The process that wrote it. */
  pid: z.int(),
  /** The state revision the machine matches. */
  revision: z.int(),
  reconciledAt: z.string(),
  dns: z.enum(['listening', 'down']),
  /** Whether the watch stream is connected right now. */
  connected: z.boolean(),
  /** Steps of the last pass that failed (0 when the machine is right). */
  failed: z.int(),
  /** How long the last pass took, ms. */
  reconcileMs: z.number(),
  /** Steps applied since the process started: 0 after a restart on a machine that was already right. */
  applied: z.int(),
  /** WireGuard peers configured (agent: mesh peers; gateway: peers of the peer interface). */
  peers: z.int(),
  /** Agent: ids of the instances running here. */
  instances: z.optional(z.array(z.string())),
  /** Gateway: networks it serves. */
  networks: z.optional(z.int()),
  /** Gateway: peer changes installed straight from the watch stream. */
  fastPaths: z.optional(z.int()),
});
export type ReconcilerStatus = z.infer<typeof ReconcilerStatus>;

/** The fields a role adds to the status: its peers and what else it runs. */
export type RoleStatus = Pick<ReconcilerStatus, 'peers' | 'instances' | 'networks' | 'fastPaths'>;

export const STATUS_FILE = 'status.json';

export function writeStatusFile(stateDir: string, s: ReconcilerStatus): Promise<void> {
  return writeAtomic(join(stateDir, STATUS_FILE), `${JSON.stringify(s)}\n`, 0o644);
}

/** The last status written in `stateDir`, or undefined before the first pass (or while it is rewritten). */
export function readStatusFile(stateDir: string): ReconcilerStatus | undefined {
  try {
    return ReconcilerStatus.parse(JSON.parse(readFileSync(join(stateDir, STATUS_FILE), 'utf8')));
  } catch {
    return undefined;
  }
}
