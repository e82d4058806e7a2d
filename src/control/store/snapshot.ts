// The whole state at one revision: as objects (`snapshot`) or as JSON text in pieces (`snapshotJson`, what
// GET /v1/snapshot streams). Both read each table page by page inside one consistent read, so the text form
// never holds the whole state as objects: at 100,000 instances that is the difference between ~30 MB of JSON
// text and several hundred MB of row objects.

import type { Snapshot } from '../../core/model.ts';
import { consistentRead } from './changes.ts';
import {
  appsQuery,
  byKey,
  hostsQuery,
  instancesQuery,
  networksQuery,
  orgsQuery,
  peersQuery,
  regionsQuery,
  toApp,
  toNetwork,
} from './queries.ts';
import type { Db } from './schema.ts';
import type { Scope } from './store.ts';
import type { StoreContext } from './write.ts';

/** Rows per read: small enough that a page of row objects is a few MB at most. */
const PAGE = 2000;

type Sections = Omit<Snapshot, 'revision'>;
type Item = Sections[keyof Sections][number];

/** Any of the section queries: selectable, filterable by the org's name, orderable by its primary key. */
interface PagedQuery {
  // biome-ignore lint/suspicious/noExplicitAny: the seven row shapes differ; each section's `map` types its own
  where(ref: any, op: '>' | '=', value: string): PagedQuery;
  orderBy(ref: never): PagedQuery;
  limit(n: number): PagedQuery;
  execute(): Promise<unknown[]>;
}

interface Section {
  name: keyof Sections;
  query: (db: Db) => PagedQuery;
  /** The primary key: pages go by it. */
  pk: string;
  /** The org-name column, for sections an org scope limits. */
  org?: string;
  /** Where the items are, in the order the API has always given them (code-unit order of this key). */
  key: (item: never) => string;
  map?: (ctx: StoreContext, row: never) => Item;
}

/** In the order of the snapshot's fields. */
const SECTIONS: Section[] = [
  { name: 'orgs', query: orgsQuery, pk: 'o.id', org: 'o.name', key: (o: { name: string }) => o.name },
  {
    name: 'networks',
    query: networksQuery,
    pk: 'n.id',
    org: 'o.name',
    key: (n: { org: string; name: string }) => `${n.org}\0${n.name}`,
    map: (ctx, r: Parameters<typeof toNetwork>[1]) => toNetwork(ctx.plan, r),
  },
  { name: 'regions', query: regionsQuery, pk: 'r.code', key: (r: { code: string }) => r.code },
  { name: 'hosts', query: hostsQuery, pk: 'h.id', key: (h: { name: string }) => h.name },
  {
    name: 'apps',
    query: appsQuery,
    pk: 'a.id',
    org: 'o.name',
    key: (a: { org: string; name: string }) => `${a.org}\0${a.name}`,
    map: (_ctx, r: Parameters<typeof toApp>[0]) => toApp(r),
  },
  {
    name: 'instances',
    query: instancesQuery,
    pk: 'i.id',
    org: 'o.name',
    key: (i: { org: string; app: string; id: string }) => `${i.org}\0${i.app}\0${i.id}`,
  },
  {
    name: 'peers',
    query: peersQuery,
    pk: 'p.id',
    org: 'o.name',
    key: (p: { org: string; name: string }) => `${p.org}\0${p.name}`,
  },
];

/** Reads one section page by page; `keep` turns each item into what is kept (the object, or its JSON). */
async function readSection<T>(
  ctx: StoreContext,
  db: Db,
  s: Section,
  scope: Scope,
  keep: (item: Item) => T,
): Promise<T[]> {
  const page = ctx.snapshotPage ?? PAGE;
  const kept: [string, T][] = [];
  let after: string | undefined;
  for (;;) {
    let q = s.query(db);
    if (s.org !== undefined && scope.org !== undefined) q = q.where(s.org, '=', scope.org);
    if (after !== undefined) q = q.where(s.pk, '>', after);
    const rows = (await q
      .orderBy(s.pk as never)
      .limit(page)
      .execute()) as Record<string, unknown>[];
    for (const row of rows) {
      const item = (s.map ? s.map(ctx, row as never) : row) as Item;
      kept.push([s.key(item as never), keep(item)]);
    }
    if (rows.length < page) break;
    after = String(rows[rows.length - 1]![s.pk.slice(2)]);
  }
  return kept.sort(byKey(([k]) => k)).map(([, v]) => v);
}

/** The whole state the scope may see, at one revision (PostgreSQL: REPEATABLE READ). */
export function snapshot(ctx: StoreContext, scope: Scope = {}): Promise<Snapshot> {
  return consistentRead(ctx, async (trx) => {
    const out: Record<string, unknown> = { revision: await revisionOf(trx) };
    for (const s of SECTIONS) out[s.name] = await readSection(ctx, trx, s, scope, (item) => item);
    return out as unknown as Snapshot;
  });
}

/**
 * The same snapshot as JSON text in pieces: joined, they are exactly `JSON.stringify(await snapshot(scope))`.
 * Only the text is kept (one string per object), never the whole state as objects.
 */
export function snapshotJson(ctx: StoreContext, scope: Scope = {}): Promise<string[]> {
  return consistentRead(ctx, async (trx) => {
    const parts = [`{"revision":${await revisionOf(trx)}`];
    for (const s of SECTIONS) {
      const items = await readSection(ctx, trx, s, scope, (item) => JSON.stringify(item));
      parts.push(`,"${s.name}":[`);
      for (let i = 0; i < items.length; i++) parts.push(i === 0 ? items[i]! : `,${items[i]}`);
      parts.push(']');
    }
    parts.push('}');
    return parts;
  });
}

async function revisionOf(db: Db): Promise<number> {
  const row = await db
    .selectFrom('counters')
    .select('value')
    .where('name', '=', 'revision')
    .executeTakeFirstOrThrow();
  return Number(row.value);
}
