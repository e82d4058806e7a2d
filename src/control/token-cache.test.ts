import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TokenRecord } from './store/store.ts';
import { TokenCache } from './token-cache.ts';

const token = (id: string): TokenRecord => ({
  id,
  kind: 'org',
  name: id,
  org: 'acme',
  network: null,
  host: null,
  expires_at: null,
  created_at: '2026-01-01T00:00:00.000Z',
  hash: `hash-${id}`,
});

/** A fake token table with a read counter, and a clock the test moves. */
function fixture(opts: { ttlMs?: number; maxEntries?: number } = {}) {
  const rows = new Map<string, TokenRecord>([['hash-a', token('a')]]);
  const clock = { ms: 1_000_000 };
  let reads = 0;
  const cache = new TokenCache(
    async (hash) => {
      reads++;
      return rows.get(hash);
    },
    { ...opts, now: () => clock.ms },
  );
  return { rows, clock, cache, reads: () => reads };
}

describe('TokenCache', () => {
  test('a hit costs no read; a revoked token is gone once the entry is 1 s old', async () => {
    const f = fixture();
    assert.equal((await f.cache.get('hash-a'))?.id, 'a');
    f.rows.delete('hash-a'); // revoked on another replica
    f.clock.ms += 999;
    assert.equal((await f.cache.get('hash-a'))?.id, 'a', 'still trusted 999 ms after the read began');
    assert.equal(f.reads(), 1);
    f.clock.ms += 1;
    assert.equal(await f.cache.get('hash-a'), undefined, 'forgotten at 1000 ms');
    assert.equal(f.reads(), 2);
  });

  test('the TTL counts from when the read began, not when it ended', async () => {
    const rows = new Map([['hash-a', token('a')]]);
    const clock = { ms: 0 };
    let release: () => void = () => {};
    const cache = new TokenCache(
      (hash) =>
        new Promise((resolve) => {
          release = () => resolve(rows.get(hash));
        }),
      { now: () => clock.ms },
    );
    const first = cache.get('hash-a');
    clock.ms = 600; // the read is slow
    release();
    assert.equal((await first)?.id, 'a');
    rows.delete('hash-a');
    clock.ms = 1000;
    const second = cache.get('hash-a');
    release();
    assert.equal(await second, undefined);
  });

  test('a TTL over 1 s is cut to 1 s', async () => {
    const f = fixture({ ttlMs: 60_000 });
    await f.cache.get('hash-a');
    f.rows.delete('hash-a');
    f.clock.ms += 1000;
    assert.equal(await f.cache.get('hash-a'), undefined);
  });

  test('misses are not cached: a token created after a miss works at once', async () => {
    const f = fixture();
    assert.equal(await f.cache.get('hash-b'), undefined);
    f.rows.set('hash-b', token('b'));
    assert.equal((await f.cache.get('hash-b'))?.id, 'b');
    assert.equal(f.cache.size, 1);
  });

  test('clear() forgets at once, also a read that was in flight', async () => {
    const f = fixture();
    await f.cache.get('hash-a');
    const inFlight = (async () => {
      f.clock.ms += 1000;
      return f.cache.get('hash-a');
    })();
    f.cache.clear();
    await inFlight;
    assert.equal(f.cache.size, 0, 'the read begun before clear() is not kept');
    f.rows.delete('hash-a');
    assert.equal(await f.cache.get('hash-a'), undefined);
  });

  test('concurrent requests with one token share one read', async () => {
    const f = fixture();
    const got = await Promise.all([f.cache.get('hash-a'), f.cache.get('hash-a'), f.cache.get('hash-a')]);
    assert.deepEqual(
      got.map((t) => t?.id),
      ['a', 'a', 'a'],
    );
    assert.equal(f.reads(), 1);
  });

  test('a failed read is not cached and is not shared with later requests', async () => {
    let fail = true;
    const cache = new TokenCache(
      async () => {
        if (fail) throw new Error('database down');
        return token('a');
      },
      { now: () => 0 },
    );
    await assert.rejects(cache.get('hash-a'), /database down/);
    fail = false;
    assert.equal((await cache.get('hash-a'))?.id, 'a');
  });

  test('holds at most maxEntries tokens, dropping the oldest', async () => {
    const f = fixture({ maxEntries: 2 });
    for (const id of ['b', 'c', 'd']) f.rows.set(`hash-${id}`, token(id));
    for (const id of ['a', 'b', 'c', 'd']) await f.cache.get(`hash-${id}`);
    assert.equal(f.cache.size, 2);
    const before = f.reads();
    await f.cache.get('hash-d');
    assert.equal(f.reads(), before, 'the newest is kept');
    await f.cache.get('hash-a');
    assert.equal(f.reads(), before + 1, 'the oldest was dropped');
  });
});
