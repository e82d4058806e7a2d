// Routes for organizations and their networks.

import { z } from 'zod';
import { Network, Org } from '../../core/model.ts';
import { checkOrgAccess } from '../auth.ts';
import { ADMIN, ORG_USERS, type RouteSpec, route } from './route.ts';
import { NameBody, OrgNameParam, OrgParam } from './schemas.ts';

const list = <T extends z.ZodType>(t: T) => z.object({ items: z.array(t) });

export const orgRoutes: RouteSpec[] = [
  route({
    method: 'post',
    path: '/v1/orgs',
    summary: 'Create an organization (and its default network)',
    tag: 'orgs',
    allow: ADMIN,
    body: NameBody,
    response: Org,
    status: 201,
    handle: ({ body, deps }) => deps.store.createOrg(body.name),
  }),
  route({
    method: 'get',
    path: '/v1/orgs',
    summary: 'List organizations',
    tag: 'orgs',
    allow: ORG_USERS,
    response: list(Org),
    handle: async ({ principal, deps }) => {
      const scope = principal.kind === 'admin' ? {} : { org: principal.org ?? '' };
      return { items: await deps.store.listOrgs(scope) };
    },
  }),
  route({
    method: 'get',
    path: '/v1/orgs/:org',
    summary: 'Show an organization',
    tag: 'orgs',
    allow: ORG_USERS,
    params: OrgParam,
    response: Org,
    handle: ({ principal, params, deps }) => {
      checkOrgAccess(principal, params.org);
      return deps.store.getOrg(params.org);
    },
  }),
  route({
    method: 'delete',
    path: '/v1/orgs/:org',
    summary: 'Delete an organization and everything it owns',
    tag: 'orgs',
    allow: ADMIN,
    params: OrgParam,
    status: 204,
    handle: ({ params, deps }) => deps.store.deleteOrg(params.org),
  }),
  route({
    method: 'post',
    path: '/v1/orgs/:org/networks',
    summary: 'Create a network (a /48) in an organization',
    tag: 'networks',
    allow: ORG_USERS,
    params: OrgParam,
    body: NameBody,
    response: Network,
    status: 201,
    handle: ({ principal, params, body, deps }) => {
      checkOrgAccess(principal, params.org);
      return deps.store.createNetwork(params.org, body.name);
    },
  }),
  route({
    method: 'get',
    path: '/v1/orgs/:org/networks',
    summary: "List an organization's networks",
    tag: 'networks',
    allow: ORG_USERS,
    params: OrgParam,
    response: list(Network),
    handle: async ({ principal, params, deps }) => {
      checkOrgAccess(principal, params.org);
      await deps.store.getOrg(params.org);
      return { items: await deps.store.listNetworks(params.org) };
    },
  }),
  route({
    method: 'get',
    path: '/v1/orgs/:org/networks/:name',
    summary: 'Show a network',
    tag: 'networks',
    allow: ORG_USERS,
    params: OrgNameParam,
    response: Network,
    handle: ({ principal, params, deps }) => {
      checkOrgAccess(principal, params.org);
      return deps.store.getNetwork(params.org, params.name);
    },
  }),
  route({
    method: 'delete',
    path: '/v1/orgs/:org/networks/:name',
    summary: 'Delete a network that no app or peer uses',
    tag: 'networks',
    allow: ORG_USERS,
    params: OrgNameParam,
    status: 204,
    handle: ({ principal, params, deps }) => {
      checkOrgAccess(principal, params.org);
      return deps.store.deleteNetwork(params.org, params.name);
    },
  }),
];
