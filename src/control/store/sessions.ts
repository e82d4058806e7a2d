// Console sessions: the hash of each sign-in's cookie secret, the hash of the API token it stands for, and when it
// ends. Not state that agents watch, so no revision; expired rows are dropped as new ones are made.

import type { ConsoleSession } from './store.ts';
import { checkTime } from './validate.ts';
import type { StoreContext } from './write.ts';

export async function createSession(ctx: StoreContext, s: ConsoleSession): Promise<void> {
  const created_at = checkTime('created_at', s.created_at);
  const expires_at = checkTime('expires_at', s.expires_at);
  await ctx.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('console_sessions').where('expires_at', '<=', created_at).execute();
    await trx
      .insertInto('console_sessions')
      .values({ hash: s.hash, token_hash: s.token_hash, created_at, expires_at })
      .execute();
  });
}

export async function getSession(
  ctx: StoreContext,
  hash: string,
  now: Date,
): Promise<ConsoleSession | undefined> {
  return ctx.db
    .selectFrom('console_sessions')
    .selectAll()
    .where('hash', '=', hash)
    .where('expires_at', '>', now.toISOString())
    .executeTakeFirst();
}

export async function deleteSession(ctx: StoreContext, hash: string): Promise<void> {
  await ctx.db.deleteFrom('console_sessions').where('hash', '=', hash).execute();
}
