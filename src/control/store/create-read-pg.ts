// The reads of instance creations on PostgreSQL, in groups: the creations of one store whose reads arrive while a
// read is in flight are read together by the next statement (one round trip and one statement for the group,
// where each read cost its own; `group-commit.ts`). Each creation's answer is what its own statement would read.

import { sql } from 'kysely';
import type { Host } from '../../core/model.ts';
import { compiledOnce } from './compiled-once.ts';
import { rolledBack } from './db-errors.ts';
import { GroupCommit } from './group-commit.ts';
import { preparePg } from './postgres.ts';
import type { toApp } from './queries.ts';
import { appsQuery } from './queries.ts';
import type { Db, IdempotencyKeysTable } from './schema.ts';

/** What one creation asks: its app, region, first instance id, pinned host and Idempotency-Key. */
export interface CreateAsk {
  org: string;
  app: string;
  region: string;
  id: string;
  host: string | null;
  key: string | null;
}

type AppRow = Parameters<typeof toApp>[0] & { org_id: string; network_id: string };

/** What one creation reads: hosts in code-unit order of their names, as `leastLoaded` orders ties. */
export interface CreateRead {
  app: AppRow | null;
  region: boolean;
  taken: boolean;
  pinned: Host | null;
  hosts: Host[];
  kept: IdempotencyKeysTable | null;
}

/** Every read of a group, one row per ask in the asks' order. */
const readStatement = compiledOnce(['asks'], (db, v) => {
  const app = appsQuery(db).where('o.name', '=', sql<string>`x.org`).where('a.name', '=', sql<string>`x.app`);
  return sql<CreateRead>`select
      (select row_to_json(y) from (${app}) y) as app,
      exists (select 1 from regions where code = x.region) as region,
      exists (select 1 from instances where id = x.id) as taken,
      (select row_to_json(h) from hosts h where h.name = x.host) as pinned,
      (select coalesce(json_agg(h order by h.name collate "C"), '[]') from hosts h
        where h.region = x.region and h.role = 'host') as hosts,
      (select row_to_json(k) from idempotency_keys k where k.key = x.key) as kept
    from json_to_recordset(${v.asks})
      as x(n integer, org text, app text, region text, id text, host text, key text)
    order by x.n`.compile(db);
});

export type PgCreateReads = GroupCommit<CreateAsk, CreateRead>;

/** The group read of `db`'s creations. */
export function pgCreateReads(db: Db): PgCreateReads {
  return new GroupCommit<CreateAsk, CreateRead>(
    async (asks) => {
      const q = readStatement(db, { asks: JSON.stringify(asks.map((a, n) => ({ n, ...a }))) });
      preparePg(q.sql);
      return (await db.executeQuery<CreateRead>(q)).rows;
    },
    { rolledBack },
  );
}
