// Peer status reports: fields from the device, installed-at bookkeeping, only changes unless full, PUT bodies
// under the control plane's limit.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { testKey } from '../core/test-fleet.ts';
import type { WgPublicKey } from '../core/wg/keys.ts';
import type { PeerState } from '../core/wg/uapi.ts';
import { InstalledAt } from './installed.ts';
import {
  awaitingHandshake,
  DEFAULT_PACING,
  newPeerReports,
  peerReport,
  REPORT_BODY_BYTES,
  type ReportPacing,
  ReportSchedule,
  reportBatches,
} from './peer-report.ts';

const A = testKey('laptop').publicKey;
const B = testKey('ci').publicKey;
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

test('a set reports only the peers it adds, at once: no handshake, no traffic, installed now', () => {
  const at = (k: string) => (k === B ? '2026-01-01T00:00:00.000Z' : null);
  const C = testKey('other').publicKey;
  const op = {
    peers: [
      { publicKey: A },
      { publicKey: B },
      { publicKey: C, remove: true as const },
      { publicKey: C, updateOnly: true as const },
    ],
  };
  assert.deepEqual(newPeerReports(op, at, '2026-01-02T00:00:00.000Z'), [
    {
      peer: A,
      endpoint: null,
      last_handshake: null,
      rx_bytes: 0,
      tx_bytes: 0,
      installed_at: '2026-01-02T00:00:00.000Z',
    },
  ]);
  assert.deepEqual(newPeerReports({}, at, 'x'), []);
});

test('awaiting a first handshake: a peer installed recently that has none', () => {
  const now = Date.parse('2026-01-01T00:01:00Z');
  const recent = (k: string) => (k === A ? '2026-01-01T00:00:30.000Z' : '2025-12-31T00:00:00.000Z');
  assert.equal(awaitingHandshake([peerState(A)], recent, now, 120_000), true);
  assert.equal(awaitingHandshake([peerState(A, { lastHandshakeTimeSec: 5 })], recent, now, 120_000), false);
  assert.equal(awaitingHandshake([peerState(B)], recent, now, 120_000), false, 'installed long ago');
  assert.equal(
    awaitingHandshake([peerState(A)], () => null, now, 120_000),
    false,
    'not installed by us',
  );
});

describe('report schedule', () => {
  const P: ReportPacing = { ...DEFAULT_PACING }; // report 5 s, quick 1 s, watch 2 min, 0.5 %, quiet 1 s, defer 60 s
  const at = (steps: (s: ReportSchedule) => void) => {
    const s = new ReportSchedule(P, 0);
    steps(s);
    return s;
  };
  for (const [what, steps, now, wait] of [
    ['first read one interval after start', () => {}, 0, 5_000],
    ['due now', () => {}, 5_000, 0],
    ['a cheap read: the report interval', (s) => s.read(10_000, 2, false), 10_000, 5_000],
    ['a read of 100 ms: 200 times that', (s) => s.read(10_000, 100, false), 10_000, 20_000],
    ['a new peer: every second while it waits for its handshake', (s) => s.changed(-2_000, true), 1_000, 0],
    [
      'its handshake seen: back to the interval',
      (s) => {
        s.changed(0, true);
        s.read(2_000, 2, false);
      },
      2_000,
      5_000,
    ],
    [
      'the quick pace still pays the lock budget',
      (s) => {
        s.changed(0, true);
        s.read(2_000, 100, true);
      },
      2_000,
      20_000,
    ],
    [
      'the quick pace ends when the watch does',
      (s) => {
        s.changed(0, true);
        s.read(130_000, 2, true);
      },
      130_000,
      5_000,
    ],
    ['due, but a change 300 ms ago: wait for a quiet second', (s) => s.changed(4_700, false), 5_000, 700],
    ['changes keep coming: deferred a minute at most', (s) => s.changed(64_900, false), 65_000, 0],
  ] as const satisfies readonly (readonly [string, (s: ReportSchedule) => void, number, number])[]) {
    test(what, () => assert.equal(at(steps).waitMs(now), wait));
  }
  test('a fast report interval (tests) also shortens the quick pace and the quiet spell', () => {
    const s = new ReportSchedule({ ...P, reportMs: 50 }, 0);
    s.changed(0, true);
    assert.equal(s.waitMs(0), 50);
  });
});

describe('reportBatches', () => {
  const item = (i: number) => ({
    peer: testKey(`p${i}`).publicKey,
    endpoint: `[2001:db8::${i.toString(16)}]:51820`,
    last_handshake: '2026-12-06T00:00:00.000Z',
    rx_bytes: 1_000_000 + i,
    tx_bytes: 2_000_000 + i,
    installed_at: '2026-12-05T00:00:00.000Z',
  });

  test('10,000 peers: every item once, in order, each body under the limit (64 KiB at the control plane)', () => {
    const items = Array.from({ length: 10_000 }, (_, i) => item(i));
    const batches = reportBatches(items);
    assert.ok(batches.length > 1);
    assert.deepEqual(batches.flat(), items);
    for (const b of batches) assert.ok(JSON.stringify({ items: b }).length <= REPORT_BODY_BYTES);
    assert.ok(REPORT_BODY_BYTES < 64 * 1024);
  });

  test('none: no batch; a few: one', () => {
    assert.deepEqual(reportBatches([]), []);
    assert.deepEqual(reportBatches([item(1), item(2)]), [[item(1), item(2)]]);
  });

  test('the limit is exact; an item over it alone goes alone', () => {
    const one = JSON.stringify({ items: [item(1)] }).length;
    const two = JSON.stringify({ items: [item(1), item(2)] }).length;
    assert.equal(reportBatches([item(1), item(2)], two).length, 1);
    assert.equal(reportBatches([item(1), item(2)], two - 1).length, 2);
    assert.deepEqual(reportBatches([item(1)], one - 1), [[item(1)]]);
  });
});
