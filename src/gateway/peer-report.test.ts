// Peer status reports: fields from the device, installed-at bookkeeping, only changes unless full.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WgPublicKey } from '../core/wg/keys.ts';
import type { PeerState } from '../core/wg/uapi.ts';
import { InstalledAt } from './installed.ts';
import { peerReport } from './peer-report.ts';
import { keys } from './test-fakes.ts';

const A = keys.laptop!.publicKey;
const B = keys.ci!.publicKey;
const peerState = (publicKey: WgPublicKey, over: Partial<PeerState> = {}): PeerState => ({
  publicKey,
  presharedKey: null,
  endpoint: null,
  lastHandshakeTimeSec: 0,
  lastHandshakeTimeNsec: 0,
  rxBytes: 0,
  txBytes: 0,
  persistentKeepaliveInterval: 0,
  allowedIps: [],
  protocolVersion: 1,
  ...over,
});
const dev = (...peers: PeerState[]): PeerState[] => peers;

test('a report item carries endpoint, handshake time, traffic and installed-at', () => {
  const at = (k: string) => (k === A ? '2026-01-01T00:00:00.000Z' : null);
  const d = dev(
    peerState(A, {
      endpoint: '198.18.0.3:40000' as PeerState['endpoint'],
      lastHandshakeTimeSec: 1_767_225_600,
      lastHandshakeTimeNsec: 250_000_000,
      rxBytes: 10,
      txBytes: 20,
    }),
    peerState(B),
  );
  const r = peerReport(d, at, new Map(), true);
  assert.deepEqual(r.items, [
    {
      peer: A,
      endpoint: '198.18.0.3:40000',
      last_handshake: '2026-01-01T00:00:00.250Z',
      rx_bytes: 10,
      tx_bytes: 20,
      installed_at: '2026-01-01T00:00:00.000Z',
    },
    { peer: B, endpoint: null, last_handshake: null, rx_bytes: 0, tx_bytes: 0, installed_at: null },
  ]);
  assert.deepEqual(peerReport(d, at, r.sent, false).items, [], 'nothing changed');
  const moved = dev(peerState(A, { rxBytes: 11 }), peerState(B));
  assert.deepEqual(
    peerReport(moved, at, r.sent, false).items.map((i) => i.peer),
    [A],
  );
  assert.equal(peerReport(moved, at, r.sent, true).items.length, 2, 'full sends everything');
});

test('installed-at: set when added, kept on updates, dropped on removal and when the device lost it', () => {
  const t1 = new Date('2026-01-01T00:00:00Z');
  const t2 = new Date('2026-01-02T00:00:00Z');
  const i = new InstalledAt();
  i.noteSet({ peers: [{ publicKey: A }, { publicKey: B }] }, t1);
  i.noteSet({ peers: [{ publicKey: A, updateOnly: true }, { publicKey: A }] }, t2);
  assert.equal(i.get(A), t1.toISOString(), 're-adding or updating keeps the first time');
  i.noteSet({ peers: [{ publicKey: B, remove: true }] }, t2);
  assert.equal(i.get(B), null);
  const restored = new InstalledAt(JSON.parse(JSON.stringify(i)));
  assert.equal(restored.get(A), t1.toISOString());
  restored.keepOnly(new Set());
  assert.equal(restored.get(A), null);
});
