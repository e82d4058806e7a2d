// The settling collection: when it is due, once per burst, never within the minimum gap, nothing after abort, and
// nothing without a collection to call.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { monotonicMs } from '../lib/clock.ts';
import { silentLogger } from '../lib/log.ts';
import { collectAt, SettleGc } from './settle-gc.ts';

test('collectAt: quiet after the last burst, and the minimum gap after the last collection', () => {
  const none = Number.NEGATIVE_INFINITY;
  const table: [lastBusy: number, lastCollect: number, quiet: number, gap: number, want: number][] = [
    [1_000, none, 5_000, 60_000, 6_000], // first one: only the quiet time
    [70_000, 6_000, 5_000, 60_000, 75_000], // gap long past
    [20_000, 6_000, 5_000, 60_000, 66_000], // within the gap: waits for it
    [61_000, 6_000, 5_000, 60_000, 66_000], // both reached at the same time
    [0, 0, 0, 0, 0],
  ];
  for (const [busy, last, quiet, gap, want] of table)
    assert.equal(collectAt(busy, last, quiet, gap), want, `busy ${busy}, last ${last}`);
});

/**
 * libuv runs a timer by a loop time in whole milliseconds cached at the start of each turn, so one can fire up to
 * 1 ms before its delay has passed by a finer clock: the bounds below allow that much.
 */
const TIMER_SLACK_MS = 1;

/** A settler with small times and a counting collection. */
function counting(quietMs: number, minGapMs: number) {
  const abort = new AbortController();
  const at: number[] = [];
  const t0 = monotonicMs();
  const s = SettleGc.create({
    collect: () => at.push(monotonicMs() - t0),
    quietMs,
    minGapMs,
    log: silentLogger,
    signal: abort.signal,
  });
  assert.ok(s);
  return { s, at, abort };
}

test('a burst is one collection, after it has been quiet', async (t) => {
  const { s, at, abort } = counting(40, 0);
  t.after(() => abort.abort());
  for (let i = 0; i < 5; i++) {
    s.busy();
    await sleep(10);
  }
  assert.equal(at.length, 0, 'not while the burst goes on');
  await sleep(80);
  assert.equal(at.length, 1);
  const first = at[0]!;
  assert.ok(
    first >= 40 + 4 * 10 - TIMER_SLACK_MS,
    `collected at ${first.toFixed(1)} ms, before the burst had been quiet for 40 ms`,
  );
  await sleep(80);
  assert.equal(at.length, 1, 'nothing more without work');
});

test('a second burst within the minimum gap is collected once the gap is over', async (t) => {
  const { s, at, abort } = counting(10, 150);
  t.after(() => abort.abort());
  s.busy();
  await sleep(50);
  assert.equal(at.length, 1);
  s.busy();
  await sleep(50);
  assert.equal(at.length, 1, 'not within 150 ms of the first');
  await sleep(150);
  assert.equal(at.length, 2);
  assert.ok(
    at[1]! - at[0]! >= 150 - TIMER_SLACK_MS,
    `the second came ${(at[1]! - at[0]!).toFixed(1)} ms after the first`,
  );
});

test('abort drops a pending collection; without a collection there is no settler', async () => {
  const { s, at, abort } = counting(20, 0);
  s.busy();
  abort.abort();
  s.busy();
  await sleep(60);
  assert.deepEqual(at, []);
  const saved = globalThis.gc;
  globalThis.gc = undefined;
  try {
    assert.equal(SettleGc.create({ log: silentLogger, signal: new AbortController().signal }), undefined);
  } finally {
    globalThis.gc = saved;
  }
});
