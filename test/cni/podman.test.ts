// Real Podman (4.3, CNI backend) with the sixpn plugin, without an agent: the offline image runs, Podman finds
// the plugin by the network's type, and a container on a sixpn network with no agent running fails with the
// plugin's message and leaves nothing behind — no container, no namespace, no link on the machine.
// Run as root, holding the shared lock: flock /tmp/sixpn-e2e.lock node --import tsx --test test/cni/podman.test.ts

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { IMAGE, type Podman, startPodman } from './podman.ts';

const exec = promisify(execFile);
const links = async () =>
  (JSON.parse((await exec('ip', ['-j', 'link', 'show'])).stdout) as { ifname: string }[])
    .map((l) => l.ifname)
    .sort();
const netns = async () => (await readdir('/run/netns').catch(() => [] as string[])).sort();

describe('podman with the sixpn CNI plugin', { timeout: 180_000 }, () => {
  let podman: Podman;
  before(async () => {
    podman = await startPodman();
  });
  after(() => podman?.close());

  test('the offline image runs (no network)', async () => {
    const { stdout } = await podman.run([
      'run',
      '--rm',
      '--network',
      'none',
      IMAGE,
      '/bin/sh',
      '-c',
      'echo ok; ls /www',
    ]);
    assert.equal(stdout, 'ok\nindex.html\n');
  });

  test('podman sees only our network configs; a sixpn network has driver sixpn', async () => {
    await podman.network('acme-web', {
      org: 'acme',
      app: 'web',
      agentSocket: join(podman.dir, 'agent.sock'),
    });
    const nets = JSON.parse((await podman.run(['network', 'ls', '--format', 'json'])).stdout) as {
      name: string;
      driver: string;
    }[];
    assert.deepEqual(
      nets.map((n) => `${n.name} ${n.driver}`).sort(),
      ['acme-web sixpn', 'podman bridge'], // podman's default exists in memory only; no file is written for it
    );
  });

  test('agent not running: podman run fails with the plugin’s message, nothing left behind', async () => {
    const [links0, ns0] = [await links(), await netns()];
    await assert.rejects(
      podman.run([
        'run',
        '--rm',
        '--name',
        'sixpn-noagent',
        '--network',
        'acme-web',
        IMAGE,
        '/bin/sh',
        '-c',
        'true',
      ]),
      /plugin type="sixpn" failed \(add\): cni plugin sixpn failed: the sixpn agent is not answering \(.*agent\.sock: ENOENT\)/,
    );
    assert.equal((await podman.run(['ps', '--all', '--quiet'])).stdout, '');
    assert.deepEqual(await netns(), ns0);
    assert.deepEqual(await links(), links0);
  });
});
