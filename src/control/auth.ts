// API tokens: generation, hashing (only hashes are stored), and who may see and do what.

import { hash, randomBytes } from 'node:crypto';
import { SixpnError } from '../core/errors.ts';
import type { TokenKind } from '../core/model.ts';
import type { TokenRecord } from './store/store.ts';

/** Prefix of every secret sixpn issues, so leaked tokens are recognisable (and scannable in logs). */
export const TOKEN_PREFIX = 'sixpn_';

/** A new secret: prefix + 32 random bytes, base64url. */
export function newSecret(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * Tokens carry 256 bits of entropy, so a plain SHA-256 (no salt, no stretching) is a safe stored form. Every
 * request hashes its token: the one-shot `hash` costs a third of a `createHash` object (same digest).
 */
export function hashSecret(secret: string): string {
  return hash('sha256', secret, 'hex');
}

/** The authenticated caller of a request. */
export interface Principal {
  tokenId: string;
  kind: TokenKind;
  name: string;
  org: string | null;
  network: string | null;
  host: string | null;
  expiresAt: string | null;
}

export function principalOf(t: TokenRecord): Principal {
  return {
    tokenId: t.id,
    kind: t.kind,
    name: t.name,
    org: t.org,
    network: t.network,
    host: t.host,
    expiresAt: t.expires_at,
  };
}

/** Parses `Authorization: Bearer <secret>`; undefined when absent or malformed. */
export function bearerSecret(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}

export const unauthenticated = (why: string) =>
  new SixpnError('unauthenticated', `${why}; pass a token with --token, SIXPN_TOKEN or \`sixpn login\``);

export const forbidden = (p: Principal) =>
  new SixpnError('permission_denied', `a ${p.kind} token cannot do this; use an admin or org token`);

/** Throws unless the token is still valid at `now`. */
export function checkExpiry(p: Principal, now: Date): void {
  if (p.expiresAt !== null && Date.parse(p.expiresAt) <= now.getTime()) {
    throw unauthenticated(`the token expired at ${p.expiresAt}`);
  }
}

/**
 * Guards everything under an org. Objects of another org are reported as not found (never 403, never data),
 * so a caller cannot even learn that the org exists.
 */
export function checkOrgAccess(p: Principal, org: string, what = 'organization', name = org): void {
  if (p.kind === 'admin') return;
  if ((p.kind === 'org' || p.kind === 'peer') && p.org === org) return;
  if (p.kind === 'host' || p.kind === 'gateway') throw forbidden(p);
  throw new SixpnError('not_found', `${what} '${name}' not found`, { details: { kind: what, name } });
}

/** Peer tokens limited to one network may touch only that network's peers. */
export function checkNetworkAccess(p: Principal, network: string): void {
  if (p.kind === 'peer' && p.network !== null && p.network !== network) {
    throw new SixpnError('not_found', `network '${network}' not found`, {
      details: { kind: 'network', name: network },
    });
  }
}

/**
 * The org a fleet-wide list is limited to: an org or peer token always gets its own org (asking for another is
 * a 404, as for any object of another org); admin, host and gateway tokens get what they asked for.
 */
export function orgFilter(p: Principal, requested: string | undefined): string | undefined {
  if (p.kind !== 'org' && p.kind !== 'peer') return requested;
  if (requested !== undefined && requested !== p.org) checkOrgAccess(p, requested);
  return p.org ?? undefined;
}

/** Parses `24h`, `30d`, `90m`, `3600s` or a plain number of seconds. */
export function parseDuration(text: string | number): number {
  if (typeof text === 'number') {
    if (Number.isInteger(text) && text > 0) return text;
  } else {
    const m = /^([1-9][0-9]{0,8})([smhd]?)$/.exec(text.trim());
    if (m) {
      const mult = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
      return Number(m[1]) * mult;
    }
  }
  throw new SixpnError(
    'invalid_argument',
    `expiry '${text}' is not a duration; use e.g. 3600s, 90m, 24h or 30d`,
    {
      details: { field: 'expires_in' },
    },
  );
}
