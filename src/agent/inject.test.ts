// `sixpn agent env` / `inject` from a saved state: the env text, the files in a root filesystem, and an unknown id.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isSixpnError } from '../core/errors.ts';
import { agentFleet } from '../core/test-fleet.ts';
import { injectFiles, instanceEnvText } from './inject.ts';

const F = agentFleet();

async function saved(t: { after: (f: () => Promise<void>) => void }) {
  const dir = await mkdtemp(join(tmpdir(), 'sixpn-inject-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'state.json'), JSON.stringify(F.snapshot()));
  return dir;
}

test('env of an instance from the saved state', async (t) => {
  const dir = await saved(t);
  assert.equal(
    await instanceEnvText(dir, '000000c1'),
    'SIXPN_PRIVATE_IP=fdaa:0:2:0:1:0:c1:2\nSIXPN_REGION=ord\nSIXPN_APP_NAME=vault\nSIXPN_INSTANCE_ID=000000c1\n',
  );
  await assert.rejects(instanceEnvText(dir, '0000dead'), (e) => isSixpnError(e) && e.code === 'not_found');
});

test('inject writes hosts, resolv.conf, env; nsswitch.conf only when the image has none', async (t) => {
  const dir = await saved(t);
  const rootfs = join(dir, 'rootfs');
  await mkdir(join(rootfs, 'etc'), { recursive: true });
  await writeFile(join(rootfs, 'etc', 'nsswitch.conf'), 'hosts: files\n');
  const written = await injectFiles(dir, '000000a1', rootfs, F.plan);
  assert.deepEqual(
    written.map((p) => p.slice(rootfs.length)),
    ['/etc/hosts', '/etc/resolv.conf', '/etc/sixpn/env'],
  );
  assert.match(
    await readFile(join(rootfs, 'etc', 'hosts'), 'utf8'),
    /^fdaa:0:1:0:1:0:a1:2\tsixpn-local-6pn$/m,
  );
  assert.match(await readFile(join(rootfs, 'etc', 'resolv.conf'), 'utf8'), /^nameserver fdaa::3$/m);
  assert.equal(await readFile(join(rootfs, 'etc', 'nsswitch.conf'), 'utf8'), 'hosts: files\n', 'kept');
  assert.match(await readFile(join(rootfs, 'etc', 'sixpn', 'env'), 'utf8'), /^SIXPN_APP_NAME=web$/m);
  await rm(join(rootfs, 'etc', 'nsswitch.conf'));
  await injectFiles(dir, '000000a1', rootfs, F.plan);
  assert.equal(await readFile(join(rootfs, 'etc', 'nsswitch.conf'), 'utf8'), 'hosts: files dns\n', 'added');
});
