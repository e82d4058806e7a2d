// Instance creation on PostgreSQL in two round trips and no transaction: one read (the app, the region, whether
// a random instance number is free, the region's hosts, what an Idempotency-Key holds), then the write, which goes
// with the store's next group of creations (`create-batch-pg.ts`): one call of `sixpn_create_instances`
// (pg-functions.ts) takes the writers' lock, places each instance of the group on the least-loaded host in a
// fresh snapshot, writes its row, change entry and key's answer, sends one NOTIFY, and commits. The lock is held
// for that one statement and its commit, once for every creation that arrived while the call before ran.

import { type InstanceNum, instanceIdOf, pickInstanceNum } from '../../core/address.ts';
import { notFound } from '../../core/errors.ts';
import type { Host, Instance, InstanceState } from '../../core/model.ts';
import type { PgCreation, PgCreationWrite } from './create-batch-pg.ts';
import type { CreateRead } from './create-read-pg.ts';
import { heldBy, keyHeld } from './idempotency.ts';
import { type AppRefs, checkPinned, freeInstanceNum, newInstance } from './instance-build.ts';
import { leastLoaded } from './instances.ts';
import { KEY_TAKEN } from './pg-functions.ts';
import { appByName, hostByName, regionByCode, toApp } from './queries.ts';
import type { CreateInstance, KeyedResult, KeyedWrite } from './store.ts';
import type { StoreContext } from './write.ts';

/** SQLSTATE of the function's "the region's hosts changed since the read": the caller reads again. */
const PLACEMENT_CHANGED = 'SX001';

const codeOf = (e: unknown) =>
  typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;

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

/** A creation's lost race as the single-call functions raised it (their SQLSTATE and message). */
class LostRace extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A creation read and built, ready for its write: the item the function takes, and the instance on each candidate. */
export type PreparedCreation = PgCreationWrite;

/**
 * Reads what creating the instance needs (kept in the store's cache when it has it, unless `fresh`: a retry after
 * a lost race) and builds its write; a key that holds something already answers, and a missing app, region or
 * host throws as the store does.
 */
export async function prepareCreation(
  ctx: StoreContext,
  i: CreateInstance,
  state: InstanceState,
  keyed?: KeyedWrite,
  fresh = false,
): Promise<PreparedCreation | Extract<KeyedResult<never>, { claim: unknown }>> {
  if (!ctx.pgCreations) throw new Error('a PostgreSQL store without its groups of creations');
  const { cache, read: reads } = ctx.pgCreations;
  const first = pickInstanceNum(() => false, ctx.random);
  const ask = {
    ...{ org: i.org, app: i.app, region: i.region, id: instanceIdOf(first) },
    ...{ host: i.host ?? null, key: keyed?.key ?? null },
  };
  if (fresh) cache.clear();
  let read = fresh ? undefined : cache.get(ask);
  if (!read) {
    const gen = cache.generation;
    read = await reads.submit(ask);
    cache.fill(ask, read, gen);
  }
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
  const item: PgCreation = {
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
  };
  return { item, made: made.map((m) => m.obj) };
}

/**
 * Creates the instance, keeping `keyed`'s answer in the same commit; a key that holds something (seen by the
 * read, or by the function under the writers' lock) makes nothing and is answered from the key. The write goes
 * with the store's next group of creations (`create-batch-pg.ts`); a lost race throws for the caller's retry.
 */
export async function createInstancePg(
  ctx: StoreContext,
  i: CreateInstance,
  state: InstanceState,
  keyed?: KeyedWrite,
  fresh = false,
): Promise<KeyedResult<Instance>> {
  const p = await prepareCreation(ctx, i, state, keyed, fresh);
  if ('claim' in p) return p;
  const out = await ctx.pgCreations!.write.submit(p);
  if (out.outcome === 'made') return { made: p.made[out.pick - 1]! };
  if (out.outcome === 'placement_changed') {
    throw new LostRace(PLACEMENT_CHANGED, `the hosts of region ${i.region} changed since the read`);
  }
  const taken = keyed && (await keyHeld(ctx.db, keyed));
  if (taken) return taken;
  throw new LostRace(KEY_TAKEN, 'the Idempotency-Key is taken'); // freed again meanwhile: the caller's retry creates
}
