// The checker's pure part: which checks a host runs, when, and which results are transitions.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseChecks } from '../core/checks.ts';
import { LocalState } from '../core/state.ts';
import { dnsFleet } from '../core/test-fleet.ts';
import { afterRun, CheckPlan, checkTargets, firstRunAt, keyHash, nextRunAt } from './check-plan.ts';

const [HTTP, TCP] = parseChecks([
  { type: 'http', port: 8080, interval: '10s', grace_period: '5s' },
  { type: 'tcp', port: 9000, interval: '2s' },
]);

function fleet(withChecks = true) {
  const D = dnsFleet();
  const snap = D.snapshot();
  for (const a of snap.apps) if (a.name === 'web' && withChecks) a.checks = [HTTP!, TCP!];
  return new LocalState(snap);
}

describe('checkTargets', () => {
  test('started instances of this host that a pass set up, every check of their app', () => {
    const state = fleet();
    const mine = state.all('instance').filter((i) => i.host === 'host-1');
    const ids = new Set(state.all('instance').map((i) => i.id));
    const got = checkTargets(state, 'host-1', ids);
    const web = mine.filter((i) => i.app === 'web' && i.state === 'started');
    assert.ok(web.length > 0);
    assert.deepEqual(
      got.map((t) => t.key),
      web.flatMap((i) => [`${i.id}/http-8080`, `${i.id}/tcp-9000`]).sort(),
    );
    assert.ok(got.every((t) => t.address === web.find((i) => i.id === t.instance)?.address));
    // not yet set up by a pass: not checked
    assert.deepEqual(checkTargets(state, 'host-1', new Set()), []);
    // other hosts' instances never
    assert.ok(checkTargets(state, 'host-2', ids).every((t) => !web.some((i) => i.id === t.instance)));
    // an app without checks: nothing
    assert.deepEqual(checkTargets(fleet(false), 'host-1', ids), []);
  });
});

describe('schedule', () => {
  test('first run within a second, spread by key', () => {
    const keys = Array.from({ length: 200 }, (_, i) => `${i.toString(16).padStart(8, '0')}/http-8080`);
    const at = keys.map((k) => firstRunAt(5000, k, 10_000) - 5000);
    assert.ok(at.every((d) => d >= 0 && d < 1000));
    assert.ok(new Set(at).size > 150, 'spread');
    assert.ok(firstRunAt(0, keys[0]!, 1000) < 1000);
  });
  test('then on the key’s phase of the interval: exactly one interval apart once on it', () => {
    for (const key of ['a/x', 'b/y', '0a7b007d/http-8080']) {
      const phase = keyHash(key) % 10_000;
      const second = nextRunAt(123, key, 10_000);
      assert.equal(second % 10_000, phase);
      assert.ok(second - 123 >= 5000 && second - 123 < 15_000);
      assert.equal(nextRunAt(second, key, 10_000), second + 10_000);
    }
  });
  test('phases spread a host’s checks over the interval', () => {
    const slots = new Array(10).fill(0);
    for (let i = 0; i < 1000; i++) slots[Math.floor((keyHash(`${i}/c`) % 10_000) / 1000)]++;
    assert.ok(
      slots.every((n) => n > 60 && n < 140),
      slots.join(','),
    );
  });
});

describe('afterRun', () => {
  const rows: [string, 'unknown' | 'passing' | 'critical', boolean, number, string][] = [
    ['unknown, pass', 'unknown', true, 0, 'passing'],
    ['unknown, fail after grace', 'unknown', false, 6000, 'critical'],
    ['unknown, fail within grace', 'unknown', false, 4000, 'unknown'],
    ['passing, fail within grace (it had started)', 'passing', false, 100, 'critical'],
    ['critical, pass', 'critical', true, 0, 'passing'],
    ['critical, fail', 'critical', false, 9000, 'critical'],
  ];
  for (const [name, state, ok, now, want] of rows)
    test(name, () => assert.equal(afterRun(state, ok, now, 0, 5000), want));
});

describe('CheckPlan', () => {
  const target = (id: string, check = TCP!, address = 'fdaa:0:1:0:1:0:1:2') => ({
    key: `${id}/${check.name}`,
    instance: id,
    address,
    check,
  });

  test('runs, transitions and changes', () => {
    const p = new CheckPlan();
    p.sync([target('00000001')], 0);
    const first = p.nextWake()!;
    assert.ok(first < 1000);
    assert.deepEqual(p.due(first - 1, 10), []);
    const [t] = p.due(first, 10);
    assert.ok(t);
    assert.deepEqual(p.due(first, 10), [], 'a running check is not handed out twice');
    assert.equal(p.nextWake(), undefined);
    // first result: a transition from unknown
    assert.deepEqual(p.done(t.target.key, t.spec, first, first + 3, true, 'connected in 1 ms'), {
      instance: '00000001',
      check: 'tcp-9000',
      status: 'passing',
      output: 'connected in 1 ms',
    });
    const second = p.nextWake()!;
    assert.ok(second >= first + 1000);
    // the same result again: nothing to report
    const [t2] = p.due(second, 10);
    assert.equal(p.done(t2!.target.key, t2!.spec, second, second + 1, true, 'ok'), undefined);
    // a miss: critical at once
    const third = p.nextWake()!;
    assert.equal(third, second + 2000);
    const [t3] = p.due(third, 10);
    assert.equal(
      p.done(t3!.target.key, t3!.spec, third, third + 1, false, 'connect ECONNREFUSED')?.status,
      'critical',
    );
    // the check changes (new port) while it runs: its result is dropped, it begins again soon
    const [t4] = p.due(p.nextWake()!, 10);
    const moved = { ...TCP!, port: 9001 };
    p.sync([target('00000001', moved)], 10_000);
    assert.equal(p.done(t4!.target.key, t4!.spec, 9000, 10_001, true, 'ok'), undefined);
    assert.equal(p.tracks.get('00000001/tcp-9000')?.state, 'unknown');
    assert.ok(p.nextWake()! < 11_000);
    // the instance leaves: its checks go
    p.sync([], 12_000);
    assert.equal(p.tracks.size, 0);
    assert.equal(p.done('00000001/tcp-9000', 'x', 0, 1, true, ''), undefined);
  });

  test('grace counts from when the instance was first seen ready', () => {
    const p = new CheckPlan();
    p.sync([target('00000002', HTTP!)], 0);
    const [t] = p.due(1000, 10);
    assert.equal(p.done(t!.target.key, t!.spec, 1000, 1001, false, 'http ECONNREFUSED'), undefined);
    p.sync([target('00000002', HTTP!), target('00000002', TCP!)], 3000);
    assert.equal(
      p.tracks.get('00000002/tcp-9000')?.since,
      0,
      'a check added later keeps the instance’s start',
    );
    const [t2] = p.due(20_000, 1);
    assert.equal(p.done(t2!.target.key, t2!.spec, 20_000, 20_001, false, 'down')?.status, 'critical');
  });

  test('bounded: at most max due runs at once, earliest first', () => {
    const p = new CheckPlan();
    p.sync(
      Array.from({ length: 50 }, (_, i) => target(i.toString(16).padStart(8, '0'))),
      0,
    );
    const batch = p.due(5000, 8);
    assert.equal(batch.length, 8);
    const nexts = batch.map((t) => t.next);
    assert.deepEqual(
      nexts,
      [...nexts].sort((a, b) => a - b),
    );
    assert.equal(p.due(5000, 0).length, 0);
    assert.equal(p.due(5000, 100).length, 42);
  });
});
