// The table columns of each kind of object, shared by the command groups (the API's field names are the JSON).

import type { App, CheckStatus, Host, Instance, Network, Org, Region, Token } from '../../core/model.ts';
import type { Column } from '../output.ts';

export const orgColumns: Column<Org>[] = [
  { header: 'NAME', get: (o) => o.name },
  { header: 'CREATED', get: (o) => o.created_at },
];

export const networkColumns: Column<Network>[] = [
  { header: 'NAME', get: (n) => n.name },
  { header: 'ORG', get: (n) => n.org },
  { header: 'PREFIX', get: (n) => n.prefix },
  { header: 'DNS', get: (n) => n.dns },
];

export const regionColumns: Column<Region>[] = [
  { header: 'CODE', get: (r) => r.code },
  { header: 'NAME', get: (r) => r.name },
  { header: 'LAT', get: (r) => r.lat },
  { header: 'LON', get: (r) => r.lon },
];

export const hostColumns: Column<Host>[] = [
  { header: 'NAME', get: (h) => h.name },
  { header: 'REGION', get: (h) => h.region },
  { header: 'ID', get: (h) => h.num },
  { header: 'ENDPOINT', get: (h) => h.endpoint },
  { header: 'REGISTERED', get: (h) => h.registered_at },
];

export const gatewayColumns: Column<Host>[] = [
  ...hostColumns.slice(0, 3),
  { header: 'PEER ENDPOINT', get: (h) => h.peer_endpoint },
  { header: 'REGISTERED', get: (h) => h.registered_at },
];

export const appColumns: Column<App>[] = [
  { header: 'NAME', get: (a) => a.name },
  { header: 'ORG', get: (a) => a.org },
  { header: 'NETWORK', get: (a) => a.network },
  { header: 'PRIVATE NETWORK', get: (a) => a.private_network },
  { header: 'SERVICE ADDRESS', get: (a) => a.service_address },
];

export const instanceColumns: Column<Instance>[] = [
  { header: 'ID', get: (i) => i.id },
  { header: 'APP', get: (i) => i.app },
  { header: 'ORG', get: (i) => i.org },
  { header: 'REGION', get: (i) => i.region },
  { header: 'HOST', get: (i) => i.host },
  { header: 'STATE', get: (i) => i.state },
  { header: 'ADDRESS', get: (i) => i.address },
];

/** An instance's CHECKS: `-` when its app has none, else its verdict (`pending` until every check spoke). */
function checksCell(i: Instance, appHasChecks: boolean | undefined): string {
  if (appHasChecks === false) return '-';
  return i.health ?? (appHasChecks ? 'pending' : '-');
}

/** Instance columns with CHECKS, given which apps (`org\0app`) have checks. */
export function instanceColumnsWithChecks(checked: ReadonlyMap<string, boolean>): Column<Instance>[] {
  return [
    ...instanceColumns,
    { header: 'CHECKS', get: (i) => checksCell(i, checked.get(`${i.org}\0${i.app}`)) },
  ];
}

export const checkStatusColumns: Column<CheckStatus>[] = [
  { header: 'STATUS', get: (c) => c.status },
  { header: 'APP', get: (c) => c.app },
  { header: 'INSTANCE', get: (c) => c.instance },
  { header: 'CHECK', get: (c) => c.check },
  { header: 'REGION', get: (c) => c.region },
  { header: 'HOST', get: (c) => c.host },
  { header: 'SINCE', get: (c) => c.since },
  { header: 'OUTPUT', get: (c) => c.output },
];

export const tokenColumns: Column<Token>[] = [
  { header: 'ID', get: (t) => t.id },
  { header: 'KIND', get: (t) => t.kind },
  { header: 'NAME', get: (t) => t.name },
  { header: 'ORG', get: (t) => t.org },
  { header: 'NETWORK', get: (t) => t.network },
  { header: 'EXPIRES', get: (t) => t.expires_at },
];
