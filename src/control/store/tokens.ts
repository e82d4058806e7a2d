// API tokens: only the hash the caller computed is stored; lists never return it. Tokens are not state that
// agents watch, so they write no revision (they still take the writer lock for their checks).

import { alreadyExists, invalid, notFound, SixpnError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Token, TokenKind } from '../../core/model.ts';
import { checkLabel } from '../../core/names.ts';
import { conflictAs } from './db-errors.ts';
import { byKey, hostByName, networkByName, orgByName, tokensQuery, toToken } from './queries.ts';
import type { CreateToken, TokenRecord } from './store.ts';
import { checkText, checkTime, checkTokenKind } from './validate.ts';
import { locked, type StoreContext } from './write.ts';

/** Which references each kind takes: org and peer tokens need an org, host and gateway tokens a host. */
function checkShape(kind: TokenKind, t: CreateToken): void {
  const needsOrg = kind === 'org' || kind === 'peer';
  const needsHost = kind === 'host' || kind === 'gateway';
  if (needsOrg && !t.org) throw invalid(`a ${kind} token needs an org`, { field: 'org' });
  if (!needsOrg && t.org)
    throw invalid(`a ${kind} token is not limited to an org; leave org out`, { field: 'org' });
  if (kind !== 'peer' && t.network) {
    throw invalid(`only peer tokens can be limited to a network; leave network out`, { field: 'network' });
  }
  if (needsHost && !t.host) throw invalid(`a ${kind} token needs the ${kind}'s name`, { field: 'host' });
  if (!needsHost && t.host)
    throw invalid(`a ${kind} token is not tied to a host; leave host out`, { field: 'host' });
}

export async function createToken(ctx: StoreContext, t: CreateToken, hash: string): Promise<Token> {
  const kind = checkTokenKind(t.kind);
  checkText('name', t.name, 100);
  checkShape(kind, t);
  if (t.network) checkLabel('network', t.network);
  if (typeof hash !== 'string' || hash.length < 16) {
    throw invalid('token hash is missing or too short; pass the hash of the secret, never the secret');
  }
  const expires_at = t.expires_at == null ? null : checkTime('expires_at', t.expires_at);
  try {
    return await locked(ctx, async (trx, at) => {
      const org = t.org ? await orgByName(trx, t.org) : undefined;
      if (t.org && t.network) await networkByName(trx, ctx.plan, t.org, t.network);
      if (t.host) {
        const host = await hostByName(trx, t.host);
        if (host.role !== kind) {
          throw new SixpnError('failed_precondition', `'${host.name}' is a ${host.role}, not a ${kind}`);
        }
      }
      const token: Token = {
        id: newId('token', ctx.random),
        kind,
        name: t.name,
        org: org?.name ?? null,
        network: t.network ?? null,
        host: t.host ?? null,
        expires_at,
        created_at: at,
      };
      await trx
        .insertInto('tokens')
        .values({
          id: token.id,
          kind,
          name: token.name,
          org_id: org?.id ?? null,
          network: token.network,
          host: token.host,
          hash,
          expires_at,
          created_at: at,
        })
        .execute();
      return token;
    });
  } catch (e) {
    throw conflictAs(e, () => alreadyExists('token', t.name));
  }
}

export async function listTokens(
  ctx: StoreContext,
  f: { org?: string; kind?: TokenKind } = {},
): Promise<Token[]> {
  let q = tokensQuery(ctx.db);
  if (f.org !== undefined) {
    await orgByName(ctx.db, f.org);
    q = q.where('o.name', '=', f.org);
  }
  if (f.kind !== undefined) q = q.where('t.kind', '=', checkTokenKind(f.kind));
  const rows = await q.execute();
  return rows.map(toToken).sort(byKey((t) => `${t.created_at}\0${t.id}`));
}

/** For authentication only: the token with its hash, or undefined. */
export function getTokenByHash(ctx: StoreContext, hash: string): Promise<TokenRecord | undefined> {
  return tokensQuery(ctx.db).where('t.hash', '=', hash).executeTakeFirst();
}

export async function deleteToken(ctx: StoreContext, id: string): Promise<void> {
  await locked(ctx, async (trx) => {
    const r = await trx.deleteFrom('tokens').where('id', '=', id).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw notFound('token', id);
  });
}
