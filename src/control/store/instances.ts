// Instances: placed on the least-loaded host of a region (or a pinned one), numbered at random in the
// host's slot, addressed `instanceAddress(...)` when the app has private networking.

import { invalid } from '../../core/errors.ts';
import { type Host, type Instance, InstanceState } from '../../core/model.ts';
import { checkRegion } from '../../core/names.ts';
import { forgetHealth } from './checks.ts';
import { isForeignKeyViolation, uniqueViolation } from './db-errors.ts';
import { keepAnswer, keyHeld } from './idempotency.ts';
import { checkPinned, freeInstanceNum, newInstance } from './instance-build.ts';
import { createInstancePg, isLostRace } from './instances-pg.ts';
import { failedPrecondition, nameList } from './precondition.ts';
import {
  appByName,
  byKey,
  hostByName,
  instanceById,
  instancesQuery,
  orgByName,
  regionByCode,
} from './queries.ts';
import type { Db } from './schema.ts';
import type { CreateInstance, InstanceFilter, KeyedResult, KeyedWrite } from './store.ts';
import { revisioned, type StoreContext } from './write.ts';

function checkState(state: string): InstanceState {
  const r = InstanceState.safeParse(state);
  if (!r.success) throw invalid(`state '${state}' is not one of started, stopped`, { field: 'state' });
  return r.data;
}

/** The least-loaded machine of `role` in `region` (instances on it, as `host_loads` counts, or peers; ties by name). */
export async function leastLoaded(db: Db, region: string, role: 'host' | 'gateway'): Promise<Host> {
  const rows = await db
    .selectFrom('hosts as h')
    .selectAll('h')
    .select((eb) =>
      (role === 'host'
        ? eb.selectFrom('host_loads as l').select('l.instances').whereRef('l.host_id', '=', 'h.id')
        : eb
            .selectFrom('peers as p')
            .select((c) => c.fn.countAll().as('n'))
            .whereRef('p.gateway_id', '=', 'h.id')
      ).as('load'),
    )
    .where('h.region', '=', region)
    .where('h.role', '=', role)
    .execute();
  const best = rows
    .map((r) => ({ ...r, load: Number(r.load) }))
    // Registered machines first: one whose agent never reported in cannot run anything yet.
    .sort(
      (a, b) =>
        Number(a.registered_at === null) - Number(b.registered_at === null) ||
        a.load - b.load ||
        byKey<Host>((h) => h.name)(a, b),
    )[0];
  if (best) {
    const { load: _load, ...host } = best;
    return host;
  }
  const withRole = await db
    .selectFrom('hosts')
    .select('region')
    .distinct()
    .where('role', '=', role)
    .execute();
  const regions = withRole.map((r) => r.region).sort();
  const plural = role === 'host' ? 'hosts' : 'gateways';
  throw failedPrecondition(
    regions.length > 0
      ? `region '${region}' has no ${plural}; regions with ${plural}: ${nameList(regions, 20)}`
      : `region '${region}' has no ${plural}, and no region has any yet; create a ${role} first`,
    { region, [`regions_with_${plural}`]: regions },
  );
}

export async function createInstance(ctx: StoreContext, i: CreateInstance): Promise<Instance> {
  const out = await createInstanceKeyed(ctx, i);
  if ('claim' in out) throw new Error('a create without a key was answered from one'); // no key: never
  return out.made;
}

/** Creates the instance; with `keyed`, under its Idempotency-Key kept in the same commit (store.ts). */
export async function createInstanceKeyed(
  ctx: StoreContext,
  i: CreateInstance,
  keyed?: KeyedWrite,
): Promise<KeyedResult<Instance>> {
  checkRegion('region', i.region);
  const state = checkState(i.state ?? 'started');
  // The pre-check makes a collision of instance numbers near impossible; the unique constraints are the final
  // word, and a lost race is retried with a fresh number. On PostgreSQL the reads run before the writers' lock
  // (instances-pg.ts): an app or host deleted meanwhile fails the insert on its foreign key, a host added
  // meanwhile fails the placement, and the retry's reads (afresh, not from the cache) then see what changed.
  for (let attempt = 0; ; attempt++) {
    try {
      if (ctx.dialect === 'postgres') return await createInstancePg(ctx, i, state, keyed, attempt > 0);
      return await insertInstance(ctx, i, state, keyed);
    } catch (e) {
      const lost =
        uniqueViolation(e)?.target.includes('instances') || isForeignKeyViolation(e) || isLostRace(e);
      if (!lost || attempt >= 3) throw e;
    }
  }
}

/** SQLite: one write transaction, which sees every creation before it; the key is read and kept inside it. */
function insertInstance(
  ctx: StoreContext,
  i: CreateInstance,
  state: InstanceState,
  keyed: KeyedWrite | undefined,
): Promise<KeyedResult<Instance>> {
  return revisioned(ctx, async (w): Promise<KeyedResult<Instance>> => {
    const held = keyed && (await keyHeld(w.trx, keyed));
    if (held) return held; // nothing recorded: rolled back, no revision
    const app = await appByName(w.trx, i.org, i.app);
    await regionByCode(w.trx, i.region);
    const pinned = i.host === undefined ? undefined : checkPinned(await hostByName(w.trx, i.host), i.region);
    const num = await freeInstanceNum(ctx, w.trx);
    const host = pinned ?? (await leastLoaded(w.trx, i.region, 'host'));
    const inst = newInstance(ctx, app, host, num, state, w.at);
    await w.trx.insertInto('instances').values(inst.row).execute();
    await w.record('put', 'instance', inst.obj, inst.obj.org);
    if (keyed) await keepAnswer(w.trx, keyed, JSON.stringify(inst.obj), w.at);
    return { made: inst.obj };
  });
}

export async function listInstances(ctx: StoreContext, f: InstanceFilter = {}): Promise<Instance[]> {
  let q = instancesQuery(ctx.db);
  if (f.org !== undefined) {
    await orgByName(ctx.db, f.org);
    q = q.where('o.name', '=', f.org);
    if (f.app !== undefined) await appByName(ctx.db, f.org, f.app);
  }
  if (f.app !== undefined) q = q.where('a.name', '=', f.app);
  if (f.host !== undefined) {
    await hostByName(ctx.db, f.host);
    q = q.where('h.name', '=', f.host);
  }
  if (f.region !== undefined) {
    await regionByCode(ctx.db, f.region);
    q = q.where('h.region', '=', f.region);
  }
  return (await q.execute()).sort(byKey((i) => `${i.org}\0${i.app}\0${i.id}`));
}

export function getInstance(ctx: StoreContext, id: string): Promise<Instance> {
  return instanceById(ctx.db, id);
}

export async function setInstanceState(ctx: StoreContext, id: string, s: string): Promise<Instance> {
  const state = checkState(s);
  return revisioned(ctx, async (w) => {
    const inst = await instanceById(w.trx, id);
    if (inst.state === state) return inst; // nothing recorded: rolled back, no revision
    // Started again, it must pass its checks again before it serves.
    const updated: Instance = { ...inst, state, health: null, updated_at: w.at };
    await forgetHealth(w, id);
    await w.trx
      .updateTable('instances')
      .set({ state, health: null, updated_at: w.at })
      .where('id', '=', id)
      .execute();
    await w.record('put', 'instance', updated, inst.org);
    return updated;
  });
}

export async function deleteInstance(ctx: StoreContext, id: string): Promise<void> {
  await revisioned(ctx, async (w) => {
    const inst = await instanceById(w.trx, id);
    await w.trx.deleteFrom('instances').where('id', '=', id).execute();
    await w.record('delete', 'instance', inst, inst.org);
  });
}
