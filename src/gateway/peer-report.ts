// What a gateway reports to PUT /v1/gateways/NAME/peer-status: each peer's endpoint, last handshake, traffic and
// when it was installed, read from the device. Only what changed since the last report, unless `full`. Pure.

import type { PeerStatusReport } from '../client/api-client.ts';
import type { PeerState } from '../core/wg/uapi.ts';

/** The report items, and the signature of each (kept after a successful PUT, to send only changes next time). */
export function peerReport(
  peers: readonly PeerState[],
  installedAt: (publicKey: string) => string | null,
  lastSent: ReadonlyMap<string, string>,
  full: boolean,
): { items: PeerStatusReport[]; sent: Map<string, string> } {
  const items: PeerStatusReport[] = [];
  const sent = new Map<string, string>();
  for (const p of peers) {
    const handshake =
      p.lastHandshakeTimeSec > 0
        ? new Date(p.lastHandshakeTimeSec * 1000 + Math.floor(p.lastHandshakeTimeNsec / 1e6)).toISOString()
        : null;
    const item: PeerStatusReport = {
      peer: p.publicKey,
      endpoint: p.endpoint,
      last_handshake: handshake,
      rx_bytes: p.rxBytes,
      tx_bytes: p.txBytes,
      installed_at: installedAt(p.publicKey),
    };
    const sig = `${item.endpoint}|${item.last_handshake}|${item.rx_bytes}|${item.tx_bytes}|${item.installed_at}`;
    sent.set(p.publicKey, sig);
    if (full || lastSent.get(p.publicKey) !== sig) items.push(item);
  }
  return { items, sent };
}
