// Table tests of allocation in the address plan (DESIGN.md): picking an instance number, a peer's index, and
// instance ids, the text form of instance numbers.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  asInstanceNum,
  instanceIdOf,
  instanceNumOfId,
  MAX_PEER_INDEX,
  MAX_U32,
  peerIndexAfter,
  peerIndexFromBounds,
  pickInstanceNum,
} from './address.ts';
import { isSixpnError, SixpnError } from './errors.ts';

describe('allocation', () => {
  const seq = (...xs: number[]) => {
    let k = 0;
    return () => xs[k++ % xs.length]!;
  };

  test('pickInstanceNum maps [0,1) onto 1 … 2^32-1', () => {
    assert.equal(
      pickInstanceNum(() => false, seq(0)),
      1,
    );
    assert.equal(
      pickInstanceNum(() => false, seq(0.5)),
      1 + Math.floor(0.5 * MAX_U32),
    );
    assert.equal(
      pickInstanceNum(() => false, seq(1 - 2 ** -53)),
      MAX_U32,
    );
  });

  test('pickInstanceNum retries on collision and on an out-of-range random value', () => {
    const taken = new Set([1]);
    assert.equal(
      pickInstanceNum((n) => taken.has(n), seq(0, 0, 1, 0.25)),
      1 + Math.floor(0.25 * MAX_U32),
    );
  });

  test('pickInstanceNum gives up after 64 tries with resource_exhausted', () => {
    let calls = 0;
    assert.throws(
      () =>
        pickInstanceNum(() => {
          calls++;
          return true;
        }, seq(0.1)),
      (e: unknown) => e instanceof SixpnError && e.code === 'resource_exhausted',
    );
    assert.equal(calls, 64);
  });

  // The lowest free index from the slot's bounds, or from the first gap (the lowest taken index whose next is free).
  const peerRows: [number[], number][] = [
    [[], 1],
    [[1], 2],
    [[1, 2, 3], 4],
    [[2, 3], 1],
    [[1, 3], 2],
    [[1, 2, 4, 6], 3],
  ];
  for (const [taken, want] of peerRows) {
    test(`peer index: taken=[${taken}] → ${want}`, () => {
      const slot =
        taken.length === 0
          ? { count: 0, min: 0, max: 0 }
          : { count: taken.length, min: Math.min(...taken), max: Math.max(...taken) };
      const gap = taken.find((i) => !taken.includes(i + 1)) ?? 0;
      assert.equal(peerIndexFromBounds(slot) ?? peerIndexAfter(gap), want);
    });
  }
  test('peer index: none after the last one', () => {
    assert.throws(
      () => peerIndexAfter(MAX_PEER_INDEX),
      (e) => isSixpnError(e) && e.code === 'resource_exhausted',
    );
    assert.equal(peerIndexFromBounds({ count: 3, min: 1, max: 5 }), undefined);
  });
});

describe('instance ids', () => {
  const rows: [number, string][] = [
    [1, '00000001'],
    [0xf066_b83b, 'f066b83b'],
    [0xabc, '00000abc'],
    [MAX_U32, 'ffffffff'],
  ];
  for (const [num, id] of rows) {
    test(`${num} ↔ ${id}`, () => {
      assert.equal(instanceIdOf(asInstanceNum(num)), id);
      assert.equal(instanceNumOfId(id), num);
    });
  }
  const bad = ['00000000', 'F066B83B', 'f066b83', 'f066b83b0', 'g066b83b', '', ' f066b83', '-0000001'];
  for (const id of bad)
    test(`not an id: ${JSON.stringify(id)}`, () => assert.equal(instanceNumOfId(id), undefined));
});
