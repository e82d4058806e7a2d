// Which database errors mean "the connection is gone" (→ `unavailable`) and which are failed statements.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSixpnError, SixpnError } from '../../core/errors.ts';
import { isConnectionError, unavailableIfConnection } from './db-errors.ts';

const pgError = (code: string, message: string) =>
  Object.assign(new Error(message), { code, severity: 'FATAL' });
const sockError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code });

test('connection errors and statement errors', () => {
  const cases: [string, unknown, boolean][] = [
    [
      'admin shutdown (pg_ctl stop/restart -m fast)',
      pgError('57P01', 'terminating connection due to administrator command'),
      true,
    ],
    [
      'crash shutdown',
      pgError('57P02', 'terminating connection because of crash of another server process'),
      true,
    ],
    ['starting up', pgError('57P03', 'the database system is starting up'), true],
    ['connection failure', pgError('08006', 'connection failure'), true],
    ['refused', sockError('ECONNREFUSED'), true],
    ['reset', sockError('ECONNRESET'), true],
    ['pg: terminated', new Error('Connection terminated unexpectedly'), true],
    ['pg: not queryable', new Error('Client has encountered a connection error and is not queryable'), true],
    ['pg-pool: connect timeout', new Error('timeout exceeded when trying to connect'), true],
    [
      'unique violation',
      pgError('23505', 'duplicate key value violates unique constraint "orgs_name_key"'),
      false,
    ],
    ['serialization failure', pgError('40001', 'could not serialize access'), false],
    ['syntax error', pgError('42601', 'syntax error at or near "x"'), false],
    ['SQLite busy', Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }), false],
    ['already a SixpnError', new SixpnError('unavailable', 'x'), false],
    ['not an error', 'Connection terminated', false],
    ['null', null, false],
  ];
  for (const [name, e, want] of cases) assert.equal(isConnectionError(e), want, name);
});

test('a lost connection becomes unavailable, saying the database is unreachable, naming no host', () => {
  const cause = sockError('ECONNREFUSED');
  const e = unavailableIfConnection(cause);
  assert.ok(isSixpnError(e));
  assert.equal(e.code, 'unavailable');
  assert.match(e.message, /^the control plane's database is unreachable \(ECONNREFUSED\)/);
  assert.doesNotMatch(e.message, /127\.0\.0\.1|5432/);
  assert.match(e.message, /may still have been applied/);
  assert.equal(e.cause, cause);
});

test('other errors pass through unchanged', () => {
  const e = pgError('23505', 'duplicate key');
  assert.equal(unavailableIfConnection(e), e);
});
