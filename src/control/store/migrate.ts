// Runs the migrations at open with Kysely's Migrator. On PostgreSQL a session advisory lock is held around
// the whole run, so two servers starting at once migrate one after the other.

import { type Kysely, Migrator, sql } from 'kysely';
import { SixpnError } from '../../core/errors.ts';
import { migrationProvider } from './migrations.ts';
import type { Database } from './schema.ts';
import type { Dialect } from './write.ts';

/** The advisory lock key, `sixpn` in ASCII. */
export const MIGRATION_LOCK_KEY = 0x73_69_78_70_6e;

async function run(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: migrationProvider,
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
  if (dialect === 'sqlite') return run(db);
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
    try {
      return await run(conn);
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn);
    }
  });
}
