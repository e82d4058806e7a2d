// How `sixpn wireguard status` shows a peer: times with how long ago, traffic in bytes and IEC units. Pure.

import type { PeerStatusView } from '../../client/schemas.ts';

/** `1.5 MiB`, `812 B`. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
}

/** `12 s ago`, `3 min ago`, `2 h ago`, `4 d ago` (0 or less: `just now`). */
export function ago(iso: string, now: number): string {
  const s = Math.floor((now - Date.parse(iso)) / 1000);
  if (!Number.isFinite(s)) return '';
  if (s <= 0) return 'just now';
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.floor(s / 60)} min ago`;
  if (s < 172_800) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

const when = (iso: string | null | undefined, now: number, never: string) =>
  iso ? `${iso} (${ago(iso, now)})` : never;

/**
 * "No handshake" is only as true as the gateway's last report: say how old that is. A gateway reports a peer as
 * soon as it installs it, and its first handshake on its next read (about a second on a small gateway).
 */
function handshake(s: PeerStatusView, now: number): string {
  if (s.last_handshake) return when(s.last_handshake, now, '');
  if (!s.reported_at) return 'never';
  return `none as of the gateway's report ${ago(s.reported_at, now)} (a first handshake is reported within seconds)`;
}

/** The `key: value` lines of a status, in a fixed order. */
export function formatPeerStatus(s: PeerStatusView, now: number): Record<string, string> {
  return {
    peer: s.peer,
    gateway: `${s.gateway} (${s.region})`,
    installed: when(
      s.installed_at,
      now,
      'not yet (the gateway reports a peer as soon as it has installed it)',
    ),
    endpoint: s.endpoint ?? 'none seen yet',
    'last handshake': handshake(s, now),
    received: `${formatBytes(s.rx_bytes)} (${s.rx_bytes} bytes)`,
    sent: `${formatBytes(s.tx_bytes)} (${s.tx_bytes} bytes)`,
    reported: when(s.reported_at, now, 'never'),
  };
}
