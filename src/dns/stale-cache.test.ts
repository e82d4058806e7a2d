// Serve-stale store with an injected clock: served within TTL + window, gone after, bounded in size.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import dnsPacket from 'dns-packet';
import { StaleCache } from './stale-cache.ts';

const answer = (name: string, ttl: number) =>
  dnsPacket.encode({
    type: 'response',
    id: 9,
    questions: [{ name, type: 'A' }],
    answers: [{ name, type: 'A', ttl, data: '192.0.2.1' }],
  });

test('stale answers within TTL + window, with TTL 30; none after', () => {
  let now = 1_000_000;
  const c = new StaleCache({ maxStaleSeconds: 60, now: () => now });
  c.put('k', answer('www.example.test', 10));
  now += 69_000; // 10 s TTL + 59 s stale
  const s = c.stale('k');
  assert.ok(s);
  const a = dnsPacket.decode(s).answers?.[0];
  assert.equal(a?.type === 'A' && a.ttl, 30);
  now += 2_000;
  assert.equal(c.stale('k'), undefined);
  assert.equal(c.size, 0);
});

test('a zero window disables the cache; entries and bytes are bounded', () => {
  const off = new StaleCache({ maxStaleSeconds: 0 });
  off.put('k', answer('a.test', 10));
  assert.equal(off.stale('k'), undefined);
  const c = new StaleCache({ maxStaleSeconds: 60, maxEntries: 3 });
  for (let i = 0; i < 10; i++) c.put(`k${i}`, answer(`n${i}.test`, 10));
  assert.equal(c.size, 3);
  assert.ok(c.stale('k9'));
  assert.equal(c.stale('k0'), undefined);
  const small = new StaleCache({ maxStaleSeconds: 60, maxBytes: 200 });
  for (let i = 0; i < 10; i++) small.put(`k${i}`, answer(`n${i}.test`, 10));
  assert.ok(small.size >= 1 && small.size <= 5);
});
