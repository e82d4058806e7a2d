// Splitting a get=1 reply: the slices parse to exactly the peers of the whole, errors still surface.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SixpnError } from '../core/errors.ts';
import { generateKeyPair } from '../core/wg/keys.ts';
import { encodeGet, parseGet } from '../core/wg/uapi.ts';
import { splitGetReply } from './peer-stats.ts';

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
