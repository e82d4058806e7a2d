// Routes for host grants: which orgs or networks a host may create and remove instances for on itself (what its
// agent does for `sixpn run` and the CNI plugin). Admins grant; a host reads its own.

import { z } from 'zod';
import { HostGrant } from '../../core/model.ts';
import { forbidden } from '../auth.ts';
import { ADMIN, type RouteSpec, route } from './route.ts';
import { GrantBody, GrantParam, GrantQuery, NameParam } from './schemas.ts';

export const grantRoutes: RouteSpec[] = [
  route({
    method: 'get',
    path: '/v1/hosts/:name/grants',
    summary: 'List what a host may place on itself (a host token: only its own)',
    tag: 'hosts',
    allow: ['admin', 'host'],
    params: NameParam,
    response: z.object({ items: z.array(HostGrant) }),
    handle: async ({ principal, params, deps }) => {
      if (principal.kind === 'host' && principal.host !== params.name) throw forbidden(principal);
      return { items: await deps.store.listHostGrants(params.name) };
    },
  }),
  route({
    method: 'post',
    path: '/v1/hosts/:name/grants',
    summary: "Let a host create and remove instances of an org's apps (of one network, or all) on itself",
    tag: 'hosts',
    allow: ADMIN,
    params: NameParam,
    body: GrantBody,
    response: HostGrant,
    status: 201,
    handle: ({ params, body, deps }) => deps.store.allowHost(params.name, body.org, body.network),
  }),
  route({
    method: 'delete',
    path: '/v1/hosts/:name/grants/:org',
    summary: 'Take a grant back (`?network=` for a one-network grant); instances already placed stay',
    tag: 'hosts',
    allow: ADMIN,
    params: GrantParam,
    query: GrantQuery,
    status: 204,
    handle: async ({ params, query, deps }) => {
      await deps.store.disallowHost(params.name, params.org, query.network);
    },
  }),
];
