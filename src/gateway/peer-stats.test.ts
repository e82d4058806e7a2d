// Splitting a get=1 reply: the slices parse to exactly the peers of the whole, errors still surface. The reporter:
// a new peer reported before any read, its first handshake on the quick pace, reads only under the lock.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PeerStatusReport } from '../client/api-client.ts';
import { SixpnError } from '../core/errors.ts';
import { generateKeyPair } from '../core/wg/keys.ts';
import { encodeGet, type PeerState, parseGet } from '../core/wg/uapi.ts';
import { silentLogger } from '../lib/log.ts';
import { InstalledAt } from './installed.ts';
import { PeerReporter, splitGetReply } from './peer-stats.ts';

const dev = parseGet(
  encodeGet({
    privateKey: generateKeyPair().privateKey,
    listenPort: 51821,
    fwmark: 0,
    peers: Array.from({ length: 7 }, (_, i) => ({
      publicKey: generateKeyPair().publicKey,
      presharedKey: null,
      endpoint: null,
      lastHandshakeTimeSec: 1000 + i,
      lastHandshakeTimeNsec: 0,
      rxBytes: i,
      txBytes: 2 * i,
      persistentKeepaliveInterval: 0,
      allowedIps: [`fdaa:0:1:0:4::${(i + 1).toString(16)}00/120`],
      protocolVersion: 1,
    })),
  }),
);
const text = encodeGet(dev);

for (const per of [1, 2, 3, 7, 100]) {
  test(`split by ${per}: the same peers, ${Math.ceil(7 / per)} slices`, () => {
    const parts = splitGetReply(text, per);
    assert.equal(parts.length, Math.ceil(7 / per));
    assert.deepEqual(
      parts.flatMap((p) => parseGet(p).peers),
      dev.peers,
    );
  });
}

test('no peers: one slice, the device only', () => {
  const empty = encodeGet({ ...dev, peers: [] });
  assert.deepEqual(
    splitGetReply(empty, 10).map((p) => parseGet(p).peers.length),
    [0],
  );
});

test('a device error reaches every slice', () => {
  assert.throws(() => parseGet(splitGetReply('errno=-2\n\n', 10)[0] ?? ''), SixpnError);
});

test('reporter: a new peer at once with no read, then its first handshake on the quick pace', async () => {
  const peer = dev.peers[0] as PeerState;
  const fresh: PeerState = { ...peer, lastHandshakeTimeSec: 0, rxBytes: 0, txBytes: 0, endpoint: null };
  let onDevice: PeerState[] = [];
  let reads = 0;
  let locked = false;
  const sent: PeerStatusReport[][] = [];
  const readsBeforeSend: number[] = [];
  const abort = new AbortController();
  const r = new PeerReporter({
    stats: async () => {
      assert.ok(locked, 'reads run under the lock');
      reads++;
      return onDevice;
    },
    send: async (items) => {
      readsBeforeSend.push(reads);
      sent.push(items);
    },
    installed: new InstalledAt(),
    saveInstalled: async () => {},
    exclusive: async (f) => {
      locked = true;
      try {
        return await f();
      } finally {
        locked = false;
      }
    },
    pacing: { reportMs: 60_000, quickMs: 20, quietMs: 0 },
    log: silentLogger,
    signal: abort.signal,
  });
  const running = r.run();
  try {
    const until = async (what: string, ok: () => boolean) => {
      for (let i = 0; i < 2_000 && !ok(); i++) await sleep(5);
      assert.ok(ok(), what);
    };
    onDevice = [fresh];
    r.installed({ peers: [{ publicKey: peer.publicKey }] });
    // ≥ 1, not = 1: the quick-paced reads that follow send more, and a slow poll may first look after them
    await until('the install reported', () => sent.length >= 1);
    assert.equal(readsBeforeSend[0], 0, 'no read for it');
    assert.equal(sent[0]?.[0]?.peer, peer.publicKey);
    assert.equal(sent[0]?.[0]?.last_handshake, null);
    assert.ok(sent[0]?.[0]?.installed_at);

    await until('a first read (everything: a full report)', () => reads >= 1);
    onDevice = [{ ...fresh, lastHandshakeTimeSec: 1_767_225_600, rxBytes: 92 }];
    const shook = () => sent.flat().find((i) => i.last_handshake !== null);
    await until('the handshake reported long before the 60 s interval', () => shook() !== undefined);
    assert.equal(shook()?.last_handshake, '2026-01-01T00:00:00.000Z');
    assert.equal(shook()?.rx_bytes, 92);
    assert.equal(shook()?.installed_at, sent[0]?.[0]?.installed_at, 'the same install time');
    const readsThen = reads;
    await sleep(60);
    assert.equal(reads, readsThen, 'handshake seen: back to the slow pace');
  } finally {
    abort.abort();
    await running;
  }
});
