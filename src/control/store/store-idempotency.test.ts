// Store suite: Idempotency-Key claims on every backend. One claim wins; the answer is kept and given again;
// another body under the same key is a mismatch; a released claim can be taken again; expired keys are
// forgotten and pruned. Keyed instance creates keep the key in their own commit, with the same rules.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachBackend } from '../../../test/support/postgres.ts';
import type { KeyedWrite } from './store.ts';
import { rejectsWithoutWrite, seedFleet } from './test-fixtures.ts';

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

  const keyed = (key: string, request = 'r'): KeyedWrite => ({
    key,
    request,
    expiredBefore: LONG_AGO,
    status: 201,
    contentType: 'application/json',
  });
  const web = { org: 'acme', app: 'web', region: 'ord' };

  test('a keyed create keeps its answer in its commit: a repeat makes nothing and gets it again', async () => {
    const s = await b.open();
    await seedFleet(s);
    const first = await s.createInstanceKeyed(web, keyed('k3'));
    assert.ok('made' in first);
    const head = await s.headRevision();
    const again = await s.createInstanceKeyed(web, keyed('k3'));
    assert.deepEqual(again, {
      claim: {
        state: 'done',
        status: 201,
        body: JSON.stringify(first.made),
        contentType: 'application/json',
      },
    });
    assert.deepEqual(await s.createInstanceKeyed(web, keyed('k3', 'other')), {
      claim: { state: 'mismatch' },
    });
    assert.equal(await s.headRevision(), head, 'a repeat writes no revision');
    assert.equal((await s.listInstances()).length, 1);
    // the general path sees the kept answer too
    assert.equal((await s.claimIdempotencyKey('k3', 'r', LONG_AGO)).state, 'done');
    // a key another create holds while it runs is reported as running, and nothing is made
    await s.claimIdempotencyKey('k4', 'r', LONG_AGO);
    assert.deepEqual(await s.createInstanceKeyed(web, keyed('k4')), { claim: { state: 'running' } });
    assert.equal((await s.listInstances()).length, 1);
  });

  test('a failed keyed create keeps nothing; an expired key is replaced', async () => {
    const s = await b.open();
    await seedFleet(s);
    await rejectsWithoutWrite(
      s,
      () => s.createInstanceKeyed({ ...web, app: 'nope' }, keyed('k5')),
      'not_found',
    );
    assert.equal((await s.claimIdempotencyKey('k5', 'r', LONG_AGO)).state, 'claimed', 'the key is free');
    await s.releaseIdempotencyKey('k5');
    const old = await s.createInstanceKeyed(web, keyed('k6'));
    assert.ok('made' in old);
    const later = await s.createInstanceKeyed(web, { ...keyed('k6'), expiredBefore: new Date('2100-01-01') });
    assert.ok('made' in later, 'an expired key counts as absent');
    assert.notEqual(later.made.id, old.made.id);
    assert.deepEqual(await s.createInstanceKeyed(web, keyed('k6')), {
      claim: {
        state: 'done',
        status: 201,
        body: JSON.stringify(later.made),
        contentType: 'application/json',
      },
    });
  });

  test('concurrent keyed creates with one key make one instance; every one gets its answer', async () => {
    const s = await b.open();
    await seedFleet(s);
    const outs = await Promise.all(Array.from({ length: 8 }, () => s.createInstanceKeyed(web, keyed('k7'))));
    const made = outs.flatMap((o) => ('made' in o ? [o.made] : []));
    assert.equal(made.length, 1);
    assert.equal((await s.listInstances()).length, 1);
    for (const o of outs) {
      if ('claim' in o)
        assert.deepEqual(o.claim, {
          state: 'done',
          status: 201,
          body: JSON.stringify(made[0]),
          contentType: 'application/json',
        });
    }
  });
});
