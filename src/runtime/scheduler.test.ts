// The reconcile scheduler: bursts coalesce, passes never overlap, failures retry with backoff, abort stops it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { quietWait, Scheduler } from './scheduler.ts';

test('a burst of requests is one pass; a request during a pass gives one more after it', async (t) => {
  const abort = new AbortController();
  t.after(() => abort.abort());
  const reasons: string[] = [];
  let release: () => void = () => {};
  const s = new Scheduler(
    async (r) => {
      reasons.push(r);
      if (reasons.length === 1) await new Promise<void>((res) => (release = res));
      return true;
    },
    { debounceMs: 5, periodMs: 60_000, signal: abort.signal },
  );
  for (let i = 0; i < 10; i++) s.request();
  await sleep(30);
  assert.deepEqual(reasons, ['change']);
  s.request();
  s.request();
  await sleep(30);
  assert.equal(reasons.length, 1, 'no second pass while the first runs');
  release();
  await sleep(30);
  await s.idle();
  assert.deepEqual(reasons, ['change', 'change']);
  abort.abort();
});

test('a failing pass is retried with backoff; a change does not wait for the backoff', async (t) => {
  const abort = new AbortController();
  t.after(() => abort.abort());
  const at: [string, number][] = [];
  const t0 = Date.now();
  let fail = 2;
  const s = new Scheduler(
    async (r) => {
      at.push([r, Date.now() - t0]);
      return fail-- <= 0;
    },
    { debounceMs: 1, periodMs: 60_000, minRetryMs: 40, signal: abort.signal },
  );
  s.request();
  await sleep(20);
  assert.deepEqual(
    at.map(([r]) => r),
    ['change'],
  );
  s.request(); // a change right after the failure runs at once, not 40 ms later
  await sleep(15);
  assert.equal(at.length, 2);
  await sleep(150);
  assert.equal(at.length, 3, 'the second failure was retried after its backoff');
  assert.ok(at[2]![1] - at[1]![1] >= 75, `backoff doubled: ${JSON.stringify(at)}`);
  await sleep(200);
  assert.equal(at.length, 3, 'no retry after a pass that succeeded');
});

test('periodic passes run, and stop on abort', async (t) => {
  const abort = new AbortController();
  t.after(() => abort.abort());
  const reasons: string[] = [];
  new Scheduler(
    async (r) => {
      reasons.push(r);
      return true;
    },
    { periodMs: 20, signal: abort.signal },
  );
  await sleep(75);
  abort.abort();
  const n = reasons.length;
  assert.ok(n >= 2 && reasons.every((r) => r === 'periodic'), `periodic passes: ${reasons}`);
  await sleep(50);
  assert.equal(reasons.length, n, 'nothing after abort');
});

test('quietWait: due, after a quiet spell, never past the bound', () => {
  // due at 1000; quiet 100 ms; at most 500 ms late
  const cases: [string, number, number, number][] = [
    ['no change ever: at once', Number.NEGATIVE_INFINITY, 1_000, 0],
    ['not due yet', Number.NEGATIVE_INFINITY, 900, 100],
    ['a change long ago: at once', 500, 1_000, 0],
    ['a change 40 ms ago: wait 60 ms more', 960, 1_000, 60],
    ['changes keep coming: the bound', 1_490, 1_480, 20],
    ['past the bound: at once', 1_600, 1_550, 0],
  ];
  for (const [what, lastChange, now, wait] of cases)
    assert.equal(quietWait(1_000, lastChange, now, 100, 500), wait, what);
});

test('a periodic pass waits while changes arrive (runs as a change pass meanwhile), at most maxDeferMs', async (t) => {
  const abort = new AbortController();
  t.after(() => abort.abort());
  const at: [string, number][] = [];
  const t0 = Date.now();
  let lastChange = Number.NEGATIVE_INFINITY;
  const s = new Scheduler(
    async (r) => {
      at.push([r, Date.now() - t0]);
      return true;
    },
    {
      debounceMs: 1,
      periodMs: 60_000,
      quiet: { lastChange: () => lastChange, quietMs: 40, maxDeferMs: 150 },
      signal: abort.signal,
    },
  );
  s.request('periodic', 0);
  await sleep(20);
  assert.deepEqual(
    at.map(([r]) => r),
    ['periodic'],
    'no change yet: at once',
  );
  // Changes every 10 ms: the periodic pass is held back until the bound, 150 ms after it was due.
  const changing = setInterval(() => (lastChange = Date.now()), 10);
  t.after(() => clearInterval(changing));
  lastChange = Date.now();
  const due = Date.now() - t0;
  s.request('periodic', 0);
  await sleep(50);
  assert.equal(at.length, 1, 'held back');
  s.request();
  await sleep(20);
  assert.deepEqual(
    at.map(([r]) => r),
    ['periodic', 'change'],
    'a change asked for meanwhile still runs, as a change pass',
  );
  await sleep(150);
  const periodic = at.slice(1).filter(([r]) => r === 'periodic');
  assert.equal(periodic.length, 1, `ran once the bound passed: ${JSON.stringify(at)}`);
  assert.ok(periodic[0]![1] - due >= 145, `not before the bound: ${JSON.stringify(at)}`);
  // Changes stop: the next periodic pass runs a quiet spell after the last one.
  clearInterval(changing);
  const quietFrom = lastChange - t0;
  s.request('periodic', 0);
  await sleep(100);
  const last = at.at(-1)!;
  assert.equal(last[0], 'periodic');
  assert.ok(last[1] - quietFrom >= 38, `after the quiet spell: ${JSON.stringify(at)}`);
});
