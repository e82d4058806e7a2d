// Apps: one org, one network (fixed at creation). Deleting an app deletes its instances, one change each.

import { alreadyExists } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { App } from '../../core/model.ts';
import { checkAppName, checkLabel } from '../../core/names.ts';
import { checksChanged } from './checks.ts';
import { conflictAs } from './db-errors.ts';
import { DEFAULT_NETWORK } from './orgs.ts';
import { appByName, appsQuery, byKey, instancesQuery, networkByName, orgByName, toApp } from './queries.ts';
import type { CreateApp, UpdateApp } from './store.ts';
import { revisioned, type StoreContext } from './write.ts';

export async function createApp(ctx: StoreContext, a: CreateApp): Promise<App> {
  checkAppName('name', a.name);
  const network = checkLabel('network', a.network ?? DEFAULT_NETWORK);
  const what = `${a.org}/${a.name}`;
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
      const app: App = {
        id: newId('app', ctx.random),
        org: org.name,
        network: net.name,
        network_num: net.num,
        name: a.name,
        private_network: a.private_network === true,
        checks: a.checks ?? [],
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
 * Changes what `u` names (absent fields stay). New checks apply to the running instances at once: statuses of
 * removed checks are dropped and verdicts follow. Setting what the app already has commits nothing.
 */
export async function updateApp(ctx: StoreContext, org: string, name: string, u: UpdateApp): Promise<App> {
  return revisioned(ctx, async (w) => {
    const { org_id: _o, network_id: _n, ...app } = await appByName(w.trx, org, name);
    const checks = u.checks ?? app.checks ?? [];
    if (JSON.stringify(checks) === JSON.stringify(app.checks ?? [])) return app;
    const updated: App = { ...app, checks };
    await w.trx
      .updateTable('apps')
      .set({ checks: JSON.stringify(checks) })
      .where('id', '=', app.id)
      .execute();
    await w.record('put', 'app', updated, org);
    await checksChanged(w, app.id, checks);
    return updated;
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
