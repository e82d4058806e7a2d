// Fingerprint parsing and formatting: the forms people paste, and the ones refused.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fingerprintOfDer, formatFingerprint, parseFingerprint } from './fingerprint.ts';

const HEX = 'ab'.repeat(32);
const COLONS = Array.from({ length: 32 }, () => 'AB').join(':');

test('parseFingerprint accepts the common forms', () => {
  const cases: [string, string][] = [
    [`sha256:${HEX}`, HEX],
    [`SHA256:${HEX.toUpperCase()}`, HEX],
    [HEX, HEX],
    [COLONS, HEX],
    [`sha256 Fingerprint=${COLONS}`, HEX],
    [`  sha256:${HEX}\n`, HEX],
    [`sha-256:${HEX}`, HEX],
  ];
  for (const [input, want] of cases) assert.equal(parseFingerprint(input), want, input);
});

test('parseFingerprint refuses what is not a SHA-256', () => {
  for (const bad of [
    '',
    'sha256:',
    `sha1:${HEX}`,
    `sha256:${HEX}00`,
    HEX.slice(2),
    `sha256:${'zz'.repeat(32)}`,
  ]) {
    assert.throws(() => parseFingerprint(bad), /not a SHA-256 fingerprint/, bad);
  }
});

test('formatFingerprint round-trips', () => {
  const fp = parseFingerprint(HEX);
  assert.equal(formatFingerprint(fp), `sha256:${HEX}`);
  assert.equal(parseFingerprint(formatFingerprint(fp)), fp);
});

test('fingerprintOfDer is the SHA-256 of the bytes', () => {
  assert.equal(
    fingerprintOfDer(new Uint8Array()),
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  );
});
