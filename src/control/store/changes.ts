// Reads of the whole state and of the change log: snapshots at one revision, changes after a revision
// (scoped to what an org may see), the head, and pruning of old entries.

import type { Transaction } from 'kysely';
import { invalid, SixpnError } from '../../core/errors.ts';
import type { Change } from '../../core/model.ts';
import type { Database, Db } from './schema.ts';
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
  return consistentRead(ctx, async (trx) => {
    const head = await counter(trx, 'revision');
    const pruned = await counter(trx, 'pruned');
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
    let q = trx.selectFrom('changes').selectAll().where('rev', '>', since);
    const org = scope.org;
    if (org !== undefined) q = q.where((eb) => eb.or([eb('org', 'is', null), eb('org', '=', org)]));
    const rows = await q.orderBy('rev', 'asc').limit(limit).execute();
    const changes = rows.map(
      (r) =>
        ({
          rev: Number(r.rev),
          op: r.op,
          kind: r.kind,
          id: r.id,
          org: r.org,
          obj: JSON.parse(r.obj),
        }) as Change,
    );
    return { changes, head };
  });
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
