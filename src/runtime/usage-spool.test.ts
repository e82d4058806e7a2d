// The usage spool: reads become numbered reports; a crash between the report file and the state, a restart, or
// a lost state directory never counts an interval twice or reuses a seq.

import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { UsageCounter } from '../core/nft/usage.ts';
import { MAX_ITEMS, recordRead, recover, type SpoolState, UsageSpool } from './usage-spool.ts';

const ctr = (instance: string, bytes: number, handle = 1): UsageCounter => ({
  name: `u_${instance}_tx_r_ord`,
  instance,
  dir: 'tx',
  key: 'r_ord',
  handle,
  bytes,
  packets: bytes / 100,
});
const start: SpoolState = { epoch: 'e', seq: 0, baseline: {} };

test('recordRead: consecutive seqs, one report per MAX_ITEMS items; nothing new: no file', () => {
  const a = recordRead(start, [ctr('00000001', 500)], 'T1', 'ord');
  assert.deepEqual(
    a.file?.reports.map((r) => [r.seq, r.items.length, r.items[0]?.bytes]),
    [[1, 1, 500]],
  );
  assert.equal(recordRead(a.state, [ctr('00000001', 500)], 'T2', 'ord').file, undefined);
  const many = Array.from({ length: MAX_ITEMS + 1 }, (_, i) =>
    ctr((i + 1).toString(16).padStart(8, '0'), 100),
  );
  const b = recordRead(a.state, many, 'T3', 'ord');
  assert.deepEqual(
    b.file?.reports.map((r) => [r.seq, r.items.length]),
    [
      [2, MAX_ITEMS],
      [3, 1],
    ],
  );
  assert.equal(b.state.seq, 3);
});

test('recover: a file newer than the saved state carries its baseline forward', () => {
  const a = recordRead(start, [ctr('00000001', 500)], 'T1', 'ord');
  assert.deepEqual(recover(start, [a.file!]), a.state);
  assert.deepEqual(recover(a.state, [a.file!]), a.state, 'an older file changes nothing');
});

test('UsageSpool: crash after the report file, before the state: the interval is reported once', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'sixpn-usage-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const s1 = await UsageSpool.open(dir);
  await s1.record([ctr('00000001', 1000)], '2030-01-01T00:01:00Z', 'ord');
  // Simulate the crash: put the state back as it was before the read (the file stays).
  const s0 = { epoch: s1.epoch, seq: 0, baseline: {} };
  const { writeFile } = await import('node:fs/promises');
  await writeFile(join(dir, 'state.json'), JSON.stringify(s0));
  const s2 = await UsageSpool.open(dir);
  const again = await s2.record([ctr('00000001', 1500)], '2030-01-01T00:02:00Z', 'ord');
  assert.deepEqual(
    again.map((r) => [r.seq, r.items[0]?.bytes]),
    [[2, 500]],
    'only the new 500 bytes, with the next seq',
  );
  const pending = await s2.pending();
  assert.deepEqual(
    pending.map((p) => p.file.reports.map((r) => r.seq)),
    [[1], [2]],
  );
  await s2.sent(pending[0]!.name);
  assert.equal((await readdir(join(dir, 'pending'))).length, 1);
  // A lost state directory starts a new epoch: its seqs can never collide with the old ones.
  await unlink(join(dir, 'state.json'));
  await rm(join(dir, 'pending'), { recursive: true });
  const s3 = await UsageSpool.open(dir);
  assert.notEqual(s3.epoch, s1.epoch);
});
