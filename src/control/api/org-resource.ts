// The routes of a resource that lives in an organization (`/v1/orgs/:org/<plural>[/:key]`): create, list, show
// and delete share their path, tag, schemas and the check that the caller may act in that org, so each resource
// declares only what differs (summary, body, who may call, the store call).

import { z } from 'zod';
import type { TokenKind } from '../../core/model.ts';
import { checkOrgAccess, type Principal } from '../auth.ts';
import { type Deps, ORG_USERS, type RouteSpec, route } from './route.ts';
import { OrgParam } from './schemas.ts';

/** What a handler of an org-scoped route gets: the org (access already checked) and the rest of the call. */
interface OrgCall<B = undefined, Q = Record<string, never>> {
  principal: Principal;
  org: string;
  /** The `:key` path parameter (show and delete only). */
  key: string;
  body: B;
  query: Q;
  deps: Deps;
}

interface Common {
  summary: string;
  /** Token kinds that may call the route; default admin and org tokens. */
  allow?: readonly TokenKind[];
}

interface OrgResource {
  /** POST /v1/orgs/:org/<plural> → 201 with the created item. */
  create<B>(
    o: Common & {
      body: z.core.$ZodType<B>;
      response?: z.core.$ZodType;
      handle(c: OrgCall<B>): Promise<unknown>;
    },
  ): RouteSpec;
  /** GET /v1/orgs/:org/<plural> → `{ items }`; a missing org is 404 even when it would have none. */
  list<Q = Record<string, never>>(
    o: Common & { query?: z.core.$ZodType<Q>; items(c: OrgCall<undefined, Q>): Promise<unknown[]> },
  ): RouteSpec;
  /** GET /v1/orgs/:org/<plural>/:key → the item. */
  show(o: Common & { handle(c: OrgCall): Promise<unknown> }): RouteSpec;
  /** DELETE /v1/orgs/:org/<plural>/:key → 204. */
  remove(o: Common & { handle(c: OrgCall): Promise<unknown> }): RouteSpec;
}

/**
 * Route builders for `/v1/orgs/:org/<plural>`, whose items are `item` and named by the path parameter `key`
 * (`app`, `name`); every route checks that the caller may act in `:org` before its handler runs.
 */
export function orgResource(plural: string, key: string, item: z.core.$ZodType, tag = plural): OrgResource {
  const base = `/v1/orgs/:org/${plural}`;
  const one = `${base}/:${key}`;
  const KeyParam = z.object({ org: z.string(), [key]: z.string() });
  const call = <B, Q>(
    principal: Principal,
    params: Record<string, string>,
    deps: Deps,
    body: B,
    query: Q,
  ): OrgCall<B, Q> => {
    const org = params.org ?? '';
    checkOrgAccess(principal, org);
    return { principal, org, key: params[key] ?? '', body, query, deps };
  };
  return {
    create: (o) =>
      route({
        method: 'post',
        path: base,
        summary: o.summary,
        tag,
        allow: o.allow ?? ORG_USERS,
        params: OrgParam,
        body: o.body,
        response: o.response ?? item,
        status: 201,
        handle: ({ principal, params, body, deps }) => o.handle(call(principal, params, deps, body, {})),
      }),
    list: <Q>(
      o: Common & { query?: z.core.$ZodType<Q>; items(c: OrgCall<undefined, Q>): Promise<unknown[]> },
    ) =>
      route({
        method: 'get',
        path: base,
        summary: o.summary,
        tag,
        allow: o.allow ?? ORG_USERS,
        params: OrgParam,
        ...(o.query ? { query: o.query } : {}),
        response: z.object({ items: z.array(item) }),
        handle: async ({ principal, params, query, deps }) => {
          const c = call(principal, params, deps, undefined, query as Q);
          await deps.store.getOrg(c.org);
          return { items: await o.items(c) };
        },
      }),
    show: (o) =>
      route({
        method: 'get',
        path: one,
        summary: o.summary,
        tag,
        allow: o.allow ?? ORG_USERS,
        params: KeyParam,
        response: item,
        handle: ({ principal, params, deps }) => o.handle(call(principal, params, deps, undefined, {})),
      }),
    remove: (o) =>
      route({
        method: 'delete',
        path: one,
        summary: o.summary,
        tag,
        allow: o.allow ?? ORG_USERS,
        params: KeyParam,
        status: 204,
        handle: async ({ principal, params, deps }) => {
          await o.handle(call(principal, params, deps, undefined, {}));
        },
      }),
  };
}
