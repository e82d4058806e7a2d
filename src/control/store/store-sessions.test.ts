// Store suite: console sessions on SQLite and PostgreSQL — stored by hash, found only until they expire, deleted
// idempotently, expired rows dropped when a new session is made.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachBackend } from '../../../test/support/postgres.ts';
import { deterministic, rejectsWith } from './test-fixtures.ts';

forEachBackend('store console sessions', (b) => {
  test('create, get until expiry, delete; expired rows go when a new one is made', async () => {
    const s = await b.open(deterministic());
    const at = (m: number) => new Date(Date.UTC(2030, 0, 1, 0, m)).toISOString();
    const one = { hash: 'a'.repeat(64), token_hash: 'b'.repeat(64), created_at: at(0), expires_at: at(10) };
    await s.createSession(one);
    assert.deepEqual(await s.getSession(one.hash, new Date(at(5))), one);
    assert.equal(await s.getSession(one.hash, new Date(at(10))), undefined, 'expired at expires_at');
    assert.equal(await s.getSession('c'.repeat(64), new Date(at(5))), undefined);
    await s.createSession({ ...one, hash: 'd'.repeat(64), created_at: at(11), expires_at: at(20) });
    assert.equal(await s.getSession(one.hash, new Date(at(0))), undefined, 'the expired row was dropped');
    await s.deleteSession('d'.repeat(64));
    await s.deleteSession('d'.repeat(64));
    assert.equal(await s.getSession('d'.repeat(64), new Date(at(12))), undefined);
    await rejectsWith(s.createSession({ ...one, expires_at: 'soon' }), 'invalid_argument', /expires_at/);
    assert.equal(await s.headRevision(), 0, 'sessions write no revision');
  });
});
