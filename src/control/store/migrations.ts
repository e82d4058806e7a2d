// The store's schema as an in-code list of Kysely migrations, the same for SQLite and PostgreSQL.
// Append new migrations; never edit one that has shipped.

import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';
import { hostLoadsMigration } from './host-loads.ts';
import { pgCreateInstance, pgCreateInstanceKeyed, pgCreateInstances } from './pg-functions.ts';
import { usageMigration } from './usage-schema.ts';

/** The revision and number counters, organizations and their networks. */
async function tenantTables(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('counters')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'bigint', (c) => c.notNull())
    .execute();
  await db
    .insertInto('counters' as never)
    .values(['revision', 'network', 'host', 'pruned'].map((name) => ({ name, value: 0 })) as never)
    .execute();

  await db.schema
    .createTable('orgs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('networks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('num', 'bigint', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('networks_org_name_key', ['org_id', 'name'])
    .execute();
}

/** Regions and the hosts and gateways in them. */
async function fleetTables(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('regions')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('lat', 'double precision', (c) => c.notNull())
    .addColumn('lon', 'double precision', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('hosts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('region', 'text', (c) => c.notNull().references('regions.code'))
    .addColumn('role', 'text', (c) => c.notNull().check(sqlIn('role', ['host', 'gateway'])))
    .addColumn('num', 'bigint', (c) => c.notNull().unique())
    .addColumn('endpoint', 'text')
    .addColumn('mesh_key', 'text')
    .addColumn('peer_key', 'text')
    .addColumn('peer_endpoint', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('registered_at', 'text')
    .execute();
  await db.schema.createIndex('hosts_region_idx').on('hosts').columns(['region', 'role']).execute();
}

/** Apps and their instances. */
async function appTables(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('apps')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
    .addColumn('network_id', 'text', (c) => c.notNull().references('networks.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('private_network', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('apps_org_name_key', ['org_id', 'name'])
    .execute();
  await db.schema.createIndex('apps_network_idx').on('apps').column('network_id').execute();

  await db.schema
    .createTable('instances')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('num', 'bigint', (c) => c.notNull())
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id'))
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
    .addColumn('network_id', 'text', (c) => c.notNull().references('networks.id'))
    .addColumn('host_id', 'text', (c) => c.notNull().references('hosts.id'))
    .addColumn('state', 'text', (c) => c.notNull().check(sqlIn('state', ['started', 'stopped'])))
    .addColumn('address', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('instances_slot_key', ['network_id', 'host_id', 'num'])
    .execute();
  await db.schema.createIndex('instances_host_idx').on('instances').column('host_id').execute();
  await db.schema.createIndex('instances_app_idx').on('instances').column('app_id').execute();
  await db.schema.createIndex('instances_org_idx').on('instances').column('org_id').execute();
}

/** WireGuard peers, API tokens and what gateways report about peers. */
async function peerTables(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('peers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
    .addColumn('network_id', 'text', (c) => c.notNull().references('networks.id'))
    .addColumn('gateway_id', 'text', (c) => c.notNull().references('hosts.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('idx', 'bigint', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull().unique())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('peers_org_name_key', ['org_id', 'name'])
    .addUniqueConstraint('peers_slot_key', ['network_id', 'gateway_id', 'idx'])
    .execute();
  await db.schema.createIndex('peers_gateway_idx').on('peers').column('gateway_id').execute();

  await db.schema
    .createTable('tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text', (c) => c.references('orgs.id'))
    .addColumn('network', 'text')
    .addColumn('host', 'text')
    .addColumn('hash', 'text', (c) => c.notNull().unique())
    .addColumn('expires_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('tokens_org_idx').on('tokens').column('org_id').execute();

  await db.schema
    .createTable('peer_status')
    .addColumn('peer_id', 'text', (c) => c.primaryKey().references('peers.id').onDelete('cascade'))
    .addColumn('gateway_id', 'text', (c) => c.notNull())
    .addColumn('endpoint', 'text')
    .addColumn('last_handshake', 'text')
    .addColumn('rx_bytes', 'bigint', (c) => c.notNull())
    .addColumn('tx_bytes', 'bigint', (c) => c.notNull())
    .addColumn('installed_at', 'text')
    .addColumn('reported_at', 'text', (c) => c.notNull())
    .execute();
}

/** The change log that watchers read. */
async function changeLog(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('changes')
    .addColumn('rev', 'bigint', (c) => c.primaryKey())
    .addColumn('op', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('org', 'text')
    .addColumn('obj', 'text', (c) => c.notNull())
    .execute();
}

/** The first schema: every entity table, the counters and the change log. */
const initial: Migration = {
  async up(db: Kysely<unknown>) {
    await tenantTables(db);
    await fleetTables(db);
    await appTables(db);
    await peerTables(db);
    await changeLog(db);
  },
};

/** `col IN ('a', 'b')` for a CHECK constraint; values are constants of this file, never user input. */
function sqlIn(col: string, values: string[]) {
  return sql.raw<boolean>(`${col} in (${values.map((v) => `'${v}'`).join(', ')})`);
}

/** Join tokens: a new host trades one use of a token for its own host token (only the secret's hash is kept). */
const joinTokens: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('join_tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('hash', 'text', (c) => c.notNull().unique())
      .addColumn('region', 'text', (c) => c.notNull().references('regions.code'))
      .addColumn('role', 'text', (c) => c.notNull().check(sqlIn('role', ['host', 'gateway'])))
      .addColumn('uses', 'bigint', (c) => c.notNull())
      .addColumn('used', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('revoked_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('last_used_at', 'text')
      .execute();
  },
};

/**
 * Which orgs (all their networks, `network_id` null) or networks a host may place instances for on itself
 * (`sixpn hosts allow`). A grant goes with its host, org or network.
 */
async function hostGrantsTable(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('host_grants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('host_id', 'text', (c) => c.notNull().references('hosts.id').onDelete('cascade'))
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('network_id', 'text', (c) => c.references('networks.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  // One grant per (host, org, network); `coalesce` makes "all networks" (null) one value too.
  await sql`create unique index host_grants_key on host_grants (host_id, org_id, coalesce(network_id, ''))`.execute(
    db,
  );
}

/**
 * Health checks: the app's checks (JSON), each instance's verdict, and the last status of each check of each
 * instance (not revisioned; gone with its instance).
 */
const checks: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('apps')
      .addColumn('checks', 'text', (c) => c.notNull().defaultTo('[]'))
      .execute();
    await db.schema
      .alterTable('instances')
      .addColumn('health', 'text', (c) => c.check(sqlIn('health', ['passing', 'critical'])))
      .execute();
    await db.schema
      .createTable('check_status')
      .addColumn('instance_id', 'text', (c) => c.notNull().references('instances.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull().check(sqlIn('status', ['passing', 'critical'])))
      .addColumn('output', 'text', (c) => c.notNull())
      .addColumn('since', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('check_status_pkey', ['instance_id', 'name'])
      .execute();
  },
};

/**
 * Service addresses: a per-network counter (`networks.service_seq`, the last service number handed out there, so a
 * number is never reused in its network) and each app's number and address (null: none).
 */
const serviceAddresses: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('networks')
      .addColumn('service_seq', 'bigint', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable('apps').addColumn('service_num', 'bigint').execute();
    await db.schema.alterTable('apps').addColumn('service_address', 'text').execute();
    await db.schema
      .createIndex('apps_service_key')
      .unique()
      .on('apps')
      .columns(['network_id', 'service_num'])
      .execute();
  },
};

/** Console sign-ins: only the hash of the session secret and of the API token it was exchanged for. */
const consoleSessions: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('console_sessions')
      .addColumn('hash', 'text', (c) => c.primaryKey())
      .addColumn('token_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('console_sessions_expires_at')
      .on('console_sessions')
      .column('expires_at')
      .execute();
  },
};

/** The Idempotency-Key of each create, for its retention window (store/idempotency.ts). */
const idempotency: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('idempotency_keys')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('request', 'text', (c) => c.notNull())
      .addColumn('status', 'integer')
      .addColumn('body', 'text')
      .addColumn('content_type', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('idempotency_keys_created_at')
      .on('idempotency_keys')
      .column('created_at')
      .execute();
  },
};

/** Every migration, by name; names sort in the order they run. Some are for one backend only. */
export function migrationsFor(dialect: 'sqlite' | 'postgres'): Record<string, Migration> {
  return {
    '0001_initial': initial,
    '0002_create_instance_function': {
      async up(db: Kysely<unknown>) {
        if (dialect === 'postgres') await sql.raw(pgCreateInstance).execute(db);
      },
    },
    '0003_join_tokens': joinTokens,
    '0004_instance_runtime': { up: hostGrantsTable },
    '0005_checks': checks,
    '0006_service_addresses': serviceAddresses,
    '0007_usage': usageMigration,
    '0008_console_sessions': consoleSessions,
    '0009_idempotency': idempotency,
    '0010_create_instance_keyed': {
      async up(db: Kysely<unknown>) {
        if (dialect === 'postgres') await sql.raw(pgCreateInstanceKeyed).execute(db);
      },
    },
    '0011_host_loads': hostLoadsMigration(dialect),
    '0012_create_instances_batch': {
      async up(db: Kysely<unknown>) {
        if (dialect === 'postgres') await sql.raw(pgCreateInstances).execute(db);
      },
    },
  };
}

export const migrationProvider = (dialect: 'sqlite' | 'postgres'): MigrationProvider => ({
  getMigrations: async () => migrationsFor(dialect),
});
