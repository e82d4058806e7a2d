// Reads that turn rows into the wire objects of model.ts. Every list and every change entry goes through
// these, so an object looks the same whether it comes from a list, a snapshot or the change log.

import {
  type AddressPlan,
  asNetworkId,
  formatCidr,
  formatIPv6,
  networkDnsAddress,
  networkPrefix,
} from '../../core/address.ts';
import { notFound } from '../../core/errors.ts';
import type { App, Check, Host, Instance, Network, Org, Peer, Region, Token } from '../../core/model.ts';
import type { Db } from './schema.ts';
import type { TokenRecord } from './store.ts';

export const orgsQuery = (db: Db) => db.selectFrom('orgs as o').select(['o.id', 'o.name', 'o.created_at']);

export const networksQuery = (db: Db) =>
  db
    .selectFrom('networks as n')
    .innerJoin('orgs as o', 'o.id', 'n.org_id')
    .select(['n.id', 'o.name as org', 'n.name', 'n.num', 'n.created_at']);

type NetworkRow = { id: string; org: string; name: string; num: number; created_at: string };

export function toNetwork(plan: AddressPlan, r: NetworkRow): Network {
  const net = asNetworkId(Number(r.num));
  return {
    id: r.id,
    org: r.org,
    name: r.name,
    num: net,
    prefix: formatCidr(networkPrefix(plan, net)),
    dns: formatIPv6(networkDnsAddress(plan, net)),
    created_at: r.created_at,
  };
}

export const regionsQuery = (db: Db) =>
  db.selectFrom('regions as r').select(['r.code', 'r.name', 'r.lat', 'r.lon', 'r.created_at']);

export const hostsQuery = (db: Db) =>
  db
    .selectFrom('hosts as h')
    .select([
      'h.id',
      'h.name',
      'h.region',
      'h.role',
      'h.num',
      'h.endpoint',
      'h.mesh_key',
      'h.peer_key',
      'h.peer_endpoint',
      'h.created_at',
      'h.registered_at',
    ]);

export const appsQuery = (db: Db) =>
  db
    .selectFrom('apps as a')
    .innerJoin('orgs as o', 'o.id', 'a.org_id')
    .innerJoin('networks as n', 'n.id', 'a.network_id')
    .select([
      'a.id',
      'o.name as org',
      'n.name as network',
      'n.num as network_num',
      'a.name',
      'a.private_network',
      'a.checks',
      'a.service_address',
      'a.created_at',
      'a.org_id',
      'a.network_id',
    ]);

type AppRow = Omit<App, 'private_network' | 'checks'> & { private_network: number; checks: string };

export function toApp(r: AppRow): App {
  return {
    id: r.id,
    org: r.org,
    network: r.network,
    network_num: Number(r.network_num),
    name: r.name,
    private_network: Number(r.private_network) === 1,
    checks: JSON.parse(r.checks) as Check[],
    service_address: r.service_address ?? null,
    created_at: r.created_at,
  };
}

export const instancesQuery = (db: Db) =>
  db
    .selectFrom('instances as i')
    .innerJoin('apps as a', 'a.id', 'i.app_id')
    .innerJoin('orgs as o', 'o.id', 'i.org_id')
    .innerJoin('networks as n', 'n.id', 'i.network_id')
    .innerJoin('hosts as h', 'h.id', 'i.host_id')
    .select([
      'i.id',
      'a.name as app',
      'o.name as org',
      'n.name as network',
      'n.num as network_num',
      'h.region',
      'h.name as host',
      'h.num as host_num',
      'i.state',
      'i.address',
      'i.health',
      'i.created_at',
      'i.updated_at',
    ]);

export const peersQuery = (db: Db) =>
  db
    .selectFrom('peers as p')
    .innerJoin('orgs as o', 'o.id', 'p.org_id')
    .innerJoin('networks as n', 'n.id', 'p.network_id')
    .innerJoin('hosts as g', 'g.id', 'p.gateway_id')
    .select([
      'p.id',
      'o.name as org',
      'n.name as network',
      'n.num as network_num',
      'p.name',
      'g.region',
      'g.name as gateway',
      'g.num as gateway_num',
      'p.public_key',
      'p.address',
      'p.created_at',
    ]);

export const tokensQuery = (db: Db) =>
  db
    .selectFrom('tokens as t')
    .leftJoin('orgs as o', 'o.id', 't.org_id')
    .select([
      't.id',
      't.kind',
      't.name',
      'o.name as org',
      't.network',
      't.host',
      't.expires_at',
      't.created_at',
      't.hash',
    ]);

/** A token as listed: the hash removed. */
export function toToken(r: TokenRecord): Token {
  const { hash: _hash, ...token } = r;
  return token;
}

// Lookups by name that throw `not_found` naming the thing.

export async function orgByName(db: Db, name: string): Promise<Org> {
  const row = await orgsQuery(db).where('o.name', '=', name).executeTakeFirst();
  if (!row) throw notFound('org', name);
  return row;
}

export async function networkByName(db: Db, plan: AddressPlan, org: string, name: string): Promise<Network> {
  const row = await networksQuery(db).where('o.name', '=', org).where('n.name', '=', name).executeTakeFirst();
  if (!row) throw notFound('network', `${org}/${name}`);
  return toNetwork(plan, row);
}

export async function regionByCode(db: Db, code: string): Promise<Region> {
  const row = await regionsQuery(db).where('r.code', '=', code).executeTakeFirst();
  if (!row) throw notFound('region', code);
  return row;
}

export async function hostByName(db: Db, name: string): Promise<Host> {
  const row = await hostsQuery(db).where('h.name', '=', name).executeTakeFirst();
  if (!row) throw notFound('host', name);
  return row;
}

/** The app and the row ids it refers to. */
export async function appByName(
  db: Db,
  org: string,
  name: string,
): Promise<App & { org_id: string; network_id: string }> {
  const row = await appsQuery(db).where('o.name', '=', org).where('a.name', '=', name).executeTakeFirst();
  if (!row) {
    await orgByName(db, org); // names the org when it is the org that is missing
    throw notFound('app', `${org}/${name}`);
  }
  return { ...toApp(row), org_id: row.org_id, network_id: row.network_id };
}

export async function instanceById(db: Db, id: string): Promise<Instance> {
  const row = await instancesQuery(db).where('i.id', '=', id).executeTakeFirst();
  if (!row) throw notFound('instance', id);
  return row;
}

export async function peerByName(db: Db, org: string, name: string): Promise<Peer> {
  const row = await peersQuery(db)
    .where('o.name', '=', org)
    .where('p.name', '=', name.toLowerCase())
    .executeTakeFirst();
  if (!row) throw notFound('peer', `${org}/${name}`);
  return row;
}

/** Row ids (primary keys) by name, for foreign keys. */
export async function idOf(db: Db, table: 'orgs' | 'hosts', name: string): Promise<string | undefined> {
  const row = await db.selectFrom(table).select('id').where('name', '=', name).executeTakeFirst();
  return row?.id;
}

/** Sorts by a string key in code-unit order, the same on every backend (SQL collations differ). */
export function byKey<T>(key: (t: T) => string): (a: T, b: T) => number {
  return (a, b) => {
    const x = key(a);
    const y = key(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };
}
