import assert from 'node:assert/strict';
import { test } from 'node:test';
import { holderAlive, parseStartTime, startTimeOf } from './procs.ts';

test('parseStartTime: field 22, whatever the command name holds', () => {
  const tail = 'S 1 2 3 0 -1 4194560 100 0 0 0 5 6 0 0 20 0 1 0 123456 1000 10';
  assert.equal(parseStartTime(`42 (node) ${tail}`), '123456');
  assert.equal(parseStartTime(`42 (we) ird (x)) ${tail}`), '123456');
  assert.equal(parseStartTime('42 (short) S 1'), undefined);
});

test('holderAlive: this process is; a wrong start time is not', async () => {
  const start = await startTimeOf(process.pid);
  assert.ok(start);
  assert.equal(await holderAlive({ pid: process.pid, start }), true);
  assert.equal(await holderAlive({ pid: process.pid, start: `${start}1` }), false);
});
