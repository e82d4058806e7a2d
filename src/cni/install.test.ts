// Tests of `sixpn cni install`'s writer: the wrapper runs the plugin by absolute paths, is rewritten in place,
// and never replaces someone else's `sixpn` without --force.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { installPlugin, pluginPath, wrapperScript } from './install.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sixpn-cni-install-'));
});
after(() => rm(dir, { recursive: true, force: true }));

test('wrapperScript quotes paths for sh', () =>
  assert.match(
    wrapperScript('/usr/bin/node', "/opt/it's/cni/sixpn"),
    /^exec '\/usr\/bin\/node' '\/opt\/it'\\''s\/cni\/sixpn' "\$@"$/m,
  ));

const built = existsSync(new URL('../../dist/cni/main.js', import.meta.url));

test('install writes an executable wrapper; again is fine', async () => {
  const path = await installPlugin(join(dir, 'bin'));
  assert.equal(path, join(dir, 'bin', 'sixpn'));
  assert.equal((await stat(path)).mode & 0o777, 0o755);
  assert.match(await readFile(path, 'utf8'), new RegExp(pluginPath().replaceAll('/', '\\/')));
  await installPlugin(join(dir, 'bin'));
});

test('the wrapper runs the plugin', { skip: built ? false : 'needs `npm run build`' }, async () => {
  const path = await installPlugin(join(dir, 'bin'));
  const r = spawnSync(path, [], {
    env: { CNI_COMMAND: 'VERSION' },
    input: '{"cniVersion":"1.0.0"}',
    timeout: 10_000,
  });
  assert.equal(r.status, 0, String(r.stderr));
  assert.deepEqual(JSON.parse(String(r.stdout)), { cniVersion: '1.0.0', supportedVersions: ['1.0.0'] });
});

test('another program named sixpn is kept unless --force', async () => {
  await writeFile(join(dir, 'sixpn'), '#!/bin/sh\necho theirs\n');
  await assert.rejects(installPlugin(dir), /is not sixpn's plugin wrapper.*--force/);
  assert.equal(await readFile(join(dir, 'sixpn'), 'utf8'), '#!/bin/sh\necho theirs\n');
  await installPlugin(dir, { force: true });
  assert.match(await readFile(join(dir, 'sixpn'), 'utf8'), /sixpn CNI plugin wrapper/);
});
