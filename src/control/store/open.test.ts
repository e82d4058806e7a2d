// openStore: which database URLs are accepted, and the errors when one is wrong or unreachable.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSixpnError } from '../../core/errors.ts';
import { openStore, parseStoreUrl } from './open.ts';
import { rejectsWith } from './test-fixtures.ts';

test('database URLs', () => {
  const cases: [string, ReturnType<typeof parseStoreUrl>][] = [
    ['sqlite:./sixpn.db', { dialect: 'sqlite', path: './sixpn.db' }],
    ['sqlite:/var/lib/sixpn/s.db', { dialect: 'sqlite', path: '/var/lib/sixpn/s.db' }],
    ['sqlite:///var/lib/sixpn/s.db', { dialect: 'sqlite', path: '/var/lib/sixpn/s.db' }],
    ['sqlite::memory:', { dialect: 'sqlite', path: ':memory:' }],
    ['postgres://u@db:5432/sixpn', { dialect: 'postgres', url: 'postgres://u@db:5432/sixpn' }],
    ['postgresql://u:p@db/sixpn', { dialect: 'postgres', url: 'postgresql://u:p@db/sixpn' }],
  ];
  for (const [url, want] of cases) assert.deepEqual(parseStoreUrl(url), want, url);
});

test('bad database URLs are invalid_argument naming the accepted forms, never showing a password', () => {
  const cases = ['mysql://u:hunter2@db/x', './sixpn.db', '', 'sqlite:', 'SQLITE:x.db'];
  for (const url of cases) {
    assert.throws(
      () => parseStoreUrl(url),
      (e: unknown) => {
        assert.ok(isSixpnError(e) && e.code === 'invalid_argument', url);
        assert.match(e.message, /sqlite/);
        assert.doesNotMatch(e.message, /hunter2/);
        return true;
      },
    );
  }
});

test('a SQLite file in a missing folder is unavailable, saying to check the folder', async () => {
  await rejectsWith(
    openStore('sqlite:/nonexistent-sixpn-dir/s.db'),
    'unavailable',
    /check that its folder exists/,
  );
});

test('an unreachable PostgreSQL is unavailable, with the password redacted', async () => {
  // Port 1 on loopback: nothing listens there, the connection is refused at once.
  const e = await openStore('postgres://sixpn:hunter2@127.0.0.1:1/sixpn').then(
    () => assert.fail('opened a store on a closed port'),
    (err: unknown) => err,
  );
  assert.ok(isSixpnError(e) && e.code === 'unavailable', String(e));
  assert.match(e.message, /cannot open the store at postgres:\/\/sixpn:\*\*\*@127\.0\.0\.1:1\/sixpn/);
  assert.doesNotMatch(e.message, /hunter2/);
});
