// GroupCommit with a fake writer: what goes in which call, one call at a time, and whose error is whose.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GroupCommit } from './group-commit.ts';

/** A writer whose calls the test ends by hand, recording each call's items. */
function heldWriter() {
  const calls: number[][] = [];
  const ends: (() => void)[] = [];
  let inFlight = 0;
  let most = 0;
  const write = (items: readonly number[]) => {
    calls.push([...items]);
    inFlight++;
    most = Math.max(most, inFlight);
    return new Promise<number[]>((resolve) =>
      ends.push(() => {
        inFlight--;
        resolve(items.map((x) => x * 10));
      }),
    );
  };
  /** Ends the oldest open call once it has started. */
  const endNext = async () => {
    while (ends.length === 0) await new Promise((r) => setImmediate(r));
    ends.shift()!();
  };
  return { write, calls, endNext, most: () => most };
}

test('writes submitted in one turn go in one call; those submitted during it go together in the next', async () => {
  const w = heldWriter();
  const g = new GroupCommit(w.write);
  const first = [1, 2, 3].map((x) => g.submit(x));
  await w.endNext();
  assert.deepEqual(await Promise.all(first), [10, 20, 30]);
  const a = g.submit(4);
  await new Promise((r) => setImmediate(r)); // 4 is in flight
  const rest = [5, 6, 7].map((x) => g.submit(x));
  await w.endNext();
  await w.endNext();
  assert.deepEqual(await Promise.all([a, ...rest]), [40, 50, 60, 70]);
  assert.deepEqual(w.calls, [[1, 2, 3], [4], [5, 6, 7]]);
  assert.equal(w.most(), 1, 'one call in flight at a time');
});

test('a group holds at most `max` items; the rest go in the calls after it', async () => {
  const w = heldWriter();
  const g = new GroupCommit(w.write, { max: 2 });
  const all = [1, 2, 3, 4, 5].map((x) => g.submit(x));
  for (let i = 0; i < 3; i++) await w.endNext();
  assert.deepEqual(await Promise.all(all), [10, 20, 30, 40, 50]);
  assert.deepEqual(w.calls, [[1, 2], [3, 4], [5]]);
});

test('a group that failed and rolled back is written one item at a time: only the bad item fails', async () => {
  const calls: number[][] = [];
  const g = new GroupCommit<number, number>(async (items) => {
    calls.push([...items]);
    if (items.includes(2)) throw Object.assign(new Error('foreign key'), { code: '23503' });
    return items.map((x) => x * 10);
  });
  const out = await Promise.allSettled([1, 2, 3].map((x) => g.submit(x)));
  assert.deepEqual(
    out.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message)),
    [10, 'foreign key', 30],
  );
  assert.deepEqual(calls, [[1, 2, 3], [1], [2], [3]]);
});

test('a failure that may have committed is every item’s answer, never written again', async () => {
  const calls: number[][] = [];
  const lost = new Error('connection lost during commit');
  const g = new GroupCommit<number, number>(
    async (items) => {
      calls.push([...items]);
      throw lost;
    },
    { rolledBack: (e) => e !== lost },
  );
  const out = await Promise.allSettled([1, 2].map((x) => g.submit(x)));
  assert.deepEqual(
    out.map((o) => o.status === 'rejected' && o.reason),
    [lost, lost],
  );
  assert.deepEqual(calls, [[1, 2]]);
});

test('a writer that answers the wrong number of results fails its group without writing it again', async () => {
  let calls = 0;
  const g = new GroupCommit<number, number>(async () => {
    calls++;
    return [1];
  });
  const out = await Promise.allSettled([1, 2].map((x) => g.submit(x)));
  assert.ok(out.every((o) => o.status === 'rejected' && /2 items written, 1 results/.test(String(o.reason))));
  assert.equal(calls, 1);
  assert.equal(await g.submit(7).catch(() => 'failed'), 1, 'the next group is written as usual');
});
