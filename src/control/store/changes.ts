// Reads of the whole state and of the change log: snapshots at one revision, changes after a revision
// (scoped to what an org may see), the head, and pruning of old entries.

import { sql, type Transaction } from 'kysely';
import { invalid, SixpnError } from '../../core/errors.ts';
import type { Change } from '../../core/model.ts';
import { preparePg } from './postgres.ts';
import type { ChangesTable, Database, Db } from './schema.ts';
import type { ChangePage, Scope } from './store.ts';
import { locked, type StoreContext } from './write.ts';

/** Runs `fn` in one consistent read (PostgreSQL: REPEATABLE READ, read only; SQLite: one transaction). */
export function consistentRead<T>(
  ctx: StoreContext,
  fn: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  const tx = ctx.db.transaction();
  if (ctx.dialect === 'postgres')
    return tx.setIsolationLevel('repeatable read').setAccessMode('read only').execute(fn);
  return tx.execute(fn);
}

async function counter(db: Db, name: 'revision' | 'pruned'): Promise<number> {
  const row = await db
    .selectFrom('counters')
    .select('value')
    .where('name', '=', name)
    .executeTakeFirstOrThrow();
  return Number(row.value);
}

export function headRevision(ctx: StoreContext): Promise<number> {
  return counter(ctx.db, 'revision');
}

/** The most entries one read returns. */
export const MAX_CHANGES_LIMIT = 10_000;

/**
 * Changes with `rev > since`, oldest first, at most `limit`, that `scope` may see (an org sees its own and
 * those of regions and hosts). When fewer than `limit` come back, the caller has seen everything it may see
 * up to `head`.
 */
export async function changesSince(
  ctx: StoreContext,
  since: number,
  limit: number,
  scope: Scope = {},
): Promise<ChangePage> {
  if (!Number.isSafeInteger(since) || since < 0) {
    throw invalid(`since must be a revision (an integer ≥ 0), got ${since}`, { field: 'since' });
  }
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_CHANGES_LIMIT) {
    throw invalid(`limit must be an integer from 1 to ${MAX_CHANGES_LIMIT}, got ${limit}`, {
      field: 'limit',
    });
  }
  const q = changesQuery(since, limit, scope.org).compile(ctx.db);
  if (ctx.dialect === 'postgres') preparePg(q.sql);
  const rows = (await ctx.db.executeQuery(q)).rows;
  const head = Number(rows[0]!.head);
  const pruned = Number(rows[0]!.pruned);
  if (since < pruned) {
    throw new SixpnError(
      'resync_required',
      `revision ${since} is older than the retained history (oldest ${pruned + 1}); fetch /v1/snapshot and watch from its revision`,
      { details: { since, oldest: pruned + 1, head } },
    );
  }
  if (since > head) {
    throw new SixpnError(
      'resync_required',
      `revision ${since} is newer than the store's head (${head}): the store was replaced; fetch /v1/snapshot and watch from its revision`,
      { details: { since, head } },
    );
  }
  const changes = rows.flatMap((r) =>
    r.rev === null
      ? []
      : [
          {
            rev: Number(r.rev),
            op: r.op,
            kind: r.kind,
            id: r.id,
            org: r.org,
            obj: JSON.parse(r.obj!),
          } as Change,
        ],
  );
  return { changes, head };
}

/** A row of {@link changesQuery}: the entry's columns are null when there is none. */
type ChangeRow = { head: number; pruned: number } & { [K in keyof ChangesTable]: ChangesTable[K] | null };

/**
 * One statement, so one consistent point on both backends (a statement reads one snapshot): the head, the
 * pruned mark and the first `limit` entries after `since` (org scope: its own and those of no org), oldest
 * first. No entry: one row whose entry columns are null.
 */
function changesQuery(since: number, limit: number, org: string | undefined) {
  const scoped = org === undefined ? sql`` : sql` and (org is null or org = ${org})`;
  return sql<ChangeRow>`select h.head, h.pruned, c.rev, c.op, c.kind, c.id, c.org, c.obj
    from (select (select value from counters where name = 'revision') as head,
                 (select value from counters where name = 'pruned') as pruned) h
    left join (select rev, op, kind, id, org, obj from changes
               where rev > ${since}${scoped} order by rev limit ${limit}) c on true
    order by c.rev`;
}

/** Drops entries older than the newest `keep`; a watcher behind them gets `resync_required`. */
export async function pruneChanges(ctx: StoreContext, keep: number): Promise<number> {
  if (!Number.isSafeInteger(keep) || keep < 0) {
    throw invalid(`keep must be an integer ≥ 0, got ${keep}`, { field: 'keep' });
  }
  return locked(ctx, async (trx) => {
    const cutoff = (await counter(trx, 'revision')) - keep;
    if (cutoff <= (await counter(trx, 'pruned'))) return 0;
    const r = await trx.deleteFrom('changes').where('rev', '<=', cutoff).executeTakeFirst();
    await trx.updateTable('counters').set({ value: cutoff }).where('name', '=', 'pruned').execute();
    return Number(r.numDeletedRows);
  });
}
