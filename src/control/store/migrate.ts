// Runs the migrations at open with Kysely's Migrator, one server at a time: on PostgreSQL under a session
// advisory lock, on SQLite inside one `BEGIN IMMEDIATE` transaction (which also makes the run atomic there,
// where Kysely would run DDL outside a transaction).

import { type Kysely, Migrator, sql } from 'kysely';
import { SixpnError } from '../../core/errors.ts';
import { migrationProvider } from './migrations.ts';
import type { Database } from './schema.ts';
import type { Dialect } from './write.ts';

/** The advisory lock key, `sixpn` in ASCII. */
export const MIGRATION_LOCK_KEY = 0x73_69_78_70_6e;

async function run(db: Kysely<Database>, dialect: Dialect): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: migrationProvider(dialect),
    migrationTableName: 'sixpn_migration',
    migrationLockTableName: 'sixpn_migration_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new SixpnError(
      'internal',
      `database migration ${failed ?? ''} failed: ${(error as Error).message ?? String(error)}`.replace(
        '  ',
        ' ',
      ),
      { cause: error },
    );
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Brings the schema up to date; returns the names of the migrations it ran. */
export async function migrate(db: Kysely<Database>, dialect: Dialect): Promise<string[]> {
  if (dialect === 'sqlite') {
    return db.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn);
      try {
        const ran = await run(conn, dialect);
        await sql`commit`.execute(conn);
        return ran;
      } catch (e) {
        await sql`rollback`.execute(conn);
        throw e;
      }
    });
  }
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
    try {
      return await run(conn, dialect);
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn);
    }
  });
}
