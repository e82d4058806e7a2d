// The saved state: a change appends one line (the snapshot is not rewritten), a load replays the lines, a new
// snapshot or lines outgrowing it rewrite the snapshot, and a line cut short by a crash ends the replay.

import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Change } from '../core/model.ts';
import { LocalState } from '../core/state.ts';
import { gatewayFleet } from '../core/test-fleet.ts';
import { silentLogger } from '../lib/log.ts';
import { CHANGES_FILE, loadSavedState, parseJournal, STATE_FILE, StateFile } from './state-file.ts';

const F = gatewayFleet();

async function tempDir(t: { after: (f: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sixpn-state-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A new peer put at the next revision of `state`, applied to it. */
function putPeer(state: LocalState, name: string, index: number): Change {
  const obj = F.makePeer(name, 'acme', 'gw1', index);
  const c: Change = { rev: state.revision + 1, op: 'put', kind: 'peer', id: obj.id, org: 'acme', obj };
  state.applyChange(c);
  return c;
}

/** A saver over a state that has been written once in full. */
async function saved(dir: string, minCompactBytes = 1 << 20) {
  const state = F.state();
  const file = new StateFile(dir, state, silentLogger, 0, 200, minCompactBytes);
  file.snapshot();
  await file.flush();
  return { state, file };
}

test('a change appends one line; a load replays it over the snapshot', async (t) => {
  const dir = await tempDir(t);
  const { state, file } = await saved(dir);
  const before = await stat(join(dir, STATE_FILE));
  file.change(putPeer(state, 'tablet', 7));
  state.advance(state.revision + 5);
  file.advance(state.revision);
  await file.flush();
  assert.equal((await stat(join(dir, STATE_FILE))).mtimeMs, before.mtimeMs);
  assert.equal((await readFile(join(dir, CHANGES_FILE), 'utf8')).split('\n').length, 3);
  assert.deepEqual((await loadSavedState(dir, silentLogger))?.snapshot, state.snapshot());
});

test('a new snapshot rewrites state.json and empties the lines', async (t) => {
  const dir = await tempDir(t);
  const { state, file } = await saved(dir);
  file.change(putPeer(state, 'tablet', 7));
  await file.flush();
  state.applySnapshot(F.snapshot({ revision: state.revision + 10 }));
  file.snapshot();
  await file.flush();
  assert.equal(await readFile(join(dir, CHANGES_FILE), 'utf8'), '');
  assert.deepEqual((await loadSavedState(dir, silentLogger))?.snapshot, state.snapshot());
});

test('lines that outgrow the snapshot are folded into it', async (t) => {
  const dir = await tempDir(t);
  const { state, file } = await saved(dir, 0);
  const size = (await stat(join(dir, STATE_FILE))).size;
  let i = 0;
  // Each write appends until the lines would pass the snapshot's size; then state.json holds them all.
  while ((await stat(join(dir, CHANGES_FILE))).size + 400 < size) {
    file.change(putPeer(state, `p${i}`, 10 + i++));
    await file.flush();
  }
  for (let k = 0; k < 3; k++) file.change(putPeer(state, `p${i}`, 10 + i++));
  await file.flush();
  assert.equal(await readFile(join(dir, CHANGES_FILE), 'utf8'), '');
  const snap = JSON.parse(await readFile(join(dir, STATE_FILE), 'utf8')) as { revision: number };
  assert.equal(snap.revision, state.revision);
  assert.deepEqual((await loadSavedState(dir, silentLogger))?.snapshot, state.snapshot());
});

test('a line cut short ends the replay; the next write rewrites everything', async (t) => {
  const dir = await tempDir(t);
  const { state, file } = await saved(dir);
  file.change(putPeer(state, 'tablet', 7));
  await file.flush();
  const good = state.snapshot();
  await appendFile(join(dir, CHANGES_FILE), '{"rev":99,"op":"put","kind":"pe');
  const text = await readFile(join(dir, CHANGES_FILE), 'utf8');
  assert.deepEqual(
    parseJournal(text).lines.map((l) => ('rev' in l ? l.rev : -1)),
    [good.revision],
  );
  assert.equal(parseJournal(text).damaged, true);
  const loaded = await loadSavedState(dir, silentLogger);
  assert.deepEqual(loaded?.snapshot, good);
  const again = new StateFile(dir, new LocalState(loaded?.snapshot), silentLogger, loaded?.journalBytes);
  await again.flush();
  assert.equal(await readFile(join(dir, CHANGES_FILE), 'utf8'), '');
  assert.deepEqual((await loadSavedState(dir, silentLogger))?.snapshot, good);
});

test('no snapshot: nothing is loaded, whatever lines there are', async (t) => {
  const dir = await tempDir(t);
  await appendFile(join(dir, CHANGES_FILE), '{"advance":5}\n');
  assert.equal(await loadSavedState(dir, silentLogger), undefined);
});
