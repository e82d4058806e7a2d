// The gateway's peer status report: every few seconds, each peer's endpoint, handshake, traffic and install time
// to the control plane (only what changed; everything once a minute), until the signal aborts.

import { setTimeout as sleep } from 'node:timers/promises';
import type { PeerStatusReport } from '../client/api-client.ts';
import { isSixpnError } from '../core/errors.ts';
import type { PeerState } from '../core/wg/uapi.ts';
import type { Logger } from '../lib/log.ts';
import type { InstalledFile } from './installed-file.ts';
import { peerReport } from './peer-report.ts';

export interface ReportOptions {
  name: string;
  /** Fresh counters of every peer, or undefined when the device is not running. */
  peerStats(signal?: AbortSignal): Promise<readonly PeerState[] | undefined>;
  send(name: string, items: PeerStatusReport[], signal?: AbortSignal): Promise<unknown>;
  installed: InstalledFile;
  /** Minimum pause between reports, ms. */
  reportMs: number;
  log: Logger;
  signal: AbortSignal;
}

// Reading every peer holds wireguard-go's device lock (~120 ms at 10,000 peers), and a peer change arriving
// meanwhile waits behind it: read at most 0.5% of the time, so the pause between reads grows with the read.
const LOCK_SHARE = 0.005;

export async function reportPeers(o: ReportOptions): Promise<void> {
  let lastSent = new Map<string, string>();
  let lastFull = 0;
  let failing = false;
  let pauseMs = o.reportMs;
  while (!o.signal.aborted) {
    await sleep(pauseMs, undefined, { signal: o.signal }).catch(() => undefined);
    if (o.signal.aborted) break;
    try {
      const started = performance.now();
      const dev = await o.peerStats(o.signal);
      pauseMs = Math.max(o.reportMs, (performance.now() - started) / LOCK_SHARE);
      if (!dev) continue;
      // Everything once a minute (the control plane may have lost it), only changes in between.
      const full = Date.now() - lastFull >= 60_000;
      if (full) lastFull = Date.now();
      const r = peerReport(dev, (k) => o.installed.installed.get(k), lastSent, full);
      if (r.items.length > 0) await o.send(o.name, r.items, o.signal);
      lastSent = r.sent;
      if (failing) o.log.info('peer status reported again');
      failing = false;
      await o.installed.save();
    } catch (e) {
      if (o.signal.aborted) break;
      if (!failing) o.log.warn({ err: isSixpnError(e) ? e.message : String(e) }, 'cannot report peer status');
      failing = true;
    }
  }
}
