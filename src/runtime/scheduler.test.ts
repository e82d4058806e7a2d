// The reconcile scheduler: bursts coalesce, passes never overlap, failures retry with backoff, abort stops it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Scheduler } from './scheduler.ts';

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
