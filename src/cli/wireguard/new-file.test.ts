// The peer file on disk: 0600 whatever the umask, never over an existing file (or link), removed on discard.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SixpnError } from '../../core/errors.ts';
import { reserveFile } from './new-file.ts';

const dir = await mkdtemp(join(tmpdir(), 'sixpn-wgfile-'));
after(() => rm(dir, { recursive: true, force: true }));

test('a new file is 0600 with the content, even under umask 0', async () => {
  const old = process.umask(0);
  try {
    const f = await reserveFile(join(dir, 'a.conf'));
    assert.equal((await stat(f.path)).mode & 0o777, 0o600, 'already 0600 while empty');
    await f.write('[Interface]\n');
    assert.equal(await readFile(f.path, 'utf8'), '[Interface]\n');
    assert.equal((await stat(f.path)).mode & 0o777, 0o600);
  } finally {
    process.umask(old);
  }
});

test('an existing file, link or directory is never overwritten', async () => {
  const existing = join(dir, 'b.conf');
  await writeFile(existing, 'keep me');
  const target = join(dir, 'target');
  await writeFile(target, 'keep me too');
  const link = join(dir, 'link.conf');
  await symlink(target, link);
  for (const p of [existing, link, dir]) {
    await assert.rejects(
      reserveFile(p),
      (e: unknown) => e instanceof SixpnError && e.code === 'already_exists',
    );
  }
  assert.equal(await readFile(existing, 'utf8'), 'keep me');
  assert.equal(await readFile(target, 'utf8'), 'keep me too');
});

test('a missing folder is invalid_argument; discard removes the reserved file', async () => {
  await assert.rejects(
    reserveFile(join(dir, 'nope', 'c.conf')),
    (e: unknown) => e instanceof SixpnError && e.code === 'invalid_argument',
  );
  const f = await reserveFile(join(dir, 'd.conf'));
  await f.discard();
  await f.discard();
  await assert.rejects(stat(f.path), { code: 'ENOENT' });
});
