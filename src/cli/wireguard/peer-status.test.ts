// Table tests of how `wireguard status` shows times and traffic.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PeerStatusView } from '../../client/schemas.ts';
import { ago, formatBytes, formatPeerStatus } from './peer-status.ts';

const NOW = Date.parse('2026-01-01T12:00:00Z');

for (const [n, want] of [
  [0, '0 B'],
  [1023, '1023 B'],
  [1024, '1.0 KiB'],
  [1536, '1.5 KiB'],
  [5 * 1024 ** 3, '5.0 GiB'],
  [3 * 1024 ** 5, '3072.0 TiB'],
] as const) {
  test(`bytes ${n} → ${want}`, () => assert.equal(formatBytes(n), want));
}

for (const [iso, want] of [
  ['2026-01-01T12:00:00Z', 'just now'],
  ['2026-01-01T12:00:05Z', 'just now'],
  ['2026-01-01T11:59:48Z', '12 s ago'],
  ['2026-01-01T11:55:00Z', '5 min ago'],
  ['2026-01-01T09:00:00Z', '3 h ago'],
  ['2025-12-28T12:00:00Z', '4 d ago'],
  ['not a time', ''],
] as const) {
  test(`ago ${iso} → ${want}`, () => assert.equal(ago(iso, NOW), want));
}

const unseen: PeerStatusView = {
  peer: 'laptop',
  gateway: 'ord-gw1',
  region: 'ord',
  endpoint: null,
  last_handshake: null,
  rx_bytes: 0,
  tx_bytes: 0,
  installed_at: null,
  reported_at: null,
};

test('a peer never seen says so in words', () => {
  const lines = formatPeerStatus(unseen, NOW);
  assert.deepEqual(lines, {
    peer: 'laptop',
    gateway: 'ord-gw1 (ord)',
    installed: 'not yet (the gateway reports a peer as soon as it has installed it)',
    endpoint: 'none seen yet',
    'last handshake': 'never',
    received: '0 B (0 bytes)',
    sent: '0 B (0 bytes)',
    reported: 'never',
  });
});

test('no handshake yet says as of which report', () => {
  const lines = formatPeerStatus(
    { ...unseen, installed_at: '2026-01-01T11:59:58Z', reported_at: '2026-01-01T11:59:58Z' },
    NOW,
  );
  assert.equal(lines.installed, '2026-01-01T11:59:58Z (2 s ago)');
  assert.equal(
    lines['last handshake'],
    "none as of the gateway's report 2 s ago (a first handshake is reported within seconds)",
  );
});
