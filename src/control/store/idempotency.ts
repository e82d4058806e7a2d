// Idempotency keys of creates: a key is claimed before the create runs (one claim wins across replicas: the
// key is the primary key), the answer is kept once it has run, and a repeat gets that answer. Keys older than
// the retention window count as absent and are pruned.

import type { Db, IdempotencyKeysTable } from './schema.ts';
import type { IdempotencyClaim, KeyedResult, KeyedWrite } from './store.ts';
import type { StoreContext } from './write.ts';

/** What a key holds for a request whose body hashes to `request`; undefined: nothing (absent or expired). Pure. */
export function heldBy(
  row: IdempotencyKeysTable | null | undefined,
  request: string,
  expiredBefore: Date,
): Exclude<IdempotencyClaim, { state: 'claimed' }> | undefined {
  if (!row || row.created_at < expiredBefore.toISOString()) return undefined;
  if (row.request !== request) return { state: 'mismatch' };
  if (row.status === null) return { state: 'running' };
  return {
    state: 'done',
    status: Number(row.status),
    body: row.body ?? '',
    contentType: row.content_type ?? 'application/json',
  };
}

/** What `k`'s key holds now (a keyed create that found it taken reads it), as {@link heldBy}. */
export async function keyHeld(db: Db, k: KeyedWrite): Promise<KeyedResult<never> | undefined> {
  const row = await db.selectFrom('idempotency_keys').selectAll().where('key', '=', k.key).executeTakeFirst();
  const claim = heldBy(row, k.request, k.expiredBefore);
  return claim && { claim };
}

/** Keeps `k`'s answer, with `body`, in the write that made it (replacing an expired key). */
export async function keepAnswer(db: Db, k: KeyedWrite, body: string, at: string): Promise<void> {
  const answer = { request: k.request, status: k.status, body, content_type: k.contentType, created_at: at };
  await db
    .insertInto('idempotency_keys')
    .values({ key: k.key, ...answer })
    .onConflict((oc) => oc.column('key').doUpdateSet(answer))
    .execute();
}

/**
 * Claims `key` for a request whose body hashes to `request`. `claimed`: run the create, then
 * {@link finishIdempotencyKey} (or {@link releaseIdempotencyKey} when it failed). Otherwise the key is taken:
 * `done` with the answer to send again, `running` while another request with it runs, `mismatch` when it
 * came with another body. A key claimed before `expiredBefore` is forgotten and claimed anew.
 */
export async function claimIdempotencyKey(
  ctx: StoreContext,
  key: string,
  request: string,
  expiredBefore: Date,
): Promise<IdempotencyClaim> {
  const db = ctx.db;
  for (let attempt = 0; attempt < 3; attempt++) {
    const ins = await db
      .insertInto('idempotency_keys')
      .values({
        key,
        request,
        status: null,
        body: null,
        content_type: null,
        created_at: ctx.now().toISOString(),
      })
      .onConflict((oc) => oc.column('key').doNothing())
      .executeTakeFirst();
    if (Number(ins.numInsertedOrUpdatedRows ?? 0) === 1) return { state: 'claimed' };
    const row = await db.selectFrom('idempotency_keys').selectAll().where('key', '=', key).executeTakeFirst();
    if (!row) continue; // released meanwhile: claim again
    const held = heldBy(row, request, expiredBefore);
    if (held) return held;
    await db
      .deleteFrom('idempotency_keys')
      .where('key', '=', key)
      .where('created_at', '=', row.created_at)
      .execute();
  }
  return { state: 'running' };
}

/** Keeps the answer of the create that claimed `key`. */
export async function finishIdempotencyKey(
  ctx: StoreContext,
  key: string,
  answer: { status: number; body: string; contentType: string },
): Promise<void> {
  await ctx.db
    .updateTable('idempotency_keys')
    .set({ status: answer.status, body: answer.body, content_type: answer.contentType })
    .where('key', '=', key)
    .execute();
}

/** Gives up a claim whose create failed, so the same key may be tried again. */
export async function releaseIdempotencyKey(ctx: StoreContext, key: string): Promise<void> {
  await ctx.db.deleteFrom('idempotency_keys').where('key', '=', key).where('status', 'is', null).execute();
}

/** Drops keys claimed before `before`; returns how many. */
export async function pruneIdempotencyKeys(ctx: StoreContext, before: Date): Promise<number> {
  const r = await ctx.db
    .deleteFrom('idempotency_keys')
    .where('created_at', '<', before.toISOString())
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
