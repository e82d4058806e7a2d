// Organizations and their networks. Creating an org creates its `default` network in the same transaction;
// deleting one deletes everything it owns, one `delete` change per object. Network numbers come from the
// `network` counter and are never reused.

import { alreadyExists } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Network, Org } from '../../core/model.ts';
import { checkLabel } from '../../core/names.ts';
import { conflictAs } from './db-errors.ts';
import { failedPrecondition, inUse } from './precondition.ts';
import {
  appsQuery,
  byKey,
  idOf,
  instancesQuery,
  networkByName,
  networksQuery,
  orgByName,
  orgsQuery,
  peersQuery,
  toApp,
  toNetwork,
} from './queries.ts';
import { revisioned, type StoreContext, type WriteTx } from './write.ts';

export const DEFAULT_NETWORK = 'default';

export async function createOrg(ctx: StoreContext, name: string): Promise<Org> {
  checkLabel('name', name);
  try {
    return await revisioned(ctx, async (w) => {
      if (await idOf(w.trx, 'orgs', name)) throw alreadyExists('org', name);
      const org: Org = { id: newId('org', ctx.random), name, created_at: w.at };
      await w.trx.insertInto('orgs').values(org).execute();
      await w.record('put', 'org', org, org.name);
      await insertNetwork(ctx, w, org, DEFAULT_NETWORK);
      return org;
    });
  } catch (e) {
    throw conflictAs(e, () => alreadyExists('org', name));
  }
}

async function insertNetwork(ctx: StoreContext, w: WriteTx, org: Org, name: string): Promise<Network> {
  const num = await w.nextNumber('network');
  const row = { id: newId('network', ctx.random), org_id: org.id, name, num, created_at: w.at };
  await w.trx.insertInto('networks').values(row).execute();
  const net = toNetwork(ctx.plan, { ...row, org: org.name });
  await w.record('put', 'network', net, org.name);
  return net;
}

export async function listOrgs(ctx: StoreContext, org?: string): Promise<Org[]> {
  let q = orgsQuery(ctx.db);
  if (org !== undefined) q = q.where('o.name', '=', org);
  return (await q.execute()).sort(byKey((o) => o.name));
}

export async function deleteOrg(ctx: StoreContext, name: string): Promise<void> {
  await revisioned(ctx, async (w) => {
    const org = await orgByName(w.trx, name);
    const instances = await instancesQuery(w.trx).where('o.name', '=', name).execute();
    const peers = await peersQuery(w.trx).where('o.name', '=', name).execute();
    const apps = await appsQuery(w.trx).where('o.name', '=', name).execute();
    const networks = await networksQuery(w.trx).where('o.name', '=', name).execute();
    const peerIds = peers.map((p) => p.id);
    if (peerIds.length > 0) await w.trx.deleteFrom('peer_status').where('peer_id', 'in', peerIds).execute();
    await w.trx.deleteFrom('instances').where('org_id', '=', org.id).execute();
    await w.trx.deleteFrom('peers').where('org_id', '=', org.id).execute();
    await w.trx.deleteFrom('apps').where('org_id', '=', org.id).execute();
    await w.trx.deleteFrom('tokens').where('org_id', '=', org.id).execute();
    await w.trx.deleteFrom('networks').where('org_id', '=', org.id).execute();
    await w.trx.deleteFrom('orgs').where('id', '=', org.id).execute();
    // Children first, so a watcher applying the entries in order never holds an orphan.
    for (const i of instances.sort(byKey((i) => i.id))) await w.record('delete', 'instance', i, name);
    for (const p of peers.sort(byKey((p) => p.name))) await w.record('delete', 'peer', p, name);
    for (const a of apps.sort(byKey((a) => a.name))) await w.record('delete', 'app', toApp(a), name);
    for (const n of networks.sort(byKey((n) => n.name))) {
      await w.record('delete', 'network', toNetwork(ctx.plan, n), name);
    }
    await w.record('delete', 'org', org, name);
  });
}

export async function createNetwork(ctx: StoreContext, orgName: string, name: string): Promise<Network> {
  checkLabel('name', name);
  try {
    return await revisioned(ctx, async (w) => {
      const org = await orgByName(w.trx, orgName);
      const taken = await w.trx
        .selectFrom('networks')
        .select('id')
        .where('org_id', '=', org.id)
        .where('name', '=', name)
        .executeTakeFirst();
      if (taken) throw alreadyExists('network', `${orgName}/${name}`);
      return insertNetwork(ctx, w, org, name);
    });
  } catch (e) {
    throw conflictAs(e, () => alreadyExists('network', `${orgName}/${name}`));
  }
}

export async function listNetworks(ctx: StoreContext, org?: string): Promise<Network[]> {
  let q = networksQuery(ctx.db);
  if (org !== undefined) {
    await orgByName(ctx.db, org);
    q = q.where('o.name', '=', org);
  }
  const rows = await q.execute();
  return rows.map((r) => toNetwork(ctx.plan, r)).sort(byKey((n) => `${n.org}\0${n.name}`));
}

export function getNetwork(ctx: StoreContext, org: string, name: string): Promise<Network> {
  return networkByName(ctx.db, ctx.plan, org, name);
}

export async function deleteNetwork(ctx: StoreContext, org: string, name: string): Promise<void> {
  await revisioned(ctx, async (w) => {
    const net = await networkByName(w.trx, ctx.plan, org, name);
    if (name === DEFAULT_NETWORK) {
      throw failedPrecondition(
        `network '${org}/${name}' is the org's default network and cannot be deleted; delete the org instead`,
      );
    }
    const apps = await w.trx.selectFrom('apps').select('name').where('network_id', '=', net.id).execute();
    const peers = await w.trx.selectFrom('peers').select('name').where('network_id', '=', net.id).execute();
    const busy = inUse(`network '${org}/${name}'`, {
      apps: apps.map((a) => a.name).sort(),
      peers: peers.map((p) => p.name).sort(),
    });
    if (busy) throw busy;
    // Peer tokens limited to this network die with it, so a later network of the same name starts clean.
    const orgRow = await orgByName(w.trx, org);
    await w.trx.deleteFrom('tokens').where('org_id', '=', orgRow.id).where('network', '=', name).execute();
    await w.trx.deleteFrom('networks').where('id', '=', net.id).execute();
    await w.record('delete', 'network', net, org);
  });
}
