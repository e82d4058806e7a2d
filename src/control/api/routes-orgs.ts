// Routes for organizations and their networks.

import { z } from 'zod';
import { Network, Org } from '../../core/model.ts';
import { checkOrgAccess } from '../auth.ts';
import { orgResource } from './org-resource.ts';
import { ADMIN, ORG_USERS, type RouteSpec, route } from './route.ts';
import { NameBody, OrgParam } from './schemas.ts';

const list = <T extends z.core.SomeType>(t: T) => z.object({ items: z.array(t) });

const networks = orgResource('networks', 'name', Network);

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
  networks.create({
    summary: 'Create a network (a /48) in an organization',
    body: NameBody,
    handle: ({ org, body, deps }) => deps.store.createNetwork(org, body.name),
  }),
  networks.list({
    summary: "List an organization's networks",
    items: ({ org, deps }) => deps.store.listNetworks(org),
  }),
  networks.show({
    summary: 'Show a network',
    handle: ({ org, key, deps }) => deps.store.getNetwork(org, key),
  }),
  networks.remove({
    summary: 'Delete a network that no app or peer uses',
    handle: ({ org, key, deps }) => deps.store.deleteNetwork(org, key),
  }),
];
