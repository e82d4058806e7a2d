// The sockaddr bytes of the batched UDP path: golden bytes as Linux writes them, and round trips.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeSockaddr, encodeSockaddr, type SockAddr } from './sockaddr.ts';

const LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

test('golden bytes: sockaddr_in and sockaddr_in6 as the kernel writes them', () => {
  const v4 = encodeSockaddr({ family: 4, address: '127.0.0.1', port: 53 });
  assert.equal(Buffer.from(v4).toString('hex'), `${LE ? '0200' : '0002'}00357f0000010000000000000000`);
  const v6 = encodeSockaddr({ family: 6, address: 'fdaa:0:18:a7b:7d:f066:b83b:2', port: 0xd431 });
  assert.equal(
    Buffer.from(v6).toString('hex'),
    `${LE ? '0a00' : '000a'}d43100000000fdaa000000180a7b007df066b83b000200000000`,
  );
});

test('decode(encode(x)) = x, also at an offset inside a larger buffer', () => {
  const table: SockAddr[] = [
    { family: 4, address: '127.0.0.1', port: 53 },
    { family: 4, address: '255.255.255.255', port: 65535 },
    { family: 4, address: '0.0.0.0', port: 0 },
    { family: 6, address: 'fdaa:0:18:a7b:7d:f066:b83b:2', port: 40000 },
    { family: 6, address: '0:0:0:0:0:ffff:7f00:1', port: 1 },
    { family: 6, address: 'fe80:0:0:0:0:0:0:1', port: 5353, scope: 3 },
  ];
  for (const a of table) {
    assert.deepEqual(decodeSockaddr(encodeSockaddr(a), 0), a);
    const big = new Uint8Array(96);
    big.set(encodeSockaddr(a), 32);
    assert.deepEqual(decodeSockaddr(big, 32), a);
  }
});

test('another family decodes to undefined', () => {
  const b = new Uint8Array(32); // AF_UNSPEC
  assert.equal(decodeSockaddr(b, 0), undefined);
});
