// Group commit of instance creations on PostgreSQL: the creations of one store that arrive while a call is in
// flight are written together by the next call of `sixpn_create_instances` (pg-functions.ts): one round trip,
// one hold of the writers' lock, one NOTIFY and one commit for the group, each creation with its own outcome.
// Their reads go in groups too (`create-read-pg.ts`).

import { sql } from 'kysely';
import type { Change, Instance } from '../../core/model.ts';
import { compiledOnce } from './compiled-once.ts';
import { CreateReadCache } from './create-cache-pg.ts';
import { type PgCreateReads, pgCreateReads } from './create-read-pg.ts';
import { rolledBack } from './db-errors.ts';
import { GroupCommit } from './group-commit.ts';
import type { BatchOutcome } from './pg-functions.ts';
import { preparePg } from './postgres.ts';
import type { Db } from './schema.ts';
import type { StoreContext } from './write.ts';

/**
 * One creation as the function takes it: the keyed function's arguments (migration 0010) without their `p_`;
 * `hosts`, `addresses` and `objs` hold one entry per candidate host (one when pinned).
 */
export interface PgCreation {
  id: string;
  num: number;
  app_id: string;
  org_id: string;
  network_id: string;
  state: string;
  at: string;
  org: string;
  region: string;
  pinned: boolean;
  hosts: string[];
  addresses: (string | null)[];
  objs: string[];
  key: string | null;
  request: string | null;
  expired_before: string | null;
  status: number | null;
  content_type: string | null;
}

/** What became of one creation: with `made`, its revision and which candidate (1-based) it went to. */
export type PgCreated =
  | { outcome: 'made'; rev: number; pick: number }
  | { outcome: Exclude<BatchOutcome, 'made'> };

/**
 * A creation as it is submitted: the item the function takes, and the instance it makes on each candidate (in
 * the order of `item.hosts`). The one it makes becomes both the caller's answer and the change the watch hub
 * gets, so neither may be changed after.
 */
export interface PgCreationWrite {
  item: PgCreation;
  made: readonly Instance[];
}

export type PgCreateWrites = GroupCommit<PgCreationWrite, PgCreated>;

/** A PostgreSQL store's groups of creation reads and writes (each creation reads, then writes), and its cache. */
export interface PgCreations {
  read: PgCreateReads;
  write: PgCreateWrites;
  cache: CreateReadCache;
}

interface Row {
  n: number;
  outcome: BatchOutcome;
  made_rev: number | null;
  pick: number | null;
}

const callStatement = compiledOnce(['items'], (db, v) =>
  sql<Row>`select n, outcome, made_rev, pick from sixpn_create_instances(${v.items})`.compile(db),
);

/** The results of `rows` (any order) by item, for `count` items. Pure. */
export function createdByItem(rows: readonly Row[], count: number): PgCreated[] {
  const out = new Array<PgCreated | undefined>(count).fill(undefined);
  for (const r of rows) {
    if (r.n < 0 || r.n >= count) continue;
    out[r.n] =
      r.outcome === 'made'
        ? { outcome: 'made', rev: Number(r.made_rev), pick: Number(r.pick) }
        : { outcome: r.outcome };
  }
  const all = out.filter((c) => c !== undefined);
  if (rows.length !== count || all.length !== count) {
    throw new Error(`sixpn_create_instances answered ${rows.length} rows for ${count} creations`);
  }
  return all;
}

/**
 * How a store hears its local writes: `committed` gets the head and changes of each write that made any;
 * `writing()` is called as a write starts and its answer when it has ended (the store holds back the heads it
 * hears from the database meanwhile, so that its own commit is told first, with its changes).
 */
export interface WriteHooks {
  committed: StoreContext['committed'];
  writing: () => () => void;
}

/** The groups of `db`'s creations. */
export function pgCreations(db: Db, hooks: WriteHooks): PgCreations {
  return { read: pgCreateReads(db), write: pgCreateWrites(db, hooks), cache: new CreateReadCache() };
}

/**
 * The change entries a group wrote, in revision order (consecutive: one call holds the lock), each with the
 * instance made on its picked candidate (the object itself, not a parse of its JSON). Pure.
 */
export function changesOf(writes: readonly PgCreationWrite[], created: readonly PgCreated[]): Change[] {
  const out: Change[] = [];
  for (const [n, c] of created.entries()) {
    if (c.outcome !== 'made') continue;
    const { item, made } = writes[n]!;
    const obj = made[c.pick - 1]!;
    out.push({ rev: c.rev, op: 'put', kind: 'instance', id: item.id, org: item.org, obj });
  }
  return out.sort((a, b) => a.rev - b.rev);
}

function pgCreateWrites(db: Db, hooks: WriteHooks): PgCreateWrites {
  return new GroupCommit<PgCreationWrite, PgCreated>(
    async (writes) => {
      const q = callStatement(db, { items: JSON.stringify(writes.map((w, n) => ({ n, ...w.item }))) });
      preparePg(q.sql);
      const ended = hooks.writing();
      try {
        const created = createdByItem((await db.executeQuery<Row>(q)).rows, writes.length);
        const changes = changesOf(writes, created);
        const last = changes.at(-1);
        if (last) hooks.committed(last.rev, changes);
        return created;
      } finally {
        ended();
      }
    },
    { rolledBack },
  );
}
