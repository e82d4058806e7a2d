// compiledOnce: a statement compiled at its first use, then given each call's values in their places.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  sql,
} from 'kysely';
import { compiledOnce } from './compiled-once.ts';
import type { Database } from './schema.ts';

/** Compiles as PostgreSQL does; runs nothing. */
const db = new Kysely<Database>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (k) => new PostgresIntrospector(k),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

test('compiledOnce builds once and puts each call’s values where their markers were', () => {
  let builds = 0;
  const stmt = compiledOnce(['name', 'role'], (d, v) => {
    builds++;
    return d
      .selectFrom('hosts')
      .select('id')
      .where('name', '=', v.name as string)
      .where('region', '=', 'ord') // a constant of the statement
      .where(sql<boolean>`role = ${v.role} or ${v.name} = ''`)
      .compile();
  });
  const a = stmt(db, { name: 'h1', role: 'host' });
  const b = stmt(db, { name: null, role: 'gateway' });
  assert.equal(builds, 1);
  assert.equal(a.sql, b.sql);
  assert.match(a.sql, /"name" = \$1 and "region" = \$2 and role = \$3 or \$4 = ''/);
  assert.deepEqual(a.parameters, ['h1', 'ord', 'host', 'h1']);
  assert.deepEqual(b.parameters, [null, 'ord', 'gateway', null]);
});

test('compiledOnce refuses a value the statement does not take', () => {
  const stmt = compiledOnce(['name', 'unused'], (d, v) =>
    d
      .selectFrom('hosts')
      .select('id')
      .where('name', '=', v.name as string)
      .compile(),
  );
  assert.throws(() => stmt(db, { name: 'x', unused: 1 }), /value 'unused' is not a parameter/);
});
