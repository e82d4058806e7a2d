// Routes for private-traffic usage: hosts report counter deltas (applied once by host, epoch and seq), and an
// organization's users read its usage per network, app, scope, region pair or peer.

import { z } from 'zod';
import { isSixpnError } from '../../core/errors.ts';
import { DEFAULT_RETENTION, parseUsageQuery, toSeries } from '../../core/usage/query.ts';
import { checkOrgAccess } from '../auth.ts';
import { ORG_USERS, type RouteSpec, route } from './route.ts';
import { checkSelf, getRole } from './routes-fleet.ts';
import { NameParam, OrgParam } from './schemas.ts';

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const region = z.string().regex(/^[a-z][a-z0-9]{1,7}$/);

/** One report of an agent or gateway; at most 1000 items (a larger read is split, one seq each). */
export const UsageReportBody = z.strictObject({
  epoch: z.string().regex(/^[0-9a-f]{8,32}$/, 'epoch must be 8–32 hex digits'),
  seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  at: z.iso.datetime(),
  items: z
    .array(
      z
        .strictObject({
          instance: z
            .string()
            .regex(/^[0-9a-f]{8}$/)
            .optional(),
          peer: z
            .string()
            .regex(/^[0-9a-f:]{2,39}$/, "peer must be the peer's IPv6 address")
            .optional()
            .describe("a gateway's peer, by its address"),
          dir: z.enum(['tx', 'rx']),
          scope: z.enum(['host', 'region', 'interregion']),
          src_region: region,
          dst_region: region,
          bytes: count,
          packets: count,
        })
        .refine((i) => (i.instance === undefined) !== (i.peer === undefined), {
          message: 'each item names exactly one of instance (hosts) and peer (gateways)',
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

/**
 * `POST /v1/{hosts|gateways}/:name/usage`: a host's report names its instances, a gateway's its peers (by address);
 * anything not its own is refused whole (404, counted, nothing stored).
 */
function reportRoute(role: 'host' | 'gateway'): RouteSpec {
  return route({
    method: 'post',
    path: `/v1/${role}s/:name/usage`,
    summary:
      role === 'host'
        ? "Report a host's private-traffic deltas of its instances; each (epoch, seq) is applied once"
        : "Report a gateway's private-traffic deltas of its peers; each (epoch, seq) is applied once",
    tag: 'usage',
    allow: ['admin', role],
    params: NameParam,
    body: UsageReportBody,
    response: z.object({ applied: z.boolean() }),
    handle: async ({ principal, params, body, deps }) => {
      checkSelf(principal, role, params.name);
      await getRole(deps, role, params.name);
      try {
        const r = await deps.store.applyUsageReport(params.name, body);
        deps.usageReported?.(r.applied ? 'applied' : 'duplicate');
        // `added` is empty for a report applied before: a replay counts nothing.
        for (const a of r.added) {
          const labels = { org: a.org, scope: a.scope, direction: a.dir };
          deps.metrics?.privateBytes.inc(labels, a.bytes);
          deps.metrics?.privatePackets.inc(labels, a.packets);
        }
        return { applied: r.applied };
      } catch (e) {
        // Instances or peers that are not the caller's own: counted, nothing stored.
        if (isSixpnError(e) && e.code === 'not_found') deps.usageReported?.('rejected');
        throw e;
      }
    },
  });
}

export const usageRoutes: RouteSpec[] = [
  reportRoute('host'),
  reportRoute('gateway'),
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
