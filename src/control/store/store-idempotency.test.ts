// Store suite: Idempotency-Key claims on every backend. One claim wins; the answer is kept and given again;
// another body under the same key is a mismatch; a released claim can be taken again; expired keys are
// forgotten and pruned.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachBackend } from '../../../test/support/postgres.ts';

const T0 = new Date('2026-01-01T00:00:00Z');
const LONG_AGO = new Date('2025-01-01T00:00:00Z');

forEachBackend('store idempotency keys', (b) => {
  test('claim, finish, replay; another body is a mismatch; a running claim is reported', async () => {
    let now = T0;
    const s = await b.open({ now: () => now });
    assert.deepEqual(await s.claimIdempotencyKey('k1', 'body-a', LONG_AGO), { state: 'claimed' });
    assert.deepEqual(await s.claimIdempotencyKey('k1', 'body-a', LONG_AGO), { state: 'running' });
    assert.deepEqual(await s.claimIdempotencyKey('k1', 'body-b', LONG_AGO), { state: 'mismatch' });
    await s.finishIdempotencyKey('k1', { status: 201, body: '{"id":"x"}', contentType: 'application/json' });
    assert.deepEqual(await s.claimIdempotencyKey('k1', 'body-a', LONG_AGO), {
      state: 'done',
      status: 201,
      body: '{"id":"x"}',
      contentType: 'application/json',
    });
    await s.releaseIdempotencyKey('k1'); // a finished key is not released
    assert.equal((await s.claimIdempotencyKey('k1', 'body-a', LONG_AGO)).state, 'done');

    // past the retention window a key counts as absent, and pruning drops it
    now = new Date(T0.getTime() + 48 * 3600_000);
    assert.deepEqual(await s.claimIdempotencyKey('k1', 'body-b', new Date(now.getTime() - 24 * 3600_000)), {
      state: 'claimed',
    });
    assert.equal(await s.pruneIdempotencyKeys(new Date(now.getTime() + 1)), 1);
  });

  test('concurrent claims of one key: exactly one wins; a released claim can be taken again', async () => {
    const s = await b.open();
    const claims = await Promise.all(
      Array.from({ length: 8 }, () => s.claimIdempotencyKey('k2', 'r', LONG_AGO)),
    );
    assert.equal(claims.filter((c) => c.state === 'claimed').length, 1);
    assert.equal(claims.filter((c) => c.state === 'running').length, 7);
    await s.releaseIdempotencyKey('k2');
    assert.deepEqual(await s.claimIdempotencyKey('k2', 'r', LONG_AGO), { state: 'claimed' });
  });
});
