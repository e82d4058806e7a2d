// Which network asks: from the source address, or from the listening address fdaa:N:N::3.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultPlan, parsePlanPrefix } from '../core/address.ts';
import { NO_NETWORK } from '../core/dns/responder.ts';
import { encodeSockaddr, type SockAddr } from './sockaddr.ts';
import { boundNetwork, SourceNetworks } from './source-network.ts';

test('source address bits 16–47 pick the network; others get the fallback', () => {
  const s = new SourceNetworks(defaultPlan);
  assert.equal(s.of('fdaa:0:18:a7b:7d:f066:b83b:2'), 0x18);
  assert.equal(s.of('fdaa:0:18:a7b:7d:f066:b83b:2'), 0x18); // memoised
  assert.equal(s.of('fdaa:1234:5678::9'), 0x12345678);
  assert.equal(s.of('fdaa::3'), NO_NETWORK); // the shared host resolver address is network 0
  assert.equal(s.of('fdab:0:18::2'), NO_NETWORK);
  assert.equal(s.of('127.0.0.1'), NO_NETWORK);
  assert.equal(s.of('::ffff:127.0.0.1'), NO_NETWORK);
  assert.equal(s.of('fe80::1%eth0'), NO_NETWORK);
  assert.equal(new SourceNetworks(defaultPlan, 0x2a).of('127.0.0.1'), 0x2a);
  assert.equal(new SourceNetworks(parsePlanPrefix('fd00::/16')).of('fd00:0:7::2'), 7);
});

test('a listening address fdaa:N:N::3 is bound to network N; nothing else is', () => {
  assert.equal(boundNetwork(defaultPlan, 'fdaa:0:18::3'), 0x18);
  assert.equal(boundNetwork(defaultPlan, 'fdaa:0:18::4'), undefined);
  assert.equal(boundNetwork(defaultPlan, 'fdaa::3'), undefined);
  assert.equal(boundNetwork(defaultPlan, '::'), undefined);
  assert.equal(boundNetwork(defaultPlan, '127.0.0.1'), undefined);
});

test('from sockaddr bytes: the same network as from the address text', () => {
  const table: [SockAddr, number][] = [
    [{ family: 6, address: 'fdaa:0:18:a7b:7d:f066:b83b:2', port: 1 }, 0x18],
    [{ family: 6, address: 'fdaa:1234:5678:0:0:0:0:9', port: 1 }, 0x12345678],
    [{ family: 6, address: 'fdaa:ffff:ffff:0:0:0:0:9', port: 1 }, 0xffffffff],
    [{ family: 6, address: 'fdaa:0:0:0:0:0:0:3', port: 1 }, NO_NETWORK],
    [{ family: 6, address: 'fdab:0:18:0:0:0:0:2', port: 1 }, NO_NETWORK],
    [{ family: 6, address: '0:0:0:0:0:ffff:7f00:1', port: 1 }, NO_NETWORK],
    [{ family: 6, address: 'fe80:0:0:0:0:0:0:1', port: 1, scope: 2 }, NO_NETWORK],
    [{ family: 4, address: '127.0.0.1', port: 1 }, NO_NETWORK],
  ];
  const s = new SourceNetworks(defaultPlan);
  for (const [a, net] of table) {
    assert.equal(s.ofSockaddr(encodeSockaddr(a), 0), net, a.address);
    assert.equal(s.of(a.address), net, a.address);
  }
  assert.equal(new SourceNetworks(defaultPlan, 0x2a).ofSockaddr(encodeSockaddr(table[7]![0]), 0), 0x2a);
  const other = new SourceNetworks(parsePlanPrefix('fd00::/16'));
  assert.equal(other.ofSockaddr(encodeSockaddr({ family: 6, address: 'fd00:0:7:0:0:0:0:2', port: 1 }), 0), 7);
});
