// Migration 0007_usage: applied usage reports and private traffic in minute, hour and day buckets.

import type { Kysely, Migration } from 'kysely';

/** The bucket tables, coarsest last; each row sums one key over one bucket. */
export const USAGE_TABLES = ['usage_minute', 'usage_hour', 'usage_day'] as const;

export const usageMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('usage_reports')
      .addColumn('host_id', 'text', (c) => c.notNull())
      .addColumn('epoch', 'text', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('applied_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('usage_reports_pkey', ['host_id', 'epoch', 'seq'])
      .execute();
    await db.schema
      .createIndex('usage_reports_applied_idx')
      .on('usage_reports')
      .column('applied_at')
      .execute();
    // Marks older than the retention go; every seq up to a (host, epoch)'s floor stays applied.
    await db.schema
      .createTable('usage_report_floors')
      .addColumn('host_id', 'text', (c) => c.notNull())
      .addColumn('epoch', 'text', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('usage_report_floors_pkey', ['host_id', 'epoch'])
      .execute();
    for (const table of USAGE_TABLES) {
      await db.schema
        .createTable(table)
        .addColumn('t', 'bigint', (c) => c.notNull())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('network', 'text', (c) => c.notNull())
        .addColumn('app', 'text', (c) => c.notNull())
        .addColumn('peer', 'text', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('src_region', 'text', (c) => c.notNull())
        .addColumn('dst_region', 'text', (c) => c.notNull())
        .addColumn('tx_bytes', 'bigint', (c) => c.notNull())
        .addColumn('tx_packets', 'bigint', (c) => c.notNull())
        .addColumn('rx_bytes', 'bigint', (c) => c.notNull())
        .addColumn('rx_packets', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint(`${table}_pkey`, [
          'org_id',
          't',
          'network',
          'app',
          'peer',
          'scope',
          'src_region',
          'dst_region',
        ])
        .execute();
      // Retention deletes by time across orgs.
      await db.schema.createIndex(`${table}_t_idx`).on(table).column('t').execute();
    }
  },
};
