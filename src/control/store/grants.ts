// Host grants: the orgs (all their networks) or single networks whose instances a host may create and remove on
// itself with its own token (the agent's local socket, `sixpn run`, the CNI plugin). Not watched state: no revision.

import { invalid } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { HostGrant } from '../../core/model.ts';
import { byKey, hostByName, networkByName, orgByName } from './queries.ts';
import type { Db } from './schema.ts';
import { locked, type StoreContext } from './write.ts';

function grantsQuery(db: Db) {
  return db
    .selectFrom('host_grants as g')
    .innerJoin('hosts as h', 'h.id', 'g.host_id')
    .innerJoin('orgs as o', 'o.id', 'g.org_id')
    .leftJoin('networks as n', 'n.id', 'g.network_id')
    .select(['h.name as host', 'o.name as org', 'n.name as network', 'g.created_at', 'g.id']);
}

async function refs(ctx: StoreContext, db: Db, host: string, org: string, network: string | undefined) {
  const h = await hostByName(db, host);
  if (h.role !== 'host')
    throw invalid(`'${host}' is a ${h.role}; only hosts run instances`, { field: 'host' });
  const o = await orgByName(db, org);
  const n = network === undefined ? undefined : await networkByName(db, ctx.plan, org, network);
  return { host_id: h.id, org_id: o.id, network_id: n?.id ?? null };
}

/** Lets `host` place instances of `org` (of one `network`, or of all). Idempotent: an existing grant is returned. */
export async function allowHost(
  ctx: StoreContext,
  host: string,
  org: string,
  network?: string,
): Promise<HostGrant> {
  return locked(ctx, async (trx, at) => {
    const r = await refs(ctx, trx, host, org, network);
    const same = await grantsQuery(trx)
      .where('g.host_id', '=', r.host_id)
      .where('g.org_id', '=', r.org_id)
      .where((eb) =>
        r.network_id === null ? eb('g.network_id', 'is', null) : eb('g.network_id', '=', r.network_id),
      )
      .executeTakeFirst();
    if (same) return toGrant(same);
    await trx
      .insertInto('host_grants')
      .values({ id: newId('grant', ctx.random), ...r, created_at: at })
      .execute();
    return { host, org, network: network ?? null, created_at: at };
  });
}

/** Removes the grant of exactly `org`/`network` (absent: the org-wide one); idempotent. */
export async function disallowHost(
  ctx: StoreContext,
  host: string,
  org: string,
  network?: string,
): Promise<void> {
  await locked(ctx, async (trx) => {
    const r = await refs(ctx, trx, host, org, network);
    await trx
      .deleteFrom('host_grants')
      .where('host_id', '=', r.host_id)
      .where('org_id', '=', r.org_id)
      .where((eb) =>
        r.network_id === null ? eb('network_id', 'is', null) : eb('network_id', '=', r.network_id),
      )
      .execute();
  });
}

function toGrant(r: { host: string; org: string; network: string | null; created_at: string }): HostGrant {
  return { host: r.host, org: r.org, network: r.network, created_at: r.created_at };
}

export async function listHostGrants(ctx: StoreContext, host?: string): Promise<HostGrant[]> {
  let q = grantsQuery(ctx.db);
  if (host !== undefined) {
    await hostByName(ctx.db, host);
    q = q.where('h.name', '=', host);
  }
  return (await q.execute()).map(toGrant).sort(byKey((g) => `${g.host}\0${g.org}\0${g.network ?? ''}`));
}

/** True when `host` may place instances of `org`'s network `network` on itself. */
export async function hostMayPlace(
  ctx: StoreContext,
  host: string,
  org: string,
  network: string,
): Promise<boolean> {
  const row = await grantsQuery(ctx.db)
    .where('h.name', '=', host)
    .where('o.name', '=', org)
    .where((eb) => eb.or([eb('g.network_id', 'is', null), eb('n.name', '=', network)]))
    .executeTakeFirst();
  return row !== undefined;
}
