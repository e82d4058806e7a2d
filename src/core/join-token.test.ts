// Join token text: round trip, the RFC 4648 base32 vectors, refusals that never echo the secret, and the states.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Fingerprint } from './fingerprint.ts';
import { base32, formatJoinToken, type JoinToken, joinTokenState, parseJoinToken } from './join-token.ts';

const fp = 'ab'.repeat(32) as Fingerprint;
const secret = base32(new Uint8Array(32).fill(7));

test('base32 follows RFC 4648 (lowercase, no padding)', () => {
  const vectors: [string, string][] = [
    ['', ''],
    ['f', 'my'],
    ['fo', 'mzxq'],
    ['foo', 'mzxw6'],
    ['foobar', 'mzxw6ytboi'],
  ];
  for (const [text, want] of vectors) assert.equal(base32(new TextEncoder().encode(text)), want);
  assert.equal(secret.length, 52);
});

test('format and parse round-trip, with and without a fingerprint', () => {
  for (const fingerprint of [fp, undefined]) {
    const parts = { fingerprint, id: 'j0123456789abcdef', secret };
    const text = formatJoinToken(parts);
    assert.doesNotMatch(text, /:/);
    assert.deepEqual(parseJoinToken(` ${text}\n`), parts);
  }
  assert.match(
    formatJoinToken({ fingerprint: undefined, id: 'j0123456789abcdef', secret }),
    /^sixpn1\.none\./,
  );
});

test('a malformed token is refused without echoing it', () => {
  const good = formatJoinToken({ fingerprint: fp, id: 'j0123456789abcdef', secret });
  for (const bad of [
    '',
    'sixpn_abc',
    good.replace('sixpn1', 'sixpn2'),
    good.replace(fp, 'zz'),
    `${good}x`,
    good.replace('j0', 'k0'),
  ]) {
    assert.throws(
      () => parseJoinToken(bad),
      (e: Error) => /join token/.test(e.message) && !e.message.includes(secret),
    );
  }
});

test('states: revoked before expired before used', () => {
  const t: JoinToken = {
    id: 'j0123456789abcdef',
    region: 'ord',
    role: 'host',
    uses: 1,
    used: 1,
    expires_at: '2030-01-01T01:00:00.000Z',
    revoked_at: '2030-01-01T00:30:00.000Z',
    created_at: '2030-01-01T00:00:00.000Z',
    last_used_at: null,
  };
  const at = (iso: string) => new Date(iso);
  assert.equal(joinTokenState(t, at('2030-01-01T02:00:00Z')), 'revoked');
  assert.equal(joinTokenState({ ...t, revoked_at: null }, at('2030-01-01T02:00:00Z')), 'expired');
  assert.equal(joinTokenState({ ...t, revoked_at: null }, at('2030-01-01T00:10:00Z')), 'used');
  assert.equal(joinTokenState({ ...t, revoked_at: null, used: 0 }, at('2030-01-01T00:10:00Z')), 'usable');
});
