// Instance creation on PostgreSQL in two round trips and no transaction: one read (the app, the region, whether
// a random instance number is free, the region's hosts, what an Idempotency-Key holds), then one call of
// `sixpn_create_instance_keyed` (pg-functions.ts), which takes the writers' lock, places the instance on the
// least-loaded host in a fresh snapshot, writes the row, its change entry, the key's answer and the NOTIFY, and
// commits. The lock is held for that one statement and its commit, where a transaction held it for the
// placement read, the write and a COMMIT.

import { sql } from 'kysely';
import { type InstanceNum, instanceIdOf, pickInstanceNum } from '../../core/address.ts';
import { notFound } from '../../core/errors.ts';
import type { Host, Instance, InstanceState } from '../../core/model.ts';
import { heldBy, keyHeld } from './idempotency.ts';
import { type AppRefs, checkPinned, freeInstanceNum, newInstance } from './instance-build.ts';
import { leastLoaded } from './instances.ts';
import { KEY_TAKEN } from './pg-functions.ts';
import { preparePg } from './postgres.ts';
import { appByName, appsQuery, hostByName, regionByCode, toApp } from './queries.ts';
import type { IdempotencyKeysTable } from './schema.ts';
import type { CreateInstance, KeyedResult, KeyedWrite } from './store.ts';
import type { StoreContext } from './write.ts';

/** SQLSTATE of the function's "the region's hosts changed since the read": the caller reads again. */
const PLACEMENT_CHANGED = 'SX001';

const codeOf = (e: unknown) =>
  typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;

type AppRow = Parameters<typeof toApp>[0] & { org_id: string; network_id: string };

interface CreateRead {
  app: AppRow | null;
  region: boolean;
  taken: boolean;
  pinned: Host | null;
  hosts: Host[];
  kept: IdempotencyKeysTable | null;
}

/** Everything a creation reads, in one statement; hosts in code-unit order of their names, as `leastLoaded`. */
async function readForCreate(
  ctx: StoreContext,
  i: CreateInstance,
  id: string,
  key: string | null,
): Promise<CreateRead> {
  const app = appsQuery(ctx.db).where('o.name', '=', i.org).where('a.name', '=', i.app);
  const q = sql<CreateRead>`select
      (select row_to_json(x) from (${app}) x) as app,
      exists (select 1 from regions where code = ${i.region}) as region,
      exists (select 1 from instances where id = ${id}) as taken,
      (select row_to_json(h) from hosts h where h.name = ${i.host ?? null}) as pinned,
      (select coalesce(json_agg(h order by h.name collate "C"), '[]') from hosts h
        where h.region = ${i.region} and h.role = 'host') as hosts,
      (select row_to_json(k) from idempotency_keys k where k.key = ${key}) as kept`.compile(ctx.db);
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

/** A race the caller retries with fresh reads: the region's hosts changed, or the key was taken and freed again. */
export function isLostRace(e: unknown): boolean {
  return codeOf(e) === PLACEMENT_CHANGED || codeOf(e) === KEY_TAKEN;
}

/**
 * Creates the instance, keeping `keyed`'s answer in the same commit; a key that holds something (seen by the
 * read, or by the function under the writers' lock) makes nothing and is answered from the key.
 */
export async function createInstancePg(
  ctx: StoreContext,
  i: CreateInstance,
  state: InstanceState,
  keyed?: KeyedWrite,
): Promise<KeyedResult<Instance>> {
  const first = pickInstanceNum(() => false, ctx.random);
  const read = await readForCreate(ctx, i, instanceIdOf(first), keyed?.key ?? null);
  const held = keyed && heldBy(read.kept, keyed.request, keyed.expiredBefore);
  if (held) return { claim: held };
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
  const call = sql<{ rev: number; pick: number }>`select rev, pick from sixpn_create_instance_keyed(
      ${row.id}, ${num}, ${row.app_id}, ${row.org_id}, ${row.network_id}, ${state}, ${at}, ${app.org},
      ${i.region}, ${i.host !== undefined}, ${made.map((m) => m.row.host_id)},
      ${made.map((m) => m.row.address)}, ${made.map((m) => JSON.stringify(m.obj))},
      ${keyed?.key ?? null}, ${keyed?.request ?? null}, ${keyed?.expiredBefore.toISOString() ?? null},
      ${keyed?.status ?? null}, ${keyed?.contentType ?? null})`.compile(ctx.db);
  preparePg(call.sql);
  try {
    const { rev, pick } = (await ctx.db.executeQuery(call)).rows[0]!;
    ctx.committed(Number(rev));
    return { made: made[pick - 1]!.obj };
  } catch (e) {
    if (!keyed || codeOf(e) !== KEY_TAKEN) throw e;
    const taken = await keyHeld(ctx.db, keyed);
    if (!taken) throw e; // freed again meanwhile: the caller's retry creates
    return taken;
  }
}
