// The SQLite connection (better-sqlite3): WAL, a busy timeout so a second process waits instead of failing,
// foreign keys on. Kysely serializes every query and transaction on the one connection.

import Sqlite from 'better-sqlite3';
import { Kysely, type SqliteDatabase, SqliteDialect } from 'kysely';
import { SixpnError } from '../../core/errors.ts';
import type { Database } from './schema.ts';

export const SQLITE_BUSY_TIMEOUT_MS = 5000;

/** How many prepared statements a connection keeps; the store's texts are far fewer, so the cap only guards. */
const STATEMENT_CACHE = 1000;

/**
 * `db` for Kysely with its statements prepared once per text, not at every query (preparing cost as much as
 * running the store's queries). A statement still stepping (a streamed read) is not shared: a fresh one is
 * made. SQLite prepares a kept statement again by itself when the schema changes.
 */
export function cachingStatements(db: Sqlite.Database): SqliteDatabase {
  const kept = new Map<string, Sqlite.Statement>();
  return {
    close: () => db.close(),
    prepare(text: string) {
      const hit = kept.get(text);
      if (hit && !hit.busy) return hit;
      const stmt = db.prepare(text);
      if (hit) return stmt;
      if (kept.size >= STATEMENT_CACHE) kept.clear();
      kept.set(text, stmt);
      return stmt;
    },
  };
}

/** Opens `path` (`:memory:` for a private in-memory database). */
export function openSqlite(path: string): Kysely<Database> {
  let db: Sqlite.Database;
  try {
    db = new Sqlite(path);
    db.pragma('journal_mode = WAL');
    db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
  } catch (e) {
    throw new SixpnError(
      'unavailable',
      `cannot open SQLite database '${path}': ${(e as Error).message}; check that its folder exists and is writable`,
      { cause: e },
    );
  }
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingStatements(db) }) });
}

/**
 * A read-only connection of its own to the file at `path`, for a long read (a snapshot a slow client takes):
 * in WAL mode it reads at one point while the store's connection goes on writing. The caller destroys it.
 */
export function openSqliteReader(path: string): Kysely<Database> {
  const db = new Sqlite(path, { readonly: true, fileMustExist: true });
  db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  // A read that goes through everything once gains nothing from a big page cache (16 MB by default here).
  db.pragma('cache_size = -2000');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: db }) });
}
