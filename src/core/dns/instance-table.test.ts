// The instance table against a Map model: inserts, finds, removes and per-app lists under random churn.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from '../seeded-random.ts';
import { InstanceTable, type SlotList } from './instance-table.ts';

test('random churn keeps the table equal to a Map model', () => {
  const t = new InstanceTable(4);
  const model = new Map<string, number>();
  const lists: SlotList[] = [
    { head: -1, count: 0 },
    { head: -1, count: 0 },
  ];
  const listOf = new Map<string, number>();
  const rand = seededRandom(7);
  for (let step = 0; step < 20000; step++) {
    // a small id space forces hash collisions, removals and slot reuse
    const n = 1 + Math.floor(rand() * 3000);
    const id = rand() < 0.02 ? `odd-${n % 50}` : n.toString(16).padStart(8, '0');
    const slot = t.find(id);
    assert.equal(slot, model.get(id) ?? -1, `find ${id} at step ${step}`);
    if (slot < 0) {
      const s = t.insert(id);
      const l = Math.floor(rand() * 2);
      t.link(s, lists[l]!);
      model.set(id, s);
      listOf.set(id, l);
    } else {
      t.unlink(slot, lists[listOf.get(id)!]!);
      t.remove(slot);
      model.delete(id);
      listOf.delete(id);
    }
  }
  assert.equal(t.size, model.size);
  for (const [id, s] of model) {
    assert.equal(t.find(id), s);
    assert.equal(t.idOf(s), id);
  }
  for (const l of [0, 1]) {
    const ids = [...t.slotsOf(lists[l]!)].map((s) => t.idOf(s)).sort();
    const want = [...listOf]
      .filter(([, x]) => x === l)
      .map(([id]) => id)
      .sort();
    assert.deepEqual(ids, want);
  }
});

test('sortById orders by id, odd ids included', () => {
  const t = new InstanceTable();
  const list: SlotList = { head: -1, count: 0 };
  for (const id of ['0000000b', 'zeta', '0000000a', 'ffffffff', 'alpha']) t.link(t.insert(id), list);
  assert.deepEqual(
    [...t.sortById(t.slotsOf(list))].map((s) => t.idOf(s)),
    ['0000000a', '0000000b', 'alpha', 'ffffffff', 'zeta'],
  );
});
