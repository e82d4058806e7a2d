// Private-traffic usage in the store: applying an agent's report once by (host, epoch, seq) into minute, hour and
// day buckets, answering a query from the coarsest table that fits, per-org totals, and retention. No revisions.

import { sql } from 'kysely';
import { invalid, SixpnError } from '../../core/errors.ts';
import type { Direction, Scope } from '../../core/nft/usage.ts';
import type { UsageItem, UsageReport } from '../../core/usage/delta.ts';
import {
  DAY,
  DEFAULT_RETENTION,
  granularityFor,
  HOUR,
  MINUTE,
  type UsageQuery,
  type UsageRetention,
  type UsageRow,
} from '../../core/usage/query.ts';
import { hostByName } from './queries.ts';
import type { UsageBucketTable } from './schema.ts';
import { USAGE_TABLES } from './usage-schema.ts';
import type { StoreContext } from './write.ts';

const TABLE_OF = { [MINUTE]: 'usage_minute', [HOUR]: 'usage_hour', [DAY]: 'usage_day' } as const;
const KEY_COLS = ['org_id', 't', 'network', 'app', 'peer', 'scope', 'src_region', 'dst_region'] as const;
const SUMS = ['tx_bytes', 'tx_packets', 'rx_bytes', 'rx_packets'] as const;

/** Whose an item is: org, network, and app (instances) or peer name (peers; app ''). */
type Owner = { org_id: string; network: string; app: string; peer: string };
/** The key of an item's owner: `i:<instance id>` or `p:<peer address>`. */
const ownerKey = (i: UsageItem) => (i.peer !== undefined ? `p:${i.peer}` : `i:${i.instance}`);

/** Bucket rows of one report at granularity `g`, summed by key. */
function bucketRows(report: UsageReport, g: number, owner: Map<string, Owner>): UsageBucketTable[] {
  const t = Math.floor(Date.parse(report.at) / 1000 / g) * g;
  const rows = new Map<string, UsageBucketTable>();
  for (const i of report.items) {
    const o = owner.get(ownerKey(i))!;
    const row = { t, ...o, scope: i.scope, src_region: i.src_region, dst_region: i.dst_region };
    const k = JSON.stringify(row);
    let r = rows.get(k);
    if (!r) {
      r = { ...row, tx_bytes: 0, tx_packets: 0, rx_bytes: 0, rx_packets: 0 };
      rows.set(k, r);
    }
    r[i.dir === 'tx' ? 'tx_bytes' : 'rx_bytes'] += i.bytes;
    r[i.dir === 'tx' ? 'tx_packets' : 'rx_packets'] += i.packets;
  }
  return [...rows.values()];
}

/** What an applied report added to one org's traffic in one scope and direction (the org by name). */
export interface UsageAdded {
  org: string;
  scope: Scope;
  dir: Direction;
  bytes: number;
  packets: number;
}

/** A report's items summed by owner org (by id), scope and direction, zero sums left out. Pure. */
function addedByOrg(report: UsageReport, owner: Map<string, Owner>): UsageAdded[] {
  const sums = new Map<string, UsageAdded>();
  for (const i of report.items) {
    const org = owner.get(ownerKey(i))!.org_id;
    const k = `${org}\0${i.scope}\0${i.dir}`;
    let a = sums.get(k);
    if (!a) {
      a = { org, scope: i.scope, dir: i.dir, bytes: 0, packets: 0 };
      sums.set(k, a);
    }
    a.bytes += i.bytes;
    a.packets += i.packets;
  }
  return [...sums.values()].filter((a) => a.bytes > 0 || a.packets > 0);
}

/** `added` with org ids replaced by org names. */
async function withOrgNames(trx: StoreContext['db'], added: UsageAdded[]): Promise<UsageAdded[]> {
  const ids = [...new Set(added.map((a) => a.org))];
  if (ids.length === 0) return added;
  const rows = await trx.selectFrom('orgs').select(['id', 'name']).where('id', 'in', ids).execute();
  const name = new Map(rows.map((r) => [r.id, r.name]));
  return added.map((a) => ({ ...a, org: name.get(a.org) ?? a.org }));
}

function checkReport(r: UsageReport): void {
  for (const i of r.items) {
    if ((i.instance === undefined) === (i.peer === undefined))
      throw invalid('items: each item names exactly one of instance and peer');
  }
  if (!Number.isSafeInteger(r.seq) || r.seq < 1)
    throw invalid(`seq must be a positive integer, got ${r.seq}`);
  if (Number.isNaN(Date.parse(r.at))) throw invalid(`at '${r.at}' is not an ISO-8601 time`);
  for (const i of r.items) {
    for (const f of ['bytes', 'packets'] as const) {
      if (!Number.isSafeInteger(i[f]) || i[f] < 0)
        throw invalid(`items: ${f} must be a count ≥ 0, got ${i[f]}`);
    }
  }
}

/** The owners of a report's items that are this host's: its instances, or (a gateway) its peers by address. */
async function ownersOf(
  trx: StoreContext['db'],
  hostId: string,
  items: readonly UsageItem[],
): Promise<Map<string, Owner>> {
  const ids = [...new Set(items.flatMap((i) => (i.instance !== undefined ? [i.instance] : [])))];
  const addrs = [...new Set(items.flatMap((i) => (i.peer !== undefined ? [i.peer] : [])))];
  const owner = new Map<string, Owner>();
  if (ids.length > 0) {
    const rows = await trx
      .selectFrom('instances as i')
      .innerJoin('apps as a', 'a.id', 'i.app_id')
      .innerJoin('networks as n', 'n.id', 'i.network_id')
      .select(['i.id', 'i.org_id', 'n.name as network', 'a.name as app'])
      .where('i.id', 'in', ids)
      .where('i.host_id', '=', hostId)
      .execute();
    for (const r of rows)
      owner.set(`i:${r.id}`, { org_id: r.org_id, network: r.network, app: r.app, peer: '' });
  }
  if (addrs.length > 0) {
    const rows = await trx
      .selectFrom('peers as p')
      .innerJoin('networks as n', 'n.id', 'p.network_id')
      .select(['p.address', 'p.org_id', 'n.name as network', 'p.name'])
      .where('p.address', 'in', addrs)
      .where('p.gateway_id', '=', hostId)
      .execute();
    for (const r of rows)
      owner.set(`p:${r.address}`, { org_id: r.org_id, network: r.network, app: '', peer: r.name });
  }
  return owner;
}

/**
 * Applies a host's usage report once: a report whose `(host, epoch, seq)` was applied before changes nothing and
 * returns `applied: false` (replays, duplicates and reports out of order are all safe). A report about an
 * instance that is not on this host is refused whole with `not_found` (nothing stored). `added` is what this call
 * stored per org, scope and direction: empty unless `applied`, so a caller that counts it counts each report once.
 */
export async function applyUsageReport(
  ctx: StoreContext,
  host: string,
  report: UsageReport,
): Promise<{ applied: boolean; added: UsageAdded[] }> {
  checkReport(report);
  return ctx.db.transaction().execute(async (trx) => {
    const h = await hostByName(trx, host);
    const owner = await ownersOf(trx, h.id, report.items);
    const foreign = [...new Set(report.items.map(ownerKey))].filter((k) => !owner.has(k));
    if (foreign.length > 0) {
      const [kind, id] = [foreign[0]!.startsWith('p:') ? 'peer' : 'instance', foreign[0]!.slice(2)];
      const on = kind === 'peer' ? 'a peer of gateway' : 'on host';
      throw new SixpnError('not_found', `${kind} ${id} is not ${on} ${host}; nothing was stored`, {
        details: { [kind === 'peer' ? 'peers' : 'instances']: foreign.map((k) => k.slice(2)) },
      });
    }
    const key = { host_id: h.id, epoch: report.epoch, seq: report.seq };
    const floor = await trx
      .selectFrom('usage_report_floors')
      .select('seq')
      .where('host_id', '=', h.id)
      .where('epoch', '=', report.epoch)
      .executeTakeFirst();
    if (floor && report.seq <= Number(floor.seq)) return { applied: false, added: [] };
    const inserted = await trx
      .insertInto('usage_reports')
      .values({ ...key, applied_at: ctx.now().toISOString() })
      .onConflict((oc) => oc.columns(['host_id', 'epoch', 'seq']).doNothing())
      .returning('seq')
      .executeTakeFirst();
    if (!inserted) return { applied: false, added: [] };
    for (const [g, table] of Object.entries(TABLE_OF)) {
      const values = bucketRows(report, Number(g), owner);
      if (values.length === 0) continue;
      await trx
        .insertInto(table)
        .values(values)
        .onConflict((oc) =>
          oc
            .columns([...KEY_COLS])
            .doUpdateSet(
              Object.fromEntries(
                SUMS.map((c) => [c, sql`${sql.ref(`${table}.${c}`)} + excluded.${sql.ref(c)}`]),
              ),
            ),
        )
        .execute();
    }
    return { applied: true, added: await withOrgNames(trx, addedByOrg(report, owner)) };
  });
}

/** The SQL expression a query groups by. */
const groupOf = {
  network: sql<string>`network`,
  app: sql<string>`app`,
  scope: sql<string>`scope`,
  'region-pair': sql<string>`src_region || '>' || dst_region`,
  peer: sql<string>`peer`,
} as const;

/** Rows of an org's usage for `q`: bucket start and group key with sums, from the coarsest table that fits. */
export async function usageRows(
  ctx: StoreContext,
  orgId: string,
  q: UsageQuery,
  retention: UsageRetention = DEFAULT_RETENTION,
): Promise<UsageRow[]> {
  const g = granularityFor(q, Math.floor(ctx.now().getTime() / 1000), retention);
  let query = ctx.db
    .selectFrom(TABLE_OF[g])
    .select(['t', groupOf[q.by].as('key'), ...SUMS.map((c) => sql<number>`sum(${sql.ref(c)})`.as(c))])
    .where('org_id', '=', orgId)
    .where('t', '>=', q.from)
    .where('t', '<', q.to)
    .groupBy(['t', 'key']);
  query = q.by === 'peer' ? query.where('peer', '!=', '') : query;
  const rows = await query.execute();
  return rows.map((r) => ({
    t: Number(r.t),
    key: String(r.key),
    tx_bytes: Number(r.tx_bytes),
    tx_packets: Number(r.tx_packets),
    rx_bytes: Number(r.rx_bytes),
    rx_packets: Number(r.rx_packets),
  }));
}

/** Bytes sent and received by each org's instances, all time kept (the day table). */
export async function usageTotals(
  ctx: StoreContext,
): Promise<{ org: string; tx_bytes: number; rx_bytes: number }[]> {
  const rows = await ctx.db
    .selectFrom('usage_day as u')
    .innerJoin('orgs as o', 'o.id', 'u.org_id')
    .select(['o.name as org', sql<number>`sum(u.tx_bytes)`.as('tx'), sql<number>`sum(u.rx_bytes)`.as('rx')])
    .groupBy('o.name')
    .orderBy('o.name')
    .execute();
  return rows.map((r) => ({ org: r.org, tx_bytes: Number(r.tx), rx_bytes: Number(r.rx) }));
}

/** Deletes buckets older than the retention and applied-report marks older than the day retention. */
export async function pruneUsage(
  ctx: StoreContext,
  retention: UsageRetention = DEFAULT_RETENTION,
): Promise<number> {
  const now = Math.floor(ctx.now().getTime() / 1000);
  let n = 0;
  const keep = { usage_minute: retention.minute, usage_hour: retention.hour, usage_day: retention.day };
  for (const table of USAGE_TABLES) {
    const r = await ctx.db
      .deleteFrom(table)
      .where('t', '<', now - keep[table])
      .executeTakeFirst();
    n += Number(r.numDeletedRows);
  }
  // Applied-report marks past their retention become floors: seqs at or below stay applied.
  const before = new Date((now - retention.reports) * 1000).toISOString();
  await ctx.db.transaction().execute(async (trx) => {
    const old = await trx
      .selectFrom('usage_reports')
      .select(['host_id', 'epoch', sql<number>`max(seq)`.as('seq')])
      .where('applied_at', '<', before)
      .groupBy(['host_id', 'epoch'])
      .execute();
    for (const f of old) {
      await trx
        .insertInto('usage_report_floors')
        .values({ host_id: f.host_id, epoch: f.epoch, seq: Number(f.seq) })
        .onConflict((oc) =>
          oc.columns(['host_id', 'epoch']).doUpdateSet({
            seq: sql`case when excluded.seq > usage_report_floors.seq then excluded.seq else usage_report_floors.seq end`,
          }),
        )
        .execute();
    }
    await trx.deleteFrom('usage_reports').where('applied_at', '<', before).execute();
  });
  return n;
}
