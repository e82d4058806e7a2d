// Unit tests for WireGuard key handling (RFC 7748 §6.1 vector; `wg pubkey` is compared in test/runtime).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SixpnError } from '../errors.ts';
import {
  generateKeyPair,
  generatePresharedKey,
  keyBytes,
  keyFromHex,
  keyToHex,
  parsePresharedKey,
  parsePrivateKey,
  parsePublicKey,
  publicKeyOf,
} from './keys.ts';

// RFC 7748 §6.1, Alice: the same pair `wg pubkey` gives.
const ALICE_PRIV = 'dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=';
const ALICE_PUB = 'hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=';
const ALICE_PRIV_HEX = '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a';

test('publicKeyOf matches the RFC 7748 vector', () => {
  assert.equal(publicKeyOf(parsePrivateKey(ALICE_PRIV)), ALICE_PUB);
});

test('publicKeyOf answers the same again (it keeps what it derived), past the bound of what it keeps', () => {
  const pairs = Array.from({ length: 150 }, () => generateKeyPair());
  for (let round = 0; round < 2; round++)
    for (const p of pairs) assert.equal(publicKeyOf(p.privateKey), p.publicKey, `round ${round}`);
  assert.equal(publicKeyOf(parsePrivateKey(ALICE_PRIV)), ALICE_PUB);
  assert.equal(publicKeyOf(parsePrivateKey(ALICE_PRIV)), ALICE_PUB);
});

test('generated pairs are 44-char base64 and consistent', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 20; i++) {
    const kp = generateKeyPair();
    assert.match(kp.privateKey, /^[A-Za-z0-9+/]{43}=$/);
    assert.match(kp.publicKey, /^[A-Za-z0-9+/]{43}=$/);
    assert.equal(publicKeyOf(kp.privateKey), kp.publicKey);
    assert.equal(keyBytes(kp.privateKey).length, 32);
    seen.add(kp.privateKey);
  }
  assert.equal(seen.size, 20);
  assert.equal(keyBytes(generatePresharedKey()).length, 32);
});

test('hex round trip', () => {
  const k = parsePrivateKey(ALICE_PRIV);
  assert.equal(keyToHex(k), ALICE_PRIV_HEX);
  assert.equal(keyFromHex(ALICE_PRIV_HEX), ALICE_PRIV);
});

const bad: [string, string][] = [
  ['empty', ''],
  ['too short', ALICE_PUB.slice(0, 43)],
  ['no padding', `${ALICE_PUB.slice(0, 43)}A`],
  ['url alphabet', ALICE_PUB.replace('/', '_')],
  ['33 bytes', Buffer.alloc(33).toString('base64')],
  ['31 bytes', Buffer.alloc(31).toString('base64')],
  ['non-canonical last char', `${ALICE_PUB.slice(0, 42)}b=`],
  ['hex instead of base64', ALICE_PRIV_HEX],
  ['whitespace', ` ${ALICE_PUB}`],
];
const keyMessage = (field: string, text: string) =>
  `${field} must be 44 characters of standard base64 encoding 32 bytes (as printed by wg genkey/pubkey), got ${text.length} characters`;
for (const [name, text] of bad) {
  test(`parsePublicKey rejects ${name}`, () => {
    assert.throws(() => parsePublicKey(text), {
      code: 'invalid_argument',
      message: keyMessage('public key', text),
      details: { field: 'public key' },
    });
  });
  test(`the one key check names the field it is given: ${name}`, () => {
    assert.throws(() => parsePublicKey(text, 'mesh_key'), {
      message: keyMessage('mesh_key', text),
      details: { field: 'mesh_key' },
    });
    assert.throws(() => parsePrivateKey(text, '--key-file'), { message: keyMessage('--key-file', text) });
    assert.throws(() => parsePresharedKey(text), { message: keyMessage('preshared key', text) });
  });
}

test('error messages never echo the key text', () => {
  try {
    parsePrivateKey(`${ALICE_PRIV}x`);
    assert.fail('expected a throw');
  } catch (e) {
    assert.ok(e instanceof SixpnError);
    assert.ok(!e.message.includes(ALICE_PRIV.slice(0, 10)));
  }
});

test('keyFromHex rejects uppercase and wrong length', () => {
  assert.throws(() => keyFromHex(ALICE_PRIV_HEX.toUpperCase()), SixpnError);
  assert.throws(() => keyFromHex(ALICE_PRIV_HEX.slice(2)), SixpnError);
});

test('thousands of key pairs in one process (JWK export deadlocked Node 20.20 after ~2,500)', {
  timeout: 30_000,
}, () => {
  const seen = new Set<string>();
  for (let i = 0; i < 5000; i++) seen.add(generateKeyPair().publicKey);
  assert.equal(seen.size, 5000);
});
