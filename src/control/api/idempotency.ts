// The Idempotency-Key header of creates (POST): a create sent again with the same key — by a client that timed
// out on one replica and retried on another — gets the first answer instead of making a second object. Keys are
// scoped to the caller's token and the route, kept for RETENTION_MS. See the IETF draft
// "The Idempotency-Key HTTP Header Field" (draft-ietf-httpapi-idempotency-key-header).

import { hash } from 'node:crypto';
import { invalid, SixpnError } from '../../core/errors.ts';
import type { IdempotencyClaim, KeyedResult, KeyedWrite, Store } from '../store/store.ts';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

/** How long a key is honoured: long past any client's retries. */
export const RETENTION_MS = 24 * 3600_000;

/** Hex SHA-256 of `s`, one-shot (two per keyed create: a `createHash` object costs three times as much). */
const sha256 = (s: string) => hash('sha256', s, 'hex');

/** The header's value, or undefined without one; 1–255 visible ASCII characters, else `invalid_argument`. */
export function idempotencyKeyOf(req: Request): string | undefined {
  const v = req.headers.get(IDEMPOTENCY_HEADER);
  if (v === null) return undefined;
  if (!/^[\x21-\x7e]{1,255}$/.test(v)) {
    throw invalid(`header ${IDEMPOTENCY_HEADER}: 1 to 255 visible ASCII characters (a UUID will do)`, {
      field: IDEMPOTENCY_HEADER,
    });
  }
  return v;
}

/** What the store keeps for one key: scoped to the token and the route, the body as a hash. Pure. */
export function idempotencyRecord(tokenId: string, method: string, path: string, key: string, body: unknown) {
  return {
    key: sha256(JSON.stringify([tokenId, method.toUpperCase(), path, key])),
    request: sha256(JSON.stringify(body ?? null)),
  };
}

/** Kept in place of an answer that carried a secret: the store never holds a token, even for a day. */
const WITHHELD = 'sixpn/secret-withheld';

/** The answer to a repeat: the kept answer again, or the refusal for a key that holds no answer for it. */
function replay(claim: Exclude<IdempotencyClaim, { state: 'claimed' }>): Response {
  if (claim.state === 'done' && claim.contentType === WITHHELD) {
    throw new SixpnError(
      'already_exists',
      `a request with this ${IDEMPOTENCY_HEADER} already succeeded; its answer held a secret, which is shown once and never kept: list the objects to see what was made, and revoke or rotate it if the secret was lost`,
      { details: { field: IDEMPOTENCY_HEADER } },
    );
  }
  if (claim.state === 'done') {
    return new Response(claim.status === 204 ? null : claim.body, {
      status: claim.status,
      headers: { 'content-type': claim.contentType, 'idempotent-replayed': 'true' },
    });
  }
  if (claim.state === 'running') {
    throw new SixpnError(
      'failed_precondition',
      `a request with this ${IDEMPOTENCY_HEADER} is still running (on this or another replica); ask again in a moment`,
      { details: { field: IDEMPOTENCY_HEADER } },
    );
  }
  throw invalid(`this ${IDEMPOTENCY_HEADER} was used for another request; use a new key for each request`, {
    field: IDEMPOTENCY_HEADER,
  });
}

const expiredBefore = (now: Date) => new Date(now.getTime() - RETENTION_MS);

/**
 * Runs `create` once per key: a repeat gets the kept answer (with `Idempotent-Replayed: true`); a failed create
 * gives the key up so a retry may run; a key still running elsewhere, or sent with another body, is refused.
 * With `keepAnswer: false` (the answer carries a secret) only the fact that it succeeded is kept, and a repeat
 * gets 409: the object exists, and its secret was shown once.
 */
export async function idempotent(
  store: Store,
  rec: { key: string; request: string },
  now: Date,
  create: () => Promise<Response>,
  opts: { keepAnswer: boolean } = { keepAnswer: true },
): Promise<Response> {
  const claim = await store.claimIdempotencyKey(rec.key, rec.request, expiredBefore(now));
  if (claim.state !== 'claimed') return replay(claim);
  let res: Response;
  try {
    res = await create();
  } catch (e) {
    await store.releaseIdempotencyKey(rec.key).catch(() => {});
    throw e;
  }
  if (!res.ok) {
    await store.releaseIdempotencyKey(rec.key).catch(() => {});
    return res;
  }
  await store.finishIdempotencyKey(
    rec.key,
    opts.keepAnswer
      ? {
          status: res.status,
          body: await res.clone().text(),
          contentType: res.headers.get('content-type') ?? 'application/json',
        }
      : { status: res.status, body: '', contentType: WITHHELD },
  );
  return res;
}

/**
 * {@link idempotent} for a create whose store write keeps the key's answer itself (`KeyedWrite`): one write
 * where `idempotent` makes three (claim, create, finish). The answer is `status` with the made object as JSON,
 * exactly what the store keeps; a key that holds something is answered as `idempotent` answers a repeat.
 */
export async function idempotentWrite(
  rec: { key: string; request: string },
  now: Date,
  status: number,
  create: (k: KeyedWrite) => Promise<KeyedResult<unknown>>,
): Promise<Response> {
  const contentType = 'application/json';
  const out = await create({ ...rec, expiredBefore: expiredBefore(now), status, contentType });
  if ('claim' in out) return replay(out.claim);
  return new Response(JSON.stringify(out.made), { status, headers: { 'content-type': contentType } });
}
