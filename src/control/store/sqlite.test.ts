// The SQLite connection's statement cache: one statement per text, and a fresh one while the kept one steps.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import Sqlite from 'better-sqlite3';
import { cachingStatements } from './sqlite.ts';

test('a text is prepared once; a statement still stepping is not handed out again', () => {
  const raw = new Sqlite(':memory:');
  const db = cachingStatements(raw);
  db.prepare('create table t (n integer)').run([]);
  for (const n of [1, 2, 3]) db.prepare('insert into t values (?)').run([n]);
  const select = 'select n from t order by n';
  assert.equal(db.prepare(select), db.prepare(select));
  const outer = db.prepare(select).iterate([]);
  const seen: unknown[] = [];
  for (const row of outer) seen.push([row, db.prepare(select).all([]).length]);
  assert.deepEqual(seen, [
    [{ n: 1 }, 3],
    [{ n: 2 }, 3],
    [{ n: 3 }, 3],
  ]);
  db.close();
});
