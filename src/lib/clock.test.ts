import assert from 'node:assert/strict';
import { test } from 'node:test';
import { monotonicMs, processStartMs } from './clock.ts';

test('monotonicMs counts milliseconds as performance.now does', async () => {
  const a0 = monotonicMs();
  const p0 = performance.now();
  await new Promise((r) => setTimeout(r, 20));
  const p1 = performance.now();
  const a1 = monotonicMs();
  // the monotonicMs readings enclose the performance.now ones
  assert.ok(a1 - a0 >= p1 - p0 - 0.01 && p1 - p0 >= 19, `${a1 - a0} vs ${p1 - p0}`);
});

test('processStartMs is performance.timeOrigin within a few milliseconds', () => {
  assert.ok(Math.abs(processStartMs() - performance.timeOrigin) < 50);
});
