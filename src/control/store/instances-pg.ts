// Instance creation on PostgreSQL in two round trips and no transaction: one read (the app, the region, whether
// a random instance number is free, the region's hosts), then one call of `sixpn_create_instance`
// (migrations.ts), which takes the writers' lock, places the instance on the least-loaded host in a fresh
// snapshot, writes the row, its change entry and the NOTIFY, and commits. The lock is held for that one
// statement and its commit, where a transaction held it for the placement read, the write and a COMMIT.

import { sql } from 'kysely';
import { type InstanceNum, instanceIdOf, pickInstanceNum } from '../../core/address.ts';
import { notFound } from '../../core/errors.ts';
import type { Host, Instance, InstanceState } from '../../core/model.ts';
import { type AppRefs, checkPinned, freeInstanceNum, newInstance } from './instance-build.ts';
import { leastLoaded } from './instances.ts';
import { preparePg } from './postgres.ts';
import { appByName, appsQuery, hostByName, regionByCode, toApp } from './queries.ts';
import type { CreateInstance } from './store.ts';
import type { StoreContext } from './write.ts';

/** SQLSTATE of the function's "the region's hosts changed since the read": the caller reads again. */
const PLACEMENT_CHANGED = 'SX001';

export function isPlacementChanged(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === PLACEMENT_CHANGED;
}

type AppRow = Parameters<typeof toApp>[0] & { org_id: string; network_id: string };

interface CreateRead {
  app: AppRow | null;
  region: boolean;
  taken: boolean;
  pinned: Host | null;
  hosts: Host[];
}

/** Everything a creation reads, in one statement; hosts in code-unit order of their names, as `leastLoaded`. */
async function readForCreate(ctx: StoreContext, i: CreateInstance, id: string): Promise<CreateRead> {
  const app = appsQuery(ctx.db).where('o.name', '=', i.org).where('a.name', '=', i.app);
  const q = sql<CreateRead>`select
      (select row_to_json(x) from (${app}) x) as app,
      exists (select 1 from regions where code = ${i.region}) as region,
      exists (select 1 from instances where id = ${id}) as taken,
      (select row_to_json(h) from hosts h where h.name = ${i.host ?? null}) as pinned,
      (select coalesce(json_agg(h order by h.name collate "C"), '[]') from hosts h
        where h.region = ${i.region} and h.role = 'host') as hosts`.compile(ctx.db);
  preparePg(q.sql);
  return (await ctx.db.executeQuery(q)).rows[0]!;
}

/** The hosts the instance may go to, or the error the store gives when there is none. */
async function candidates(ctx: StoreContext, i: CreateInstance, read: CreateRead): Promise<Host[]> {
  if (i.host !== undefined) {
    return [checkPinned(read.pinned ?? (await hostByName(ctx.db, i.host)), i.region)];
  }
  if (read.hosts.length === 0) await leastLoaded(ctx.db, i.region, 'host'); // throws, naming regions with hosts
  return read.hosts;
}

export async function createInstancePg(
  ctx: StoreContext,
  i: CreateInstance,
  state: InstanceState,
): Promise<Instance> {
  const first = pickInstanceNum(() => false, ctx.random);
  const read = await readForCreate(ctx, i, instanceIdOf(first));
  if (read.app === null) {
    await appByName(ctx.db, i.org, i.app); // throws, naming the org or the app
    throw notFound('app', `${i.org}/${i.app}`);
  }
  const app: AppRefs = { ...toApp(read.app), org_id: read.app.org_id, network_id: read.app.network_id };
  if (!read.region) await regionByCode(ctx.db, i.region);
  const hosts = await candidates(ctx, i, read);
  const num: InstanceNum = read.taken ? await freeInstanceNum(ctx, ctx.db, new Set([first])) : first;
  const at = ctx.now().toISOString();
  const made = hosts.map((h) => newInstance(ctx, app, h, num, state, at));
  const row = made[0]!.row;
  const call = sql<{ rev: number; pick: number }>`select rev, pick from sixpn_create_instance(
      ${row.id}, ${num}, ${row.app_id}, ${row.org_id}, ${row.network_id}, ${state}, ${at}, ${app.org},
      ${i.region}, ${i.host !== undefined}, ${made.map((m) => m.row.host_id)},
      ${made.map((m) => m.row.address)}, ${made.map((m) => JSON.stringify(m.obj))})`.compile(ctx.db);
  preparePg(call.sql);
  const { rev, pick } = (await ctx.db.executeQuery(call)).rows[0]!;
  ctx.committed(Number(rev));
  return made[pick - 1]!.obj;
}
