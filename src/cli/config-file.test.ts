// The login file: written 0600 in a 0700 folder, read back, replaced atomically; damaged files give clear errors.

import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readLoginFile, writeLoginFile } from './config-file.ts';
import { loginFilePath } from './connection.ts';

const dir = await mkdtemp(join(tmpdir(), 'sixpn-cli-'));
after(() => rm(dir, { recursive: true, force: true }));

test('path: $SIXPN_CONFIG, else ~/.config/sixpn/config.json', () => {
  assert.equal(loginFilePath({ SIXPN_CONFIG: '/x/c.json' }, '/home/u'), '/x/c.json');
  assert.equal(loginFilePath({}, '/home/u'), '/home/u/.config/sixpn/config.json');
  assert.equal(loginFilePath({ SIXPN_CONFIG: '' }, '/home/u'), '/home/u/.config/sixpn/config.json');
});

test('write then read; mode 0600, folder 0700, no temporary file left', async () => {
  const path = join(dir, 'a', 'b', 'config.json');
  const old = process.umask(0o022);
  try {
    await writeLoginFile(path, { api: 'http://x:1', token: 't1', org: null });
    await writeLoginFile(path, { api: 'http://x:1', token: 't2', org: 'acme', kind: 'org', name: 'ci' });
  } finally {
    process.umask(old);
  }
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.equal((await stat(join(dir, 'a', 'b'))).mode & 0o777, 0o700);
  assert.deepEqual(await readdir(join(dir, 'a', 'b')), ['config.json']);
  assert.deepEqual(await readLoginFile(path), {
    api: 'http://x:1',
    token: 't2',
    org: 'acme',
    kind: 'org',
    name: 'ci',
  });
});

test('a missing file is undefined', async () => {
  assert.equal(await readLoginFile(join(dir, 'none.json')), undefined);
});

const damaged: [string, string, RegExp][] = [
  ['not JSON', '{', /is not JSON; run `sixpn login` again or delete it/],
  ['no token', '{"api":"http://x"}', /is not valid \(token: .*\); run `sixpn login` again/],
  ['empty token', '{"api":"http://x","token":""}', /is not valid \(token: /],
];
for (const [name, content, msg] of damaged) {
  test(`damaged: ${name}`, async () => {
    const path = join(dir, `${name}.json`);
    await writeFile(path, content);
    await assert.rejects(readLoginFile(path), msg);
  });
}
