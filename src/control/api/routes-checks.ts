// Routes for health checks: a host agent reports its instances' transitions; people list the last status of
// each check, failing first.

import { z } from 'zod';
import { isSixpnError } from '../../core/errors.ts';
import { CheckStatus } from '../../core/model.ts';
import { forbidden, orgFilter } from '../auth.ts';
import { ORG_USERS, type RouteSpec, route } from './route.ts';
import { CheckQuery, CheckReportBody, NameParam } from './schemas.ts';

export const checkRoutes: RouteSpec[] = [
  route({
    method: 'put',
    path: '/v1/hosts/:name/checks',
    summary:
      "Report transitions of the host's instances' checks (passing ↔ critical); another host's instance is a 404",
    tag: 'checks',
    allow: ['admin', 'host'],
    params: NameParam,
    body: CheckReportBody,
    status: 204,
    handle: async ({ principal, params, body, deps }) => {
      if (principal.kind === 'host' && principal.host !== params.name) throw forbidden(principal);
      try {
        await deps.store.reportChecks(params.name, body.items);
      } catch (e) {
        if (isSixpnError(e) && e.code === 'not_found') {
          deps.metrics?.foreignCheckReports.inc();
          deps.logger.warn(
            { host: params.name, caller: `${principal.kind} ${principal.name}`, err: e.message },
            'check report refused',
          );
        }
        throw e;
      }
    },
  }),
  route({
    method: 'get',
    path: '/v1/checks',
    summary: "The last status of each instance's checks, failing first (an org token sees only its own)",
    tag: 'checks',
    allow: ORG_USERS,
    query: CheckQuery,
    response: z.object({ items: z.array(CheckStatus) }),
    handle: async ({ principal, query, deps }) => {
      // An org token sees its own org only: the filter keeps every other org's instances out.
      const org = orgFilter(principal, query.org);
      return { items: await deps.store.listCheckStatus({ ...query, ...(org === undefined ? {} : { org }) }) };
    },
  }),
];
