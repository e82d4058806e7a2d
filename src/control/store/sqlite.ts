// The SQLite connection (better-sqlite3): WAL, a busy timeout so a second process waits instead of failing,
// foreign keys on. Kysely serializes every query and transaction on the one connection.

import Sqlite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { SixpnError } from '../../core/errors.ts';
import type { Database } from './schema.ts';

export const SQLITE_BUSY_TIMEOUT_MS = 5000;

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
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: db }) });
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
