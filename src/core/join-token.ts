// Join tokens: what a new host trades for its own host token. The text `sixpn1.<fingerprint>.<token id>.<secret>`
// carries the SHA-256 of the control plane's CA (hex, or `none` when the server's certificate is checked against
// the system's CAs), so the new host trusts the server with no PKI (k3s's idea). Only the secret's hash is
// stored. Pure.

import { invalid } from './errors.ts';
import type { Fingerprint } from './fingerprint.ts';
import { HostRole, isoTime } from './model.ts';
import * as z from './zod.ts';

export const JOIN_TOKEN_VERSION = 'sixpn1';

/** A join token's id: `j` and 16 hex digits (no `.` or `:`, so the text splits unambiguously). */
export const JOIN_TOKEN_ID_RE = /^j[0-9a-f]{16}$/;
/** The secret: 52 characters of RFC 4648 base32, lowercase, no padding (32 random bytes). */
const SECRET_RE = /^[a-z2-7]{52}$/;

export interface JoinTokenParts {
  /** The CA the server's chain must end in; undefined: verify with the system's CAs (or `--ca`). */
  fingerprint: Fingerprint | undefined;
  id: string;
  secret: string;
}

/** The token's text. */
export function formatJoinToken(p: JoinTokenParts): string {
  return [JOIN_TOKEN_VERSION, p.fingerprint ?? 'none', p.id, p.secret].join('.');
}

/** Parses a join token; throws `invalid_argument` naming `what` and the expected form (never echoing the secret). */
export function parseJoinToken(text: string, what = 'the join token'): JoinTokenParts {
  const parts = text.trim().split('.');
  const [version, fp, id, secret] = parts;
  if (parts.length !== 4 || version !== JOIN_TOKEN_VERSION) {
    throw invalid(
      `${what} is not a sixpn join token; expected sixpn1.<CA fingerprint>.<id>.<secret> as printed by \`sixpn hosts join-token create\``,
      { field: 'token' },
    );
  }
  if (fp !== 'none' && !/^[0-9a-f]{64}$/.test(fp ?? '')) {
    throw invalid(`${what}: its CA fingerprint is not 64 hex digits; copy the whole token again`, {
      field: 'token',
    });
  }
  if (!JOIN_TOKEN_ID_RE.test(id ?? '') || !SECRET_RE.test(secret ?? '')) {
    throw invalid(`${what} is damaged (its id or secret has the wrong form); copy the whole token again`, {
      field: 'token',
    });
  }
  return {
    fingerprint: fp === 'none' ? undefined : (fp as Fingerprint),
    id: id as string,
    secret: secret as string,
  };
}

const B32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** RFC 4648 base32, lowercase, without padding. */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

/** A join token as listed: never its secret nor its hash. */
export const JoinToken = z.object({
  id: z.string(),
  region: z.string(),
  role: HostRole,
  /** How many hosts may join with it in all, and how many have. */
  uses: z.int(),
  used: z.int(),
  expires_at: isoTime,
  revoked_at: z.nullable(isoTime),
  created_at: isoTime,
  last_used_at: z.nullable(isoTime),
});
export type JoinToken = z.infer<typeof JoinToken>;

/** Whether a join token can still be used at `now`; why not otherwise (for `list` and the exchange's error). */
export function joinTokenState(t: JoinToken, now: Date): 'usable' | 'revoked' | 'expired' | 'used' {
  if (t.revoked_at !== null) return 'revoked';
  if (Date.parse(t.expires_at) <= now.getTime()) return 'expired';
  if (t.used >= t.uses) return 'used';
  return 'usable';
}
