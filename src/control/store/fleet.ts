// Regions and hosts (role `host` or `gateway`, one table). Host numbers come from the `host` counter,
// starting at 1 and never reused; registration is idempotent.

import { alreadyExists } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Host, HostRole, Region } from '../../core/model.ts';
import { checkLabel, checkRegion } from '../../core/names.ts';
import { parseHostEndpoint } from '../../core/wg/endpoint.ts';
import { parsePublicKey } from '../../core/wg/keys.ts';
import { conflictAs } from './db-errors.ts';
import { inUse } from './precondition.ts';
import { byKey, hostByName, hostsQuery, regionByCode, regionsQuery } from './queries.ts';
import type { CreateHost, CreateRegion, RegisterHost } from './store.ts';
import { checkRegionInput, checkRole } from './validate.ts';
import { revisioned, type StoreContext, type WriteTx } from './write.ts';

export async function createRegion(ctx: StoreContext, input: CreateRegion): Promise<Region> {
  const r = checkRegionInput(input);
  try {
    return await revisioned(ctx, async (w) => {
      const taken = await w.trx
        .selectFrom('regions')
        .select('code')
        .where('code', '=', r.code)
        .executeTakeFirst();
      if (taken) throw alreadyExists('region', r.code);
      const region: Region = { code: r.code, name: r.name, lat: r.lat, lon: r.lon, created_at: w.at };
      await w.trx.insertInto('regions').values(region).execute();
      await w.record('put', 'region', region, null);
      return region;
    });
  } catch (e) {
    throw conflictAs(e, () => alreadyExists('region', r.code));
  }
}

export async function listRegions(ctx: StoreContext): Promise<Region[]> {
  return (await regionsQuery(ctx.db).execute()).sort(byKey((r) => r.code));
}

export async function deleteRegion(ctx: StoreContext, code: string): Promise<void> {
  await revisioned(ctx, async (w) => {
    const region = await regionByCode(w.trx, code);
    const hosts = await w.trx.selectFrom('hosts').select('name').where('region', '=', code).execute();
    const busy = inUse(`region '${code}'`, { hosts: hosts.map((h) => h.name).sort() });
    if (busy) throw busy;
    await w.trx.deleteFrom('join_tokens').where('region', '=', code).execute(); // useless without it
    await w.trx.deleteFrom('regions').where('code', '=', code).execute();
    await w.record('delete', 'region', region, null);
  });
}

export async function createHost(ctx: StoreContext, h: CreateHost): Promise<Host> {
  checkLabel('name', h.name);
  checkRegion('region', h.region);
  const role = checkRole(h.role);
  try {
    return await revisioned(ctx, async (w) => {
      await regionByCode(w.trx, h.region);
      const taken = await w.trx
        .selectFrom('hosts')
        .select('role')
        .where('name', '=', h.name)
        .executeTakeFirst();
      if (taken) throw alreadyExists(taken.role, h.name);
      const host = await insertHost(ctx, w, { ...h, role }, {});
      await w.record('put', 'host', host, null);
      return host;
    });
  } catch (e) {
    throw conflictAs(e, () => alreadyExists(role, h.name));
  }
}

/** Inserts a new host row (its number from the `host` counter) with `reg` already recorded; no change entry. */
export async function insertHost(
  ctx: StoreContext,
  w: WriteTx,
  h: CreateHost,
  reg: Partial<Pick<Host, 'endpoint' | 'mesh_key' | 'peer_key' | 'peer_endpoint'>>,
): Promise<Host> {
  const host: Host = {
    id: newId('host', ctx.random),
    name: h.name,
    region: h.region,
    role: h.role,
    num: await w.nextNumber('host'),
    endpoint: null,
    mesh_key: null,
    peer_key: null,
    peer_endpoint: null,
    ...reg,
    created_at: w.at,
    registered_at: reg.mesh_key ? w.at : null,
  };
  await w.trx.insertInto('hosts').values(host).execute();
  return host;
}

export async function listHosts(ctx: StoreContext, role?: HostRole): Promise<Host[]> {
  let q = hostsQuery(ctx.db);
  if (role !== undefined) q = q.where('h.role', '=', checkRole(role));
  return (await q.execute()).sort(byKey((h) => h.name));
}

/** A registration's keys and endpoints, checked; throws `invalid_argument` naming the field. */
export function parseRegistration(r: RegisterHost) {
  return {
    endpoint: parseHostEndpoint(r.endpoint, 'endpoint'),
    mesh_key: parsePublicKey(r.mesh_key, 'mesh_key'),
    peer_key: r.peer_key == null ? null : parsePublicKey(r.peer_key, 'peer_key'),
    peer_endpoint: r.peer_endpoint == null ? null : parseHostEndpoint(r.peer_endpoint, 'peer_endpoint'),
  };
}

export async function registerHost(ctx: StoreContext, name: string, r: RegisterHost): Promise<Host> {
  const next = parseRegistration(r);
  return revisioned(ctx, async (w) => {
    const host = await hostByName(w.trx, name);
    const same = (Object.keys(next) as (keyof typeof next)[]).every((k) => host[k] === next[k]);
    if (same) return host; // nothing recorded: rolled back, no revision
    const updated: Host = { ...host, ...next, registered_at: w.at };
    await w.trx
      .updateTable('hosts')
      .set({ ...next, registered_at: w.at })
      .where('id', '=', host.id)
      .execute();
    await w.record('put', 'host', updated, null);
    return updated;
  });
}

export async function deleteHost(ctx: StoreContext, name: string): Promise<void> {
  await revisioned(ctx, async (w) => {
    const host = await hostByName(w.trx, name);
    const instances = await w.trx
      .selectFrom('instances')
      .select('id')
      .where('host_id', '=', host.id)
      .execute();
    const peers = await w.trx
      .selectFrom('peers as p')
      .innerJoin('orgs as o', 'o.id', 'p.org_id')
      .select(['o.name as org', 'p.name'])
      .where('p.gateway_id', '=', host.id)
      .execute();
    const busy = inUse(`${host.role} '${name}'`, {
      instances: instances.map((i) => i.id).sort(),
      peers: peers.map((p) => `${p.org}/${p.name}`).sort(),
    });
    if (busy) throw busy;
    // Its tokens go with it: a later host of the same name must not inherit them.
    await w.trx.deleteFrom('tokens').where('host', '=', name).execute();
    await w.trx.deleteFrom('peer_status').where('gateway_id', '=', host.id).execute();
    await w.trx.deleteFrom('hosts').where('id', '=', host.id).execute();
    await w.record('delete', 'host', host, null);
  });
}
