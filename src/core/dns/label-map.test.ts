// LabelMap: lookups from message bytes match lookups by string, case-insensitively, with collisions.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LabelMap } from './label-map.ts';

const label = (s: string) => Uint8Array.from([s.length, ...Buffer.from(s)]);

test('get by bytes ignores ASCII case; set, delete and values agree', () => {
  const m = new LabelMap<number>();
  const names = Array.from({ length: 5000 }, (_, i) => `app-${i}`);
  for (const [i, n] of names.entries()) m.set(n, i);
  assert.equal(m.size, 5000);
  assert.equal(m.getAt(label('APP-42'), 0), 42);
  assert.equal(m.getAt(label('app-4999'), 0), 4999);
  assert.equal(m.getAt(label('app-5000'), 0), undefined);
  assert.equal(m.getAt(label('app-4'), 0), 4);
  for (let i = 0; i < 5000; i += 2) assert.ok(m.delete(`APP-${i}`));
  assert.equal(m.size, 2500);
  assert.equal(m.getAt(label('app-42'), 0), undefined);
  assert.equal(m.get('app-43'), 43);
  assert.equal([...m.values()].length, 2500);
  assert.equal(m.delete('app-42'), false);
});
