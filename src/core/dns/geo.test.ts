// Great-circle distances against published airport-to-airport figures (±1%).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { greatCircleKm } from './geo.ts';

const cases: [string, [number, number], [number, number], number][] = [
  ['ORD–NRT', [41.978, -87.905], [35.772, 140.393], 10_072],
  ['ORD–AMS', [41.978, -87.905], [52.309, 4.764], 6_612],
  ['AMS–NRT', [52.309, 4.764], [35.772, 140.393], 9_313],
  ['same point', [10, 20], [10, 20], 0],
  ['antipodes', [0, 0], [0, 180], 20_015],
];

for (const [name, a, b, km] of cases) {
  test(`distance ${name}`, () => {
    const d = greatCircleKm(a[0], a[1], b[0], b[1]);
    assert.ok(Math.abs(d - km) <= km * 0.01 + 0.001, `${d} km, expected about ${km}`);
    assert.equal(greatCircleKm(b[0], b[1], a[0], a[1]), d);
  });
}
