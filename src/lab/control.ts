// The lab's control plane: a `sixpn server` with embedded SQLite in the lab dir, run inside the underlay
// namespace on https://198.18.0.1:4280 (its own CA in DIR/tls) for agents, and on the unix socket DIR/api.sock for the CLI on this machine.

import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { ApiClient } from '../client/api-client.ts';
import type { TlsConfig } from '../control/tls.ts';
import { SixpnError } from '../core/errors.ts';
import { SERVER_NODE_FLAGS } from '../core/node-flags.ts';
import type { LabPlan } from './plan.ts';
import { childEnv, exitOf, isAlive, type ProcessRecord, startDetached, tailOf } from './processes.ts';

/** The `sixpn` executable the lab runs its processes with (this checkout's). */
export const SIXPN_BIN = fileURLToPath(new URL('../../bin/sixpn.js', import.meta.url));

/**
 * The control plane's own CA in DIR/tls, with a certificate for its underlay address. `lab up` makes it while the
 * underlay is built (loading the certificate library costs a few hundred ms); the control plane then finds it.
 */
export const labTls = (dir: string, address: string): TlsConfig => ({
  kind: 'auto',
  dir: join(dir, 'tls'),
  names: [address],
});

/** An admin client of the lab's control plane over its unix socket. */
export const labClient = (p: LabPlan, adminToken: string) =>
  new ApiClient({ baseUrl: p.underlay.apiSocketUrl, token: adminToken });

/** Starts the control plane process (`sixpn lab serve-control`) in the underlay namespace; its admin token is DIR/admin.token. */
export function startControl(p: LabPlan): ProcessRecord {
  return startDetached(
    p.underlay.ns,
    process.execPath,
    [
      ...SERVER_NODE_FLAGS,
      SIXPN_BIN,
      'lab',
      'serve-control',
      '--dir',
      p.dir,
      '--listen',
      p.underlay.apiListen,
    ],
    { log: p.files.controlLog, env: childEnv() },
  );
}

/** Waits until the control plane answers on its socket; a clear error pointing at its log otherwise. */
export async function waitControl(
  p: LabPlan,
  rec: ProcessRecord,
  adminToken: string,
  timeoutMs = 30_000,
): Promise<void> {
  const client = labClient(p, adminToken);
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (!isAlive(rec)) {
      throw new SixpnError(
        'unavailable',
        `the lab's control plane ${exitOf(rec.pid)} at start; see ${rec.log}:\n${tailOf(rec.log)}`,
      );
    }
    try {
      if (await client.healthz(AbortSignal.timeout(2_000))) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > end) {
      throw new SixpnError(
        'unavailable',
        `the lab's control plane did not answer on ${p.files.socket} within ${timeoutMs / 1000} s; see ${rec.log}`,
      );
    }
    await delay(100);
  }
}
