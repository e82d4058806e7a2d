// The serving predicate and the verdict of an instance's checks, as tables.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Health } from './model.ts';
import { isServing, verdictOf } from './serving.ts';

const check = {
  name: 'c',
  type: 'tcp' as const,
  port: 1,
  interval_ms: 1000,
  timeout_ms: 100,
  grace_period_ms: 0,
};

describe('isServing', () => {
  const rows: ['started' | 'stopped', Health | null | undefined, boolean, boolean][] = [
    ['started', undefined, false, true],
    ['started', null, false, true],
    ['started', 'critical', false, true], // a verdict left over from checks since removed does not count
    ['stopped', 'passing', false, false],
    ['started', 'passing', true, true],
    ['started', 'critical', true, false],
    ['started', null, true, false],
    ['started', undefined, true, false],
    ['stopped', 'passing', true, false],
  ];
  for (const [state, health, checked, want] of rows) {
    test(`${state}, health ${health}, app ${checked ? 'with' : 'without'} checks → ${want}`, () => {
      assert.equal(isServing({ state, health }, checked), want);
      assert.equal(isServing({ state, health }, { checks: checked ? [check] : [] }), want);
    });
  }
  test('an unknown app or one saved before checks existed has none', () => {
    assert.equal(isServing({ state: 'started', health: null }, undefined), true);
    assert.equal(isServing({ state: 'started', health: null }, {}), true);
  });
});

describe('verdictOf', () => {
  const two = [{ name: 'a' }, { name: 'b' }];
  const rows: [string, [string, Health][], Health | null, Health | null][] = [
    [
      'all pass',
      [
        ['a', 'passing'],
        ['b', 'passing'],
      ],
      null,
      'passing',
    ],
    [
      'one critical',
      [
        ['a', 'passing'],
        ['b', 'critical'],
      ],
      'passing',
      'critical',
    ],
    ['critical wins over unknown', [['b', 'critical']], 'passing', 'critical'],
    ['a new check keeps a passing instance passing', [['a', 'passing']], 'passing', 'passing'],
    ['a fresh instance waits for every check', [['a', 'passing']], null, null],
    ['a critical one whose failing check left waits', [['a', 'passing']], 'critical', null],
    ['nothing known yet', [], null, null],
    [
      'statuses of removed checks do not count',
      [
        ['a', 'passing'],
        ['b', 'passing'],
        ['gone', 'critical'],
      ],
      null,
      'passing',
    ],
  ];
  for (const [name, statuses, previous, want] of rows) {
    test(name, () => assert.equal(verdictOf(two, new Map(statuses), previous), want));
  }
  test('no checks: no verdict', () =>
    assert.equal(verdictOf([], new Map([['a', 'critical']]), 'passing'), null));
});
