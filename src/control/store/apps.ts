// Apps: one org, one network (fixed at creation). Deleting an app deletes its instances, one change each.

import { asNetworkId, asServiceNum, formatIPv6, serviceAddress } from '../../core/address.ts';
import { alreadyExists, invalid, SixpnError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { App } from '../../core/model.ts';
import { checkAppName, checkLabel } from '../../core/names.ts';
import { checksChanged } from './checks.ts';
import { conflictAs } from './db-errors.ts';
import { DEFAULT_NETWORK } from './orgs.ts';
import { appByName, appsQuery, byKey, instancesQuery, networkByName, orgByName, toApp } from './queries.ts';
import type { CreateApp, UpdateApp } from './store.ts';
import { revisioned, type StoreContext, type WriteTx } from './write.ts';

/** A service address needs private networking: the message names the field and what to do. */
function checkServiceAddress(want: boolean | undefined, privateNetwork: boolean, app: string): void {
  if (want === true && !privateNetwork) {
    throw invalid(
      `service_address: app ${app} has no private networking; create it with private_network = true to give it a service address`,
      { field: 'service_address' },
    );
  }
}

/** The next service number of the network (its counter only grows: never reused) and the address it makes. */
async function allocateService(
  ctx: StoreContext,
  w: WriteTx,
  networkId: string,
  networkNum: number,
): Promise<{ num: number; address: string }> {
  const row = await w.trx
    .updateTable('networks')
    .set((eb) => ({ service_seq: eb('service_seq', '+', 1) }))
    .where('id', '=', networkId)
    .returning('service_seq')
    .executeTakeFirstOrThrow();
  const n = Number(row.service_seq);
  if (n > 0xffff_ffff) {
    throw new SixpnError(
      'resource_exhausted',
      'all service numbers of this network have been used; numbers are never reused: use another network',
    );
  }
  const address = serviceAddress(ctx.plan, asNetworkId(networkNum), asServiceNum(n));
  return { num: n, address: formatIPv6(address) };
}

export async function createApp(ctx: StoreContext, a: CreateApp): Promise<App> {
  checkAppName('name', a.name);
  const network = checkLabel('network', a.network ?? DEFAULT_NETWORK);
  const what = `${a.org}/${a.name}`;
  checkServiceAddress(a.service_address, a.private_network === true, a.name);
  try {
    return await revisioned(ctx, async (w) => {
      const org = await orgByName(w.trx, a.org);
      const net = await networkByName(w.trx, ctx.plan, a.org, network);
      const taken = await w.trx
        .selectFrom('apps')
        .select('id')
        .where('org_id', '=', org.id)
        .where('name', '=', a.name)
        .executeTakeFirst();
      if (taken) throw alreadyExists('app', what);
      const svc = a.service_address ? await allocateService(ctx, w, net.id, net.num) : undefined;
      const app: App = {
        id: newId('app', ctx.random),
        org: org.name,
        network: net.name,
        network_num: net.num,
        name: a.name,
        private_network: a.private_network === true,
        checks: a.checks ?? [],
        service_address: svc?.address ?? null,
        created_at: w.at,
      };
      await w.trx
        .insertInto('apps')
        .values({
          id: app.id,
          org_id: org.id,
          network_id: net.id,
          name: app.name,
          private_network: app.private_network ? 1 : 0,
          checks: JSON.stringify(app.checks),
          service_num: svc?.num ?? null,
          service_address: svc?.address ?? null,
          created_at: app.created_at,
        })
        .execute();
      await w.record('put', 'app', app, org.name);
      return app;
    });
  } catch (e) {
    throw conflictAs(e, () => alreadyExists('app', what));
  }
}

/**
/**
 * Changes what `u` names (absent fields stay). New checks apply to the running instances at once: statuses of
 * removed checks are dropped and verdicts follow. `service_address: true` gives the app a new service address when
 * it has none (a number never used in its network); `false` takes it away (the number stays used). Asking for what
 * the app already has commits nothing.
 */
export async function updateApp(ctx: StoreContext, org: string, name: string, u: UpdateApp): Promise<App> {
  return revisioned(ctx, async (w) => {
    const { org_id: _o, network_id, ...app } = await appByName(w.trx, org, name);
    checkServiceAddress(u.service_address, app.private_network, app.name);
    const checks = u.checks ?? app.checks ?? [];
    const checksChange = JSON.stringify(checks) !== JSON.stringify(app.checks ?? []);
    const svcChange = u.service_address !== undefined && u.service_address !== (app.service_address !== null);
    if (!checksChange && !svcChange) return app;
    let next: App = { ...app, checks };
    if (checksChange) {
      await w.trx
        .updateTable('apps')
        .set({ checks: JSON.stringify(checks) })
        .where('id', '=', app.id)
        .execute();
    }
    if (svcChange) {
      const svc = u.service_address ? await allocateService(ctx, w, network_id, app.network_num) : undefined;
      await w.trx
        .updateTable('apps')
        .set({ service_num: svc?.num ?? null, service_address: svc?.address ?? null })
        .where('id', '=', app.id)
        .execute();
      next = { ...next, service_address: svc?.address ?? null };
    }
    await w.record('put', 'app', next, org);
    if (checksChange) await checksChanged(w, app.id, checks);
    return next;
  });
}

export async function listApps(ctx: StoreContext, org?: string): Promise<App[]> {
  let q = appsQuery(ctx.db);
  if (org !== undefined) {
    await orgByName(ctx.db, org);
    q = q.where('o.name', '=', org);
  }
  return (await q.execute()).map(toApp).sort(byKey((a) => `${a.org}\0${a.name}`));
}

export async function getApp(ctx: StoreContext, org: string, name: string): Promise<App> {
  const { org_id: _o, network_id: _n, ...app } = await appByName(ctx.db, org, name);
  return app;
}

export async function deleteApp(ctx: StoreContext, org: string, name: string): Promise<void> {
  await revisioned(ctx, async (w) => {
    const { org_id: _o, network_id: _n, ...app } = await appByName(w.trx, org, name);
    const instances = await instancesQuery(w.trx).where('i.app_id', '=', app.id).execute();
    await w.trx.deleteFrom('instances').where('app_id', '=', app.id).execute();
    await w.trx.deleteFrom('apps').where('id', '=', app.id).execute();
    for (const i of instances.sort(byKey((i) => i.id))) await w.record('delete', 'instance', i, org);
    await w.record('delete', 'app', app, org);
  });
}
