// The stored form of a token: its hex SHA-256, fixed forever (the store holds only these hashes, so a change
// of the digest would lock out every token issued before it).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashSecret, newSecret, TOKEN_PREFIX } from './auth.ts';

test('hashSecret is the hex SHA-256 of the secret (golden values)', () => {
  const cases: [string, string][] = [
    ['sixpn_example', '24bbccfc41bf2eeae4f0dbf941bc20b3f237ff0fa09b0017cf31ee22dd6ce90a'],
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  ];
  for (const [secret, want] of cases) assert.equal(hashSecret(secret), want, secret);
});

test('newSecret: the prefix and 32 random bytes, base64url', () => {
  const s = newSecret();
  assert.ok(s.startsWith(TOKEN_PREFIX));
  assert.match(s.slice(TOKEN_PREFIX.length), /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(newSecret(), s);
});
