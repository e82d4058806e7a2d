// Migration 0011_host_loads: how many instances each host runs, kept by triggers on `instances`, so placing an
// instance reads one row per host where it counted every instance of the region's hosts (a scan that grew with
// the fleet and ran under the writers' lock on PostgreSQL).

import { type Kysely, type Migration, sql } from 'kysely';
import { pgCreateInstanceKeyedLoads } from './pg-functions.ts';

/** PostgreSQL: one trigger function for the three ways an instance's host changes (never a stale count). */
const pgTriggers = [
  `create function sixpn_host_added() returns trigger language plpgsql as $$
begin
  insert into host_loads (host_id, instances) values (new.id, 0);
  return null;
end $$`,
  `create trigger hosts_load after insert on hosts for each row execute function sixpn_host_added()`,
  `create function sixpn_host_load() returns trigger language plpgsql as $$
begin
  if tg_op <> 'INSERT' then
    update host_loads set instances = instances - 1 where host_id = old.host_id;
  end if;
  if tg_op <> 'DELETE' then
    update host_loads set instances = instances + 1 where host_id = new.host_id;
  end if;
  return null;
end $$`,
  `create trigger instances_load after insert or delete or update of host_id on instances
    for each row execute function sixpn_host_load()`,
];

const sqliteTriggers = [
  `create trigger hosts_load after insert on hosts begin
    insert into host_loads (host_id, instances) values (new.id, 0);
  end`,
  `create trigger instances_load_insert after insert on instances begin
    update host_loads set instances = instances + 1 where host_id = new.host_id;
  end`,
  `create trigger instances_load_delete after delete on instances begin
    update host_loads set instances = instances - 1 where host_id = old.host_id;
  end`,
  `create trigger instances_load_move after update of host_id on instances begin
    update host_loads set instances = instances - 1 where host_id = old.host_id;
    update host_loads set instances = instances + 1 where host_id = new.host_id;
  end`,
];

/**
 * The `host_loads` table (a row per host and gateway, dropped with it), filled from the instances there are,
 * its triggers, and on PostgreSQL the creation function that places by it.
 */
export function hostLoadsMigration(dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('host_loads')
        .addColumn('host_id', 'text', (c) => c.primaryKey().references('hosts.id').onDelete('cascade'))
        .addColumn('instances', 'bigint', (c) => c.notNull())
        .execute();
      await sql`insert into host_loads (host_id, instances)
        select h.id, (select count(*) from instances i where i.host_id = h.id) from hosts h`.execute(db);
      for (const t of dialect === 'postgres' ? pgTriggers : sqliteTriggers) await sql.raw(t).execute(db);
      if (dialect === 'postgres') await sql.raw(pgCreateInstanceKeyedLoads).execute(db);
    },
  };
}
