// CA fingerprints: the SHA-256 of a certificate's DER, written `sha256:HEX` (lowercase). Parsing also accepts what
// openssl and Node print (`AB:CD:…`, upper case, `SHA256:` or `SHA256 Fingerprint=` prefixes). Pure.

import { createHash } from 'node:crypto';
import { invalid } from './errors.ts';

/** 64 lowercase hex digits: the normal form of a fingerprint. */
export type Fingerprint = string & { readonly __fingerprint: unique symbol };

/** `sha256:HEX`, or HEX with or without colons; throws `invalid_argument` saying the expected form otherwise. */
export function parseFingerprint(text: string, what = 'the CA fingerprint'): Fingerprint {
  const body = text
    .trim()
    .replace(/^sha-?256(\s+fingerprint)?\s*[:=]\s*/i, '')
    .replaceAll(':', '')
    .toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(body)) {
    throw invalid(`${what} '${text}' is not a SHA-256 fingerprint; expected sha256: and 64 hex digits`);
  }
  return body as Fingerprint;
}

/** The fingerprint as `sha256:HEX`. */
export const formatFingerprint = (fp: Fingerprint) => `sha256:${fp}`;

/** The fingerprint of a certificate given as DER. */
export const fingerprintOfDer = (der: Uint8Array) =>
  createHash('sha256').update(der).digest('hex') as Fingerprint;
