// WireGuard keys (Curve25519): generation, public-key derivation, base64 ↔ hex (https://www.wireguard.com/protocol/).
// Pure: node:crypto computes, nothing is read or written. Keys are the 44-character base64 text `wg genkey` prints.

import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { invalid } from '../errors.ts';

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

/** A Curve25519 public key, standard base64 (44 characters, ends in `=`). */
export type WgPublicKey = Brand<string, 'WgPublicKey'>;
/** A Curve25519 private key, standard base64. Never log it; never send it to the control plane. */
export type WgPrivateKey = Brand<string, 'WgPrivateKey'>;
/** A 32-byte symmetric preshared key, standard base64. */
export type WgPresharedKey = Brand<string, 'WgPresharedKey'>;

export interface WgKeyPair {
  privateKey: WgPrivateKey;
  publicKey: WgPublicKey;
}

export const KEY_BYTES = 32;
const B64_KEY = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;
const HEX_KEY = /^[0-9a-f]{64}$/;
// DER header of a PKCS#8 X25519 private key; the 32 raw bytes follow (RFC 8410 §7).
const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** A fresh key pair from the OS CSPRNG. */
export function generateKeyPair(): WgKeyPair {
  // DER, not JWK: on Node 20.20, exporting freshly generated private keys as JWK deadlocks the process after
  // a few thousand calls (seen here generating gateway test peers). The raw key is the tail of both encodings.
  const { privateKey, publicKey } = generateKeyPairSync('x25519', {
    privateKeyEncoding: { format: 'der', type: 'pkcs8' },
    publicKeyEncoding: { format: 'der', type: 'spki' },
  });
  return {
    privateKey: rawTail(privateKey).toString('base64') as WgPrivateKey,
    publicKey: rawTail(publicKey).toString('base64') as WgPublicKey,
  };
}

/** A fresh random preshared key (`wg genpsk`): 32 bytes from the CSPRNG. */
export function generatePresharedKey(): WgPresharedKey {
  return randomBytes(KEY_BYTES).toString('base64') as WgPresharedKey;
}

/**
 * Public keys already derived, by private key: a daemon derives its own keys' for every change it plans from
 * (~0.1 ms each through node:crypto). Bounded, for processes that derive many.
 */
const derived = new Map<WgPrivateKey, WgPublicKey>();
const DERIVED_MAX = 64;

/** The public key of a private key (`wg pubkey`). */
export function publicKeyOf(privateKey: WgPrivateKey): WgPublicKey {
  const known = derived.get(privateKey);
  if (known !== undefined) return known;
  const raw = keyBytes(privateKey, 'private key');
  const der = Buffer.concat([PKCS8_X25519_PREFIX, raw]);
  const pub = createPublicKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
  const key = rawTail(pub.export({ format: 'der', type: 'spki' })).toString('base64') as WgPublicKey;
  if (derived.size >= DERIVED_MAX) derived.clear();
  derived.set(privateKey, key);
  return key;
}

/** The last 32 bytes of a DER-encoded X25519 key (PKCS#8 or SPKI): the raw key (RFC 8410). */
function rawTail(der: Buffer): Buffer {
  if (der.length < KEY_BYTES) throw new Error('node:crypto returned a DER key shorter than 32 bytes');
  return der.subarray(der.length - KEY_BYTES);
}

/** The 32 raw bytes of a base64 key; throws `invalid_argument` naming `what` if it is not one. */
export function keyBytes(text: string, what = 'key'): Buffer {
  if (!B64_KEY.test(text)) {
    throw invalid(
      `${what} must be 44 characters of standard base64 encoding 32 bytes (as printed by wg genkey/pubkey), got ${describe(text)}`,
      { field: what },
    );
  }
  const raw = Buffer.from(text, 'base64');
  if (raw.length !== KEY_BYTES) throw invalid(`${what} does not decode to 32 bytes`, { field: what });
  return raw;
}

function describe(text: string): string {
  // Never echo what might be a private key; its length and shape are enough to fix a typo.
  return `${text.length} characters`;
}

/** The one key check: `field` names the key in the message (`public_key`, `--mesh-key`, …). */
export function parsePublicKey(text: string, field = 'public key'): WgPublicKey {
  keyBytes(text, field);
  return text as WgPublicKey;
}
export function parsePrivateKey(text: string, field = 'private key'): WgPrivateKey {
  keyBytes(text, field);
  return text as WgPrivateKey;
}
export function parsePresharedKey(text: string, field = 'preshared key'): WgPresharedKey {
  keyBytes(text, field);
  return text as WgPresharedKey;
}

/** Lowercase hex (64 characters), the form the UAPI uses. */
export function keyToHex(key: WgPublicKey | WgPrivateKey | WgPresharedKey): string {
  return keyBytes(key).toString('hex');
}

/** From the UAPI's lowercase hex back to base64. The caller brands the result (it knows what the key is). */
export function keyFromHex(hex: string, what = 'key'): string {
  if (!HEX_KEY.test(hex)) {
    throw invalid(`${what} must be 64 lowercase hex digits (UAPI form), got ${hex.length} characters`, {
      field: what,
    });
  }
  return Buffer.from(hex, 'hex').toString('base64');
}

/** All zeros: in the UAPI, "no key" (a device without a private key, a peer without a preshared key). */
export const ZERO_KEY_HEX = '0'.repeat(64);
