// serialQueue runs tasks one at a time in call order (a failure does not stop the queue); coalesced turns calls
// made during a run into exactly one more run.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { coalesced, serialQueue } from './serial.ts';

test('serialQueue: one at a time, in order, errors stay with their task', async () => {
  const serial = serialQueue();
  const log: string[] = [];
  let inside = 0;
  const task =
    (name: string, ms: number, fail = false) =>
    async () => {
      inside++;
      assert.equal(inside, 1, 'never two at once');
      log.push(`start ${name}`);
      await sleep(ms);
      log.push(`end ${name}`);
      inside--;
      if (fail) throw new Error(name);
      return name;
    };
  const results = await Promise.allSettled([
    serial(task('a', 20)),
    serial(task('b', 1, true)),
    serial(task('c', 5)),
  ]);
  assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  assert.deepEqual(
    results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)),
    ['a', 'b', 'c'],
  );
});

test('coalesced: calls during a run make one more run; errors go to onError', async () => {
  let runs = 0;
  const errors: unknown[] = [];
  const trigger = coalesced(
    async () => {
      runs++;
      await sleep(20);
      if (runs === 1) throw new Error('first');
    },
    (e) => errors.push(e),
  );
  trigger();
  trigger();
  trigger();
  trigger();
  await sleep(80);
  assert.equal(runs, 2, 'the first run and one more for the calls made during it');
  assert.equal(errors.length, 1);
  trigger();
  await sleep(40);
  assert.equal(runs, 3, 'a call when idle starts a run');
});
