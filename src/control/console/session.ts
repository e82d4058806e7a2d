// Console sign-in: an API token (org or admin) is exchanged for a session cookie whose secret is stored only as
// a hash, and every write made with the cookie must carry the session's CSRF token (derived from the secret, so
// nothing more is stored). The token itself is never kept by the browser.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { SixpnError } from '../../core/errors.ts';
import { checkExpiry, hashSecret, type Principal, principalOf, unauthenticated } from '../auth.ts';
import type { ConsoleSession, Store, TokenRecord } from '../store/store.ts';

/** The cookie's name; `__Host-` (Secure, path /, no Domain) when served over TLS. */
export const COOKIE = 'sixpn_session';
export const TLS_COOKIE = `__Host-${COOKIE}`;
/** The header (or form field `csrf`) a write made with the session cookie must carry. */
export const CSRF_HEADER = 'x-csrf-token';
/** A session lasts 8 hours at most, and never past its token's expiry. */
export const SESSION_TTL_MS = 8 * 3_600_000;

/** What a request made with a session cookie carries: who, and the session (for sign-out and the CSRF token). */
export interface SessionAuth {
  principal: Principal;
  /** The cookie's secret: hashed to find the session, and the root of its CSRF token. */
  secret: string;
  csrf: string;
}

/** The CSRF token of the session with this secret: an attacker who cannot read the cookie cannot compute it. */
export function csrfOf(secret: string): string {
  return createHash('sha256').update(`sixpn console csrf\0${secret}`).digest('base64url');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The value of cookie `name` in a Cookie header, or undefined. */
export function readCookie(header: string | null | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

const isTls = (req: Request) => new URL(req.url).protocol === 'https:';

/** The Set-Cookie value for a session (`secret` undefined: the cookie that clears it). */
export function sessionCookie(req: Request, secret: string | undefined, maxAgeS = 0): string {
  const tls = isTls(req);
  const attrs = [
    `${tls ? TLS_COOKIE : COOKIE}=${secret ?? ''}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${secret === undefined ? 0 : maxAgeS}`,
  ];
  if (tls) attrs.push('Secure');
  return attrs.join('; ');
}

const sessionSecretOf = (req: Request) =>
  readCookie(req.headers.get('cookie'), isTls(req) ? TLS_COOKIE : COOKIE);

/** True for methods that change nothing (no CSRF token needed). */
const safeMethod = (m: string) => m === 'GET' || m === 'HEAD';

/**
 * Writes from another origin are refused even before the CSRF token is looked at (a browser always sends
 * Origin on a cross-origin POST/DELETE); a request without Origin (curl) still needs the token.
 */
function checkOrigin(req: Request): void {
  const origin = req.headers.get('origin');
  if (origin !== null && origin !== new URL(req.url).origin) {
    throw new SixpnError('permission_denied', `a console write from origin '${origin}' is refused`);
  }
}

export interface TokenLookup {
  get(hash: string): Promise<TokenRecord | undefined>;
}

/**
 * The principal of a request that carries a session cookie, or undefined when it carries none. A write must
 * also carry the CSRF token in the `x-csrf-token` header (or `formCsrf`, from a form's hidden field). An expired
 * or unknown session, or a revoked token behind it, is `unauthenticated`.
 */
export async function sessionAuth(
  req: Request,
  store: Pick<Store, 'getSession'>,
  tokens: TokenLookup,
  now: Date,
  formCsrf?: string,
): Promise<SessionAuth | undefined> {
  const secret = sessionSecretOf(req);
  if (secret === undefined || secret === '') return undefined;
  const session = await store.getSession(hashSecret(secret), now);
  if (!session) throw unauthenticated('the console session has ended; sign in again');
  const rec = await tokens.get(session.token_hash);
  if (!rec) throw unauthenticated('the token behind this console session was revoked; sign in again');
  const principal = principalOf(rec);
  checkExpiry(principal, now);
  const csrf = csrfOf(secret);
  if (!safeMethod(req.method)) {
    checkOrigin(req);
    const given = req.headers.get(CSRF_HEADER) ?? formCsrf ?? '';
    if (!sameText(given, csrf)) {
      throw new SixpnError(
        'permission_denied',
        'a write from the console needs its CSRF token (reload the page and try again)',
      );
    }
  }
  return { principal, secret, csrf };
}

/** Token kinds that may sign in to the console. */
const CONSOLE_KINDS = new Set(['admin', 'org']);

/**
 * Exchanges an API token for a new session: returns the cookie's secret (to set once) and the session stored
 * (hashes only). Peer, host and gateway tokens are refused: the console is for people who run an org.
 */
export async function signIn(
  token: string,
  store: Pick<Store, 'createSession'>,
  tokens: TokenLookup,
  now: Date,
): Promise<{ secret: string; session: ConsoleSession; principal: Principal }> {
  const tokenHash = hashSecret(token.trim());
  const rec = token.trim() === '' ? undefined : await tokens.get(tokenHash);
  if (!rec)
    throw unauthenticated('that token is not valid (revoked, mistyped, or from another control plane)');
  const principal = principalOf(rec);
  checkExpiry(principal, now);
  if (!CONSOLE_KINDS.has(principal.kind)) {
    throw new SixpnError(
      'permission_denied',
      `a ${principal.kind} token cannot sign in to the console; use an org or admin token`,
    );
  }
  const ends = Math.min(
    now.getTime() + SESSION_TTL_MS,
    principal.expiresAt === null ? Number.POSITIVE_INFINITY : Date.parse(principal.expiresAt),
  );
  const secret = randomBytes(32).toString('base64url');
  const session: ConsoleSession = {
    hash: hashSecret(secret),
    token_hash: tokenHash,
    created_at: now.toISOString(),
    expires_at: new Date(ends).toISOString(),
  };
  await store.createSession(session);
  return { secret, session, principal };
}
