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
import { compiledOnce } from './compiled-once.ts';
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

const READ = ['org', 'app', 'region', 'id', 'host', 'key'] as const;

/** Everything a creation reads, in one statement; hosts in code-unit order of their names, as `leastLoaded`. */
const readStatement = compiledOnce(READ, (db, v) => {
  const app = appsQuery(db)
    .where('o.name', '=', v.org as string)
    .where('a.name', '=', v.app as string);
  return sql<CreateRead>`select
      (select row_to_json(x) from (${app}) x) as app,
      exists (select 1 from regions where code = ${v.region}) as region,
      exists (select 1 from instances where id = ${v.id}) as taken,
      (select row_to_json(h) from hosts h where h.name = ${v.host}) as pinned,
      (select coalesce(json_agg(h order by h.name collate "C"), '[]') from hosts h
        where h.region = ${v.region} and h.role = 'host') as hosts,
      (select row_to_json(k) from idempotency_keys k where k.key = ${v.key}) as kept`.compile(db);
});

async function readForCreate(
  ctx: StoreContext,
  i: CreateInstance,
  id: string,
  key: string | null,
): Promise<CreateRead> {
  const q = readStatement(ctx.db, {
    org: i.org,
    app: i.app,
    region: i.region,
    id,
    host: i.host ?? null,
    key,
  });
  preparePg(q.sql);
  return (await ctx.db.executeQuery<CreateRead>(q)).rows[0]!;
}

const CALL = [
  ...['id', 'num', 'app_id', 'org_id', 'network_id', 'state', 'at', 'org', 'region', 'pinned', 'hosts'],
  ...['addresses', 'objs', 'key', 'request', 'expired_before', 'status', 'content_type'],
] as const;

/** The creation function's call (pg-functions.ts), its arguments in the order it declares them. */
const callStatement = compiledOnce(CALL, (db, v) => {
  const args = sql.join(CALL.map((n) => sql`${v[n]}`));
  return sql<{
    rev: number;
    pick: number;
  }>`select rev, pick from sixpn_create_instance_keyed(${args})`.compile(db);
});

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
  const call = callStatement(ctx.db, {
    ...{ id: row.id, num, app_id: row.app_id, org_id: row.org_id, network_id: row.network_id, state, at },
    ...{ org: app.org, region: i.region, pinned: i.host !== undefined },
    hosts: made.map((m) => m.row.host_id),
    addresses: made.map((m) => m.row.address),
    objs: made.map((m) => JSON.stringify(m.obj)),
    key: keyed?.key ?? null,
    request: keyed?.request ?? null,
    expired_before: keyed?.expiredBefore.toISOString() ?? null,
    status: keyed?.status ?? null,
    content_type: keyed?.contentType ?? null,
  });
  preparePg(call.sql);
  try {
    const { rev, pick } = (await ctx.db.executeQuery<{ rev: number; pick: number }>(call)).rows[0]!;
    ctx.committed(Number(rev));
    return { made: made[pick - 1]!.obj };
  } catch (e) {
    if (!keyed || codeOf(e) !== KEY_TAKEN) throw e;
    const taken = await keyHeld(ctx.db, keyed);
    if (!taken) throw e; // freed again meanwhile: the caller's retry creates
    return taken;
  }
}
