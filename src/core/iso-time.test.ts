import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isoTime } from './iso-time.ts';
import { seededRandom } from './seeded-random.ts';

test('isoTime writes what toISOString writes', () => {
  const table = [
    0, -1, 1, 951782400000, 951868799999, 1709164800000, 1798513506789, -62167219200000, 253402300799999,
    -2208988800001, 4102444800000, 1e12,
  ];
  const rnd = seededRandom(7);
  for (let i = 0; i < 2000; i++) table.push(Math.floor((rnd() * 2 - 1) * 62167219200000));
  for (const ms of table) assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
});

test('isoTime refuses a time outside the years 0000 to 9999, or not an integer', () => {
  for (const ms of [-62167219200001, 253402300800000, 1.5, Number.NaN, Number.POSITIVE_INFINITY])
    assert.throws(() => isoTime(ms), RangeError);
});
