// Routes for the fleet itself: regions, hosts and gateways, and what agents and gateways report.

import { z } from 'zod';
import { SixpnError } from '../../core/errors.ts';
import { Host, type HostRole, Region } from '../../core/model.ts';
import { forbidden, hashSecret, newSecret, type Principal } from '../auth.ts';
import { ADMIN, ALL_KINDS, type Deps, type RouteSpec, route } from './route.ts';
import {
  CodeParam,
  GatewayRegistration,
  HostBody,
  HostRegistration,
  NameParam,
  PeerStatusBody,
  RegionBody,
} from './schemas.ts';

const NOT_PEER = ALL_KINDS.filter((k) => k !== 'peer');

const list = <T extends z.core.SomeType>(t: T) => z.object({ items: z.array(t) });

/** A host or gateway token may act only on itself. */
export function checkSelf(p: Principal, role: HostRole, name: string): void {
  if (p.kind === 'admin') return;
  if (p.kind === role && p.host === name) return;
  throw forbidden(p);
}

export async function getRole(deps: Deps, role: HostRole, name: string) {
  const h = await deps.store.getHost(name);
  if (h.role !== role)
    throw new SixpnError('not_found', `${role} '${name}' not found`, { details: { kind: role, name } });
  return h;
}

function hostRoutes(role: HostRole): RouteSpec[] {
  const base = role === 'host' ? '/v1/hosts' : '/v1/gateways';
  const tag = role === 'host' ? 'hosts' : 'gateways';
  // Peer-only tokens (CI jobs) may read gateways, to choose a region, and nothing else of the fleet.
  const readers = role === 'host' ? NOT_PEER : ALL_KINDS;
  const created =
    role === 'host'
      ? z.object({ host: Host, token: z.string() })
      : z.object({ gateway: Host, token: z.string() });
  return [
    route({
      method: 'post',
      path: base,
      summary: `Register a ${role} and issue its token (shown once)`,
      tag,
      allow: ADMIN,
      body: HostBody,
      response: created,
      status: 201,
      secretAnswer: true,
      handle: async ({ body, deps }) => {
        const h = await deps.store.createHost({ name: body.name, region: body.region, role });
        const secret = newSecret();
        await deps.store.createToken(
          { kind: role, name: `${role} ${h.name}`, host: h.name },
          hashSecret(secret),
        );
        return role === 'host' ? { host: h, token: secret } : { gateway: h, token: secret };
      },
    }),
    route({
      method: 'get',
      path: base,
      summary: `List ${tag}`,
      tag,
      allow: readers,
      response: list(Host),
      handle: async ({ deps }) => ({ items: await deps.store.listHosts(role) }),
    }),
    route({
      method: 'get',
      path: `${base}/:name`,
      summary: `Show a ${role}`,
      tag,
      allow: readers,
      params: NameParam,
      response: Host,
      handle: ({ params, deps }) => getRole(deps, role, params.name),
    }),
    route({
      method: 'delete',
      path: `${base}/:name`,
      summary: `Delete a ${role} that has nothing on it`,
      tag,
      allow: ADMIN,
      params: NameParam,
      status: 204,
      handle: async ({ params, deps }) => {
        await getRole(deps, role, params.name);
        await deps.store.deleteHost(params.name);
        for (const t of await deps.store.listTokens({ kind: role })) {
          if (t.host === params.name) await deps.store.deleteToken(t.id);
        }
      },
    }),
    route({
      method: 'put',
      path: `${base}/:name/registration`,
      summary:
        role === 'host'
          ? "Record a host agent's mesh key and underlay endpoint"
          : "Record a gateway's mesh and peer keys and endpoints",
      tag,
      allow: ['admin', role],
      params: NameParam,
      body: role === 'host' ? HostRegistration : GatewayRegistration,
      response: Host,
      handle: async ({ principal, params, body, deps }) => {
        checkSelf(principal, role, params.name);
        await getRole(deps, role, params.name);
        return deps.store.registerHost(params.name, body);
      },
    }),
  ];
}

export const fleetRoutes: RouteSpec[] = [
  route({
    method: 'post',
    path: '/v1/regions',
    summary: 'Create a region',
    tag: 'regions',
    allow: ADMIN,
    body: RegionBody,
    response: Region,
    status: 201,
    handle: ({ body, deps }) => deps.store.createRegion(body),
  }),
  route({
    method: 'get',
    path: '/v1/regions',
    summary: 'List regions',
    tag: 'regions',
    allow: ALL_KINDS,
    response: list(Region),
    handle: async ({ deps }) => ({ items: await deps.store.listRegions() }),
  }),
  route({
    method: 'get',
    path: '/v1/regions/:code',
    summary: 'Show a region',
    tag: 'regions',
    allow: ALL_KINDS,
    params: CodeParam,
    response: Region,
    handle: ({ params, deps }) => deps.store.getRegion(params.code),
  }),
  route({
    method: 'delete',
    path: '/v1/regions/:code',
    summary: 'Delete a region without hosts',
    tag: 'regions',
    allow: ADMIN,
    params: CodeParam,
    status: 204,
    handle: ({ params, deps }) => deps.store.deleteRegion(params.code),
  }),
  ...hostRoutes('host'),
  ...hostRoutes('gateway'),
  route({
    method: 'put',
    path: '/v1/gateways/:name/peer-status',
    summary: "Report the gateway's peers' handshakes and traffic",
    tag: 'gateways',
    allow: ['admin', 'gateway'],
    params: NameParam,
    body: PeerStatusBody,
    status: 204,
    handle: async ({ principal, params, body, deps }) => {
      checkSelf(principal, 'gateway', params.name);
      await getRole(deps, 'gateway', params.name);
      await deps.store.reportPeerStatus(params.name, body.items);
    },
  }),
];
