// Routes for private-traffic usage: hosts report counter deltas (applied once by host, epoch and seq), and an
// organization's users read its usage per network, app, scope, region pair or peer.

import { z } from 'zod';
import { isSixpnError } from '../../core/errors.ts';
import { DEFAULT_RETENTION, parseUsageQuery, toSeries } from '../../core/usage/query.ts';
import { checkOrgAccess, forbidden } from '../auth.ts';
import { ORG_USERS, type RouteSpec, route } from './route.ts';
import { NameParam, OrgParam } from './schemas.ts';

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const region = z.string().regex(/^[a-z][a-z0-9]{1,7}$/);

/** One report of an agent; at most 1000 items (an agent splits larger reads, one seq each). */
export const UsageReportBody = z.strictObject({
  epoch: z.string().regex(/^[0-9a-f]{8,32}$/, 'epoch must be 8–32 hex digits'),
  seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  at: z.iso.datetime(),
  items: z
    .array(
      z.strictObject({
        instance: z.string().regex(/^[0-9a-f]{8}$/),
        dir: z.enum(['tx', 'rx']),
        scope: z.enum(['host', 'region', 'interregion']),
        src_region: region,
        dst_region: region,
        bytes: count,
        packets: count,
      }),
    )
    .max(1000),
});

const UsageQueryParams = z.strictObject({
  from: z.string().max(40).optional(),
  to: z.string().max(40).optional(),
  step: z.string().max(20).optional(),
  by: z.string().max(20).optional(),
});

const Totals = z.object({
  tx_bytes: z.number(),
  tx_packets: z.number(),
  rx_bytes: z.number(),
  rx_packets: z.number(),
});
const UsageResult = z.object({
  from: z.string(),
  to: z.string(),
  step: z.number().describe('seconds'),
  by: z.string(),
  total: Totals,
  series: z.array(
    z.object({ key: z.string(), total: Totals, points: z.array(Totals.extend({ t: z.string() })) }),
  ),
});

const iso = (t: number) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');

export const usageRoutes: RouteSpec[] = [
  route({
    method: 'post',
    path: '/v1/hosts/:name/usage',
    summary: "Report a host's private-traffic deltas; each (epoch, seq) is applied once",
    tag: 'usage',
    allow: ['admin', 'host'],
    params: NameParam,
    body: UsageReportBody,
    response: z.object({ applied: z.boolean() }),
    handle: async ({ principal, params, body, deps }) => {
      if (principal.kind !== 'admin' && principal.host !== params.name) throw forbidden(principal);
      try {
        const r = await deps.store.applyUsageReport(params.name, body);
        deps.usageReported?.(r.applied ? 'applied' : 'duplicate');
        return r;
      } catch (e) {
        // A host reporting instances that are not its own: counted, nothing stored.
        if (isSixpnError(e) && e.code === 'not_found') deps.usageReported?.('rejected');
        throw e;
      }
    },
  }),
  route({
    method: 'get',
    path: '/v1/orgs/:org/usage',
    summary: "An organization's private traffic per network, app, scope, region pair or peer",
    tag: 'usage',
    allow: ORG_USERS,
    params: OrgParam,
    query: UsageQueryParams,
    response: UsageResult,
    handle: async ({ principal, params, query, deps }) => {
      checkOrgAccess(principal, params.org);
      const retention = deps.usageRetention ?? DEFAULT_RETENTION;
      const q = parseUsageQuery(query, Math.floor(deps.now().getTime() / 1000), retention);
      const rows = await deps.store.usageRows(params.org, q, retention);
      return { from: iso(q.from), to: iso(q.to), step: q.step, by: q.by, ...toSeries(q, rows) };
    },
  }),
];
