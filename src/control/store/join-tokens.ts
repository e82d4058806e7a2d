// Join tokens and what a host does with one: trade a use of it for a registered host and that host's own token, in
// one revisioned transaction (any refusal rolls everything back). Also the rotation of a host's token.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { alreadyExists, invalid, notFound, SixpnError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { type JoinToken, joinTokenState } from '../../core/join-token.ts';
import type { Host, HostRole, Token } from '../../core/model.ts';
import { checkLabel } from '../../core/names.ts';
import { conflictAs } from './db-errors.ts';
import { insertHost, parseRegistration } from './fleet.ts';
import { byKey, hostByName, regionByCode } from './queries.ts';
import type { Db } from './schema.ts';
import type { CreateJoinToken, JoinHost } from './store.ts';
import { checkRole, checkTime } from './validate.ts';
import { locked, revisioned, type StoreContext } from './write.ts';

/** The most hosts one join token may admit. */
export const MAX_JOIN_USES = 10_000;

const joinTokenColumns = [
  'id',
  'region',
  'role',
  'uses',
  'used',
  'expires_at',
  'revoked_at',
  'created_at',
  'last_used_at',
] as const;

const toJoinToken = (r: JoinToken): JoinToken => ({ ...r, uses: Number(r.uses), used: Number(r.used) });

/** A new join token id: `j` + 16 hex digits (random bytes: ids are not secret, but they must not collide). */
const newJoinTokenId = () => `j${randomBytes(8).toString('hex')}`;

export async function createJoinToken(
  ctx: StoreContext,
  t: CreateJoinToken,
  hash: string,
): Promise<JoinToken> {
  const role = checkRole(t.role);
  if (!Number.isInteger(t.uses) || t.uses < 1 || t.uses > MAX_JOIN_USES) {
    throw invalid(`uses ${t.uses} must be a whole number from 1 to ${MAX_JOIN_USES}`, { field: 'uses' });
  }
  const expires_at = checkTime('expires_at', t.expires_at);
  if (typeof hash !== 'string' || hash.length < 16) {
    throw invalid('join token hash is missing or too short; pass the hash of the secret, never the secret');
  }
  return locked(ctx, async (trx, at) => {
    await regionByCode(trx, t.region);
    const row: JoinToken = {
      id: newJoinTokenId(),
      region: t.region,
      role,
      uses: t.uses,
      used: 0,
      expires_at,
      revoked_at: null,
      created_at: at,
      last_used_at: null,
    };
    await trx
      .insertInto('join_tokens')
      .values({ ...row, hash })
      .execute();
    return row;
  });
}

export async function listJoinTokens(ctx: StoreContext): Promise<JoinToken[]> {
  const rows = await ctx.db.selectFrom('join_tokens').select(joinTokenColumns).execute();
  return rows.map(toJoinToken).sort(byKey((t) => `${t.created_at}\0${t.id}`));
}

/** Revokes a join token (kept, for `list`, as revoked); revoking it again changes nothing. */
export async function revokeJoinToken(ctx: StoreContext, id: string): Promise<JoinToken> {
  return locked(ctx, async (trx, at) => {
    const row = await trx
      .selectFrom('join_tokens')
      .select(joinTokenColumns)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound('join token', id);
    if (row.revoked_at !== null) return toJoinToken(row);
    await trx.updateTable('join_tokens').set({ revoked_at: at }).where('id', '=', id).execute();
    return toJoinToken({ ...row, revoked_at: at });
  });
}

const sameHash = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** Why a join token cannot be used, as the one error the joining host sees. */
function refusal(t: JoinToken, state: Exclude<ReturnType<typeof joinTokenState>, 'usable'>): SixpnError {
  const what = {
    revoked: `was revoked at ${t.revoked_at}`,
    expired: `expired at ${t.expires_at}`,
    used: `has been used ${t.used} of ${t.uses} time(s)`,
  }[state];
  return new SixpnError(
    'unauthenticated',
    `the join token ${t.id} ${what}; ask an admin for a new one (sixpn hosts join-token create --region ${t.region}${t.role === 'gateway' ? ' --gateway' : ''})`,
    { details: { reason: `join_token_${state}`, id: t.id } },
  );
}

/** The join token `id` if `hash` is its secret's and it can still be used; the one refusal otherwise. */
async function usableJoinToken(trx: Db, id: string, hash: string, now: Date): Promise<JoinToken> {
  const row = await trx
    .selectFrom('join_tokens')
    .select([...joinTokenColumns, 'hash'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row || !sameHash(row.hash, hash)) {
    throw new SixpnError(
      'unauthenticated',
      'the join token is not valid (mistyped, or made by another control plane); ask an admin for a new one',
      { details: { reason: 'join_token_invalid' } },
    );
  }
  const t = toJoinToken(row);
  const state = joinTokenState(t, now);
  if (state !== 'usable') throw refusal(t, state);
  return t;
}

/** The host `name` may be taken over by a join with `replace` only when it has the token's role and region. */
function checkReplace(existing: Host, t: JoinToken, replace: boolean): void {
  if (!replace) {
    throw new SixpnError(
      'already_exists',
      `${existing.role} '${existing.name}' already exists; join with another --name, or pass --replace to take its place (its old token stops working)`,
      { details: { kind: existing.role, name: existing.name } },
    );
  }
  if (existing.role !== t.role || existing.region !== t.region) {
    throw new SixpnError(
      'failed_precondition',
      `'${existing.name}' is a ${existing.role} in region ${existing.region}; this join token is for a ${t.role} in ${t.region}`,
      { details: { field: 'name' } },
    );
  }
}

/**
 * Consumes one use of the join token and registers the host (created, or with `replace` the existing one of the
 * same name, role and region, whose old tokens are revoked), and stores `hostTokenHash` as its token. One
 * transaction: a refused join changes nothing.
 */
export async function joinHost(
  ctx: StoreContext,
  j: JoinHost,
  hostTokenHash: string,
): Promise<{ host: Host; token: Token }> {
  checkLabel('name', j.name);
  const reg = parseRegistration(j);
  try {
    return await revisioned(ctx, async (w) => {
      const t = await usableJoinToken(w.trx, j.id, j.hash, ctx.now());
      if (t.role === 'gateway' && (reg.peer_key === null || reg.peer_endpoint === null)) {
        throw invalid('a gateway joins with its peer_key and peer_endpoint', { field: 'peer_key' });
      }
      const existing = await hostByName(w.trx, j.name).catch(() => undefined);
      let host: Host;
      if (existing) {
        checkReplace(existing, t, j.replace === true);
        await w.trx.deleteFrom('tokens').where('host', '=', j.name).execute();
        host = { ...existing, ...reg, registered_at: w.at };
        await w.trx
          .updateTable('hosts')
          .set({ ...reg, registered_at: w.at })
          .where('id', '=', host.id)
          .execute();
      } else {
        host = await insertHost(ctx, w, { name: j.name, region: t.region, role: t.role }, reg);
      }
      const token = await insertHostToken(ctx, w.trx, host, hostTokenHash, w.at);
      await w.trx
        .updateTable('join_tokens')
        .set({ used: t.used + 1, last_used_at: w.at })
        .where('id', '=', t.id)
        .execute();
      await w.record('put', 'host', host, null);
      return { host, token };
    });
  } catch (e) {
    throw conflictAs(e, () => alreadyExists('host', j.name));
  }
}

async function insertHostToken(ctx: StoreContext, trx: Db, host: Host, hash: string, at: string) {
  const token: Token = {
    id: newId('token', ctx.random),
    kind: host.role,
    name: `${host.role} ${host.name}`,
    org: null,
    network: null,
    host: host.name,
    expires_at: null,
    created_at: at,
  };
  await trx
    .insertInto('tokens')
    .values({
      id: token.id,
      kind: host.role,
      name: token.name,
      org_id: null,
      network: null,
      host: host.name,
      hash,
      expires_at: null,
      created_at: at,
    })
    .execute();
  return token;
}

/** Replaces every token of host `name` (of `role`) with one whose secret hashes to `hash`: the old ones stop working. */
export async function rotateHostToken(
  ctx: StoreContext,
  name: string,
  role: HostRole,
  hash: string,
): Promise<Token> {
  return locked(ctx, async (trx, at) => {
    const host = await hostByName(trx, name);
    if (host.role !== role) throw notFound(role, name);
    await trx.deleteFrom('tokens').where('host', '=', name).execute();
    return insertHostToken(ctx, trx, host, hash, at);
  });
}
