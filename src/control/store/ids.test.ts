// cryptoRandom: numbers in [0, 1), never repeating, across the refills of its pool of CSPRNG bytes.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cryptoRandom } from './ids.ts';

test('cryptoRandom: 5,000 numbers (several refills) in [0, 1), distinct, mean near 1/2', () => {
  const xs = Array.from({ length: 5000 }, () => cryptoRandom());
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  assert.equal(new Set(xs).size, xs.length);
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
});
