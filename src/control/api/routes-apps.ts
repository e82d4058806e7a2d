// Routes for apps and their instances.

import { z } from 'zod';
import { App, Instance } from '../../core/model.ts';
import { checkOrgAccess, orgFilter, type Principal } from '../auth.ts';
import { type Deps, ORG_USERS, type RouteSpec, route } from './route.ts';
import { AppBody, AppParam, IdParam, InstanceBody, InstanceQuery, OrgParam } from './schemas.ts';

const list = <T extends z.ZodType>(t: T) => z.object({ items: z.array(t) });

/** Loads an instance the caller may see; another org's instance is simply not found. */
async function visibleInstance(p: Principal, deps: Deps, id: string) {
  const inst = await deps.store.getInstance(id);
  checkOrgAccess(p, inst.org, 'instance', id);
  return inst;
}

function stateRoute(state: 'started' | 'stopped'): RouteSpec {
  const verb = state === 'started' ? 'start' : 'stop';
  return route({
    method: 'post',
    path: `/v1/instances/:id/${verb}`,
    summary: `${verb === 'start' ? 'Start' : 'Stop'} an instance (idempotent)`,
    tag: 'instances',
    allow: ORG_USERS,
    params: IdParam,
    response: Instance,
    handle: async ({ principal, params, deps }) => {
      await visibleInstance(principal, deps, params.id);
      return deps.store.setInstanceState(params.id, state);
    },
  });
}

export const appRoutes: RouteSpec[] = [
  route({
    method: 'post',
    path: '/v1/orgs/:org/apps',
    summary: 'Create an app in a network of the organization (fixed for its life)',
    tag: 'apps',
    allow: ORG_USERS,
    params: OrgParam,
    body: AppBody,
    response: App,
    status: 201,
    handle: ({ principal, params, body, deps }) => {
      checkOrgAccess(principal, params.org);
      return deps.store.createApp({
        org: params.org,
        name: body.name,
        network: body.network ?? 'default',
        private_network: body.private_network ?? false,
      });
    },
  }),
  route({
    method: 'get',
    path: '/v1/orgs/:org/apps',
    summary: "List an organization's apps",
    tag: 'apps',
    allow: ORG_USERS,
    params: OrgParam,
    response: list(App),
    handle: async ({ principal, params, deps }) => {
      checkOrgAccess(principal, params.org);
      await deps.store.getOrg(params.org);
      return { items: await deps.store.listApps(params.org) };
    },
  }),
  route({
    method: 'get',
    path: '/v1/orgs/:org/apps/:app',
    summary: 'Show an app',
    tag: 'apps',
    allow: ORG_USERS,
    params: AppParam,
    response: App,
    handle: ({ principal, params, deps }) => {
      checkOrgAccess(principal, params.org);
      return deps.store.getApp(params.org, params.app);
    },
  }),
  route({
    method: 'delete',
    path: '/v1/orgs/:org/apps/:app',
    summary: 'Delete an app and its instances',
    tag: 'apps',
    allow: ORG_USERS,
    params: AppParam,
    status: 204,
    handle: ({ principal, params, deps }) => {
      checkOrgAccess(principal, params.org);
      return deps.store.deleteApp(params.org, params.app);
    },
  }),
  route({
    method: 'post',
    path: '/v1/orgs/:org/apps/:app/instances',
    summary: 'Create an instance on the least-loaded host of a region',
    tag: 'instances',
    allow: ORG_USERS,
    params: AppParam,
    body: InstanceBody,
    response: Instance,
    status: 201,
    handle: ({ principal, params, body, deps }) => {
      checkOrgAccess(principal, params.org);
      return deps.store.createInstance({ org: params.org, app: params.app, ...body });
    },
  }),
  route({
    method: 'get',
    path: '/v1/instances',
    summary: 'List instances (an org token sees only its own)',
    tag: 'instances',
    allow: ['admin', 'org', 'host', 'gateway'],
    query: InstanceQuery,
    response: list(Instance),
    handle: async ({ principal, query, deps }) => {
      const org = orgFilter(principal, query.org);
      const filter = { ...query, ...(org === undefined ? {} : { org }) };
      return { items: await deps.store.listInstances(filter) };
    },
  }),
  route({
    method: 'get',
    path: '/v1/instances/:id',
    summary: 'Show an instance',
    tag: 'instances',
    allow: ORG_USERS,
    params: IdParam,
    response: Instance,
    handle: ({ principal, params, deps }) => visibleInstance(principal, deps, params.id),
  }),
  route({
    method: 'delete',
    path: '/v1/instances/:id',
    summary: 'Delete an instance',
    tag: 'instances',
    allow: ORG_USERS,
    params: IdParam,
    status: 204,
    handle: async ({ principal, params, deps }) => {
      await visibleInstance(principal, deps, params.id);
      await deps.store.deleteInstance(params.id);
    },
  }),
  stateRoute('started'),
  stateRoute('stopped'),
];
