// Routes for apps and their instances.

import { z } from 'zod';
import { parseChecks } from '../../core/checks.ts';
import { invalid } from '../../core/errors.ts';
import { App, Instance } from '../../core/model.ts';
import { checkOrgAccess, orgFilter, type Principal } from '../auth.ts';
import type { CreateInstance } from '../store/store.ts';
import { checkHostInstance, hostPlacement } from './host-placement.ts';
import { orgResource } from './org-resource.ts';
import { type Deps, ORG_USERS, type RouteSpec, route } from './route.ts';
import { AppBody, AppParam, AppUpdateBody, IdParam, InstanceBody, InstanceQuery } from './schemas.ts';

const list = <T extends z.core.SomeType>(t: T) => z.object({ items: z.array(t) });

/**
 * Loads an instance the caller may see; another org's instance is simply not found. A host token sees and
 * changes only instances on itself, of orgs or networks it is granted.
 */
async function visibleInstance(p: Principal, deps: Deps, id: string) {
  const inst = await deps.store.getInstance(id);
  if (p.kind === 'host') await checkHostInstance(p, deps, inst);
  else checkOrgAccess(p, inst.org, 'instance', id);
  return inst;
}

/** The instance an admin or org token asks for: in its org, in the region the body names. */
function userInstance(
  p: Principal,
  params: { org: string; app: string },
  body: z.infer<typeof InstanceBody>,
): CreateInstance {
  checkOrgAccess(p, params.org);
  if (body.region === undefined) throw invalid('region is required', { field: 'region' });
  return { org: params.org, app: params.app, ...body, region: body.region };
}

/** Who may read and change one instance: users of its org, and its own host when granted. */
const INSTANCE_USERS = [...ORG_USERS, 'host'] as const;

function stateRoute(state: 'started' | 'stopped'): RouteSpec {
  const verb = state === 'started' ? 'start' : 'stop';
  return route({
    method: 'post',
    path: `/v1/instances/:id/${verb}`,
    summary: `${verb === 'start' ? 'Start' : 'Stop'} an instance (idempotent)`,
    tag: 'instances',
    allow: INSTANCE_USERS,
    params: IdParam,
    response: Instance,
    handle: async ({ principal, params, deps }) => {
      await visibleInstance(principal, deps, params.id);
      return deps.store.setInstanceState(params.id, state);
    },
  });
}

const apps = orgResource('apps', 'app', App);

export const appRoutes: RouteSpec[] = [
  apps.create({
    summary: 'Create an app in a network of the organization (fixed for its life)',
    body: AppBody,
    handle: ({ org, body, deps }) =>
      deps.store.createApp({
        org,
        name: body.name,
        network: body.network ?? 'default',
        private_network: body.private_network ?? false,
        ...(body.checks ? { checks: parseChecks(body.checks) } : {}),
        ...(body.service_address === undefined ? {} : { service_address: body.service_address }),
      }),
  }),
  route({
    method: 'patch',
    path: '/v1/orgs/:org/apps/:app',
    summary:
      "Change an app's settings (absent fields stay): checks apply to its running instances; service address",
    tag: 'apps',
    allow: ORG_USERS,
    params: AppParam,
    body: AppUpdateBody,
    response: App,
    handle: ({ principal, params, body, deps }) => {
      checkOrgAccess(principal, params.org);
      return deps.store.updateApp(params.org, params.app, {
        ...(body.checks ? { checks: parseChecks(body.checks) } : {}),
        ...(body.service_address === undefined ? {} : { service_address: body.service_address }),
      });
    },
  }),
  apps.list({ summary: "List an organization's apps", items: ({ org, deps }) => deps.store.listApps(org) }),
  apps.show({ summary: 'Show an app', handle: ({ org, key, deps }) => deps.store.getApp(org, key) }),
  apps.remove({
    summary: 'Delete an app and its instances',
    handle: ({ org, key, deps }) => deps.store.deleteApp(org, key),
  }),
  route({
    method: 'post',
    path: '/v1/orgs/:org/apps/:app/instances',
    summary:
      'Create an instance on the least-loaded host of a region (a host token: on itself, when granted)',
    tag: 'instances',
    allow: INSTANCE_USERS,
    params: AppParam,
    body: InstanceBody,
    response: Instance,
    status: 201,
    handle: async ({ principal, params, body, deps }) => {
      if (principal.kind === 'host') {
        const placed = await hostPlacement(principal, deps, params, body);
        return deps.store.createInstance({ org: params.org, app: params.app, ...body, ...placed });
      }
      return deps.store.createInstance(userInstance(principal, params, body));
    },
    // A host token's placement reads grants before the create, so a repeat must be answered before them: it
    // takes the general path, whose claim comes first.
    keyed: ({ principal, params, body, deps }) =>
      principal.kind === 'host'
        ? undefined
        : (k) => deps.store.createInstanceKeyed(userInstance(principal, params, body), k),
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
    allow: INSTANCE_USERS,
    params: IdParam,
    response: Instance,
    handle: ({ principal, params, deps }) => visibleInstance(principal, deps, params.id),
  }),
  route({
    method: 'delete',
    path: '/v1/instances/:id',
    summary: 'Delete an instance',
    tag: 'instances',
    allow: INSTANCE_USERS,
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
