// The whole state at one revision: as objects (`snapshot`) or as JSON text in chunks (`snapshotJson`, what
// GET /v1/snapshot streams). Each section comes from one query sorted by the database in the API's order
// (names are ASCII, so the "C"/BINARY collation is the code-unit order `byKey` gives) and is read a page at a
// time: PostgreSQL through a cursor, SQLite by stepping the statement. The text form reads the next page only
// when the previous chunk has been taken, so a client's pace bounds the memory, never the state's size.

import { type SelectQueryBuilder, sql } from 'kysely';
import type { Snapshot } from '../../core/model.ts';
import { consistentRead } from './changes.ts';
import {
  appsQuery,
  hostsQuery,
  instancesQuery,
  networksQuery,
  orgsQuery,
  peersQuery,
  regionsQuery,
  toApp,
  toNetwork,
} from './queries.ts';
import type { Db } from './schema.ts';
import type { Scope } from './store.ts';
import type { StoreContext } from './write.ts';

/**
 * Rows per read. Small on purpose (measured at 100,000 instances): rows that live across many allocations
 * survive the young generation, and V8 then grows its old space well past the live data (heap 180 MB with
 * pages of 2,000 rows and 64 KB chunks, 52 MB with 200 and 16 KB).
 */
const PAGE = 200;
/** Characters (about) per chunk of text handed on. */
const CHUNK_CHARS = 16 * 1024;

type Sections = Omit<Snapshot, 'revision'>;
type Item = Sections[keyof Sections][number];
type Row = Record<string, unknown>;
// biome-ignore lint/suspicious/noExplicitAny: the seven row shapes differ; each section's `map` types its own
type AnyQuery = SelectQueryBuilder<any, any, any>;

interface Section {
  name: keyof Sections;
  query: (db: Db) => AnyQuery;
  /** The API's order: these columns, compared in code-unit order. */
  order: string[];
  /** The org-name column, for sections an org scope limits. */
  org?: string;
  map?: (ctx: StoreContext, row: never) => Item;
}

/** In the order of the snapshot's fields. */
const SECTIONS: Section[] = [
  { name: 'orgs', query: orgsQuery, order: ['o.name'], org: 'o.name' },
  {
    name: 'networks',
    query: networksQuery,
    order: ['o.name', 'n.name'],
    org: 'o.name',
    map: (ctx, r: Parameters<typeof toNetwork>[1]) => toNetwork(ctx.plan, r),
  },
  { name: 'regions', query: regionsQuery, order: ['r.code'] },
  { name: 'hosts', query: hostsQuery, order: ['h.name'] },
  {
    name: 'apps',
    query: appsQuery,
    order: ['o.name', 'a.name'],
    org: 'o.name',
    map: (_ctx, r: Parameters<typeof toApp>[0]) => toApp(r),
  },
  { name: 'instances', query: instancesQuery, order: ['o.name', 'a.name', 'i.id'], org: 'o.name' },
  { name: 'peers', query: peersQuery, order: ['o.name', 'p.name'], org: 'o.name' },
];

/** Queries at one consistent point, until closed. */
interface ReadSession {
  readonly db: Db;
  /** The rows of `q`, at most `page` at a time, read as they are asked for. */
  pages(q: AnyQuery, page: number): AsyncGenerator<Row[]>;
  close(): Promise<void>;
}

/** SQLite steps the statement (better-sqlite3's iterator): the sorted result is never all in JS at once. */
function sqliteSession(db: Db, close: () => Promise<void> = async () => {}): ReadSession {
  return {
    db,
    async *pages(q, page) {
      let rows: Row[] = [];
      for await (const row of q.stream()) {
        rows.push(row as Row);
        if (rows.length >= page) {
          yield rows;
          rows = [];
        }
      }
      if (rows.length > 0) yield rows;
    },
    close,
  };
}

/** PostgreSQL sorts in the server and hands pages out of a cursor (inside the session's transaction). */
function pgSession(db: Db, close: () => Promise<void> = async () => {}): ReadSession {
  return {
    db,
    async *pages(q, page) {
      await sql`declare sixpn_snapshot no scroll cursor for ${q}`.execute(db);
      try {
        for (;;) {
          const { rows } = await sql<Row>`fetch forward ${sql.raw(String(page))} from sixpn_snapshot`.execute(
            db,
          );
          if (rows.length > 0) yield rows;
          if (rows.length < page) break;
        }
      } finally {
        await sql`close sixpn_snapshot`.execute(db);
      }
    },
    close,
  };
}

function sessionOn(ctx: StoreContext, db: Db, close?: () => Promise<void>): ReadSession {
  return ctx.dialect === 'postgres' ? pgSession(db, close) : sqliteSession(db, close);
}

/**
 * A session of its own for a client-paced read, so a slow client holds no lock that writers need: on
 * PostgreSQL a REPEATABLE READ transaction on a pool connection; on a SQLite file a read-only connection of its
 * own (WAL: a reader does not block the writer). Undefined for `sqlite::memory:`, which has one connection.
 */
async function openSession(ctx: StoreContext): Promise<ReadSession | undefined> {
  if (ctx.dialect === 'postgres') {
    const trx = await ctx.db
      .startTransaction()
      .setIsolationLevel('repeatable read')
      .setAccessMode('read only')
      .execute();
    return pgSession(trx, () => trx.rollback().execute());
  }
  const reader = ctx.openReader?.();
  if (reader === undefined) return undefined;
  const close = async (trx?: { commit(): { execute(): Promise<void> } }) => {
    await trx?.commit().execute();
    await reader.destroy();
  };
  try {
    const trx = await reader.startTransaction().execute();
    return sqliteSession(trx, () => close(trx));
  } catch (e) {
    await close();
    throw e;
  }
}

/** Each item of one section, in the API's order. */
async function* sectionItems(ctx: StoreContext, s: Section, session: ReadSession, scope: Scope) {
  let q = s.query(session.db);
  if (s.org !== undefined && scope.org !== undefined) q = q.where(s.org, '=', scope.org);
  const collate = ctx.dialect === 'postgres' ? ' collate "C"' : '';
  for (const col of s.order) q = q.orderBy(sql.raw(`${col}${collate}`));
  for await (const rows of session.pages(q, ctx.snapshotPage ?? PAGE)) {
    for (const row of rows) yield (s.map ? s.map(ctx, row as never) : row) as Item;
  }
}

async function revisionOf(db: Db): Promise<number> {
  const row = await db
    .selectFrom('counters')
    .select('value')
    .where('name', '=', 'revision')
    .executeTakeFirstOrThrow();
  return Number(row.value);
}

/** The whole state the scope may see, at one revision (PostgreSQL: REPEATABLE READ). */
export function snapshot(ctx: StoreContext, scope: Scope = {}): Promise<Snapshot> {
  return consistentRead(ctx, async (trx) => {
    const session = sessionOn(ctx, trx);
    const out: Record<string, unknown> = { revision: await revisionOf(trx) };
    for (const s of SECTIONS) {
      const items: Item[] = [];
      for await (const item of sectionItems(ctx, s, session, scope)) items.push(item);
      out[s.name] = items;
    }
    return out as unknown as Snapshot;
  });
}

/** The snapshot's text in chunks of about {@link CHUNK_CHARS}, read from `session` as they are taken. */
async function* jsonChunks(ctx: StoreContext, session: ReadSession, scope: Scope): AsyncGenerator<string> {
  let chunk = `{"revision":${await revisionOf(session.db)}`;
  for (const s of SECTIONS) {
    chunk += `,"${s.name}":[`;
    let first = true;
    for await (const item of sectionItems(ctx, s, session, scope)) {
      chunk += first ? JSON.stringify(item) : `,${JSON.stringify(item)}`;
      first = false;
      if (chunk.length >= CHUNK_CHARS) {
        yield chunk;
        chunk = '';
      }
    }
    chunk += ']';
  }
  yield `${chunk}}`;
}

/**
 * The same snapshot as JSON text in chunks: joined, exactly `JSON.stringify(await snapshot(scope))`. Each chunk
 * is read when it is asked for, on a session of its own; ending the iteration early (`return()`) ends the read.
 * `sqlite::memory:` has no second connection: its text is read at once.
 */
export async function* snapshotJson(ctx: StoreContext, scope: Scope = {}): AsyncGenerator<string> {
  const session = await openSession(ctx);
  if (session === undefined) {
    const chunks = await consistentRead(ctx, async (trx) => {
      const out: string[] = [];
      for await (const c of jsonChunks(ctx, sessionOn(ctx, trx), scope)) out.push(c);
      return out;
    });
    yield* chunks;
    return;
  }
  try {
    yield* jsonChunks(ctx, session, scope);
  } finally {
    await session.close();
  }
}
