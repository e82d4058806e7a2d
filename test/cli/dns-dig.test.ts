// `sixpn dns` standalone, following a real control plane, asked with `sixpn dig`: answers appear and disappear
// with the control plane's state; an unknown name is NXDOMAIN with exit code 4.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiClient } from '../../src/client/api-client.ts';
import { BIN, cleanEnv } from '../support/child-process.ts';
import { runSixpn, type ServerProcess, startServer } from './helpers.ts';

describe('sixpn dns + sixpn dig', { timeout: 120_000 }, () => {
  let dir: string;
  let server: ServerProcess;
  let api: ApiClient;
  let env: NodeJS.ProcessEnv;
  let dns: ReturnType<typeof spawn> | undefined;
  let at = '';
  let instanceId = '';
  let address = '';

  const dig = (...args: string[]) => runSixpn(['dig', ...args, '--server', at], { cwd: dir, env });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sixpn-dns-cli-'));
    server = await startServer(dir);
    env = cleanEnv({ HOME: dir, SIXPN_API_URL: server.url, SIXPN_TOKEN: server.admin, SIXPN_LOG: 'warn' });
    api = new ApiClient({ baseUrl: server.url, token: server.admin });
    await api.createOrg('acme');
    await api.createRegion({ code: 'ord', name: 'Chicago', lat: 41.9, lon: -87.6 });
    await api.createHost({ name: 'h1', region: 'ord' });
    await api.createApp('acme', { name: 'web', private_network: true });
    const inst = await api.createInstance('acme', 'web', { region: 'ord' });
    instanceId = inst.id;
    address = inst.address ?? '';
    const net = await api.getNetwork('acme', 'default');
    dns = spawn(
      process.execPath,
      [BIN, 'dns', '--listen', '127.0.0.1:0', '--default-network', String(net.num), '--region', 'ord'],
      { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    at = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`sixpn dns did not start: ${err}`)), 30_000);
      dns?.stderr?.setEncoding('utf8');
      dns?.stderr?.on('data', (s: string) => {
        err += s;
        const m = /answering on (\S+),/.exec(err);
        if (m) {
          clearTimeout(timer);
          resolve(m[1] ?? '');
        }
      });
      dns?.once('exit', (code) => reject(new Error(`sixpn dns exited with ${code}: ${err}`)));
    });
  });

  after(async () => {
    if (dns?.pid !== undefined && dns.exitCode === null) {
      const exited = new Promise((r) => dns?.once('exit', r));
      process.kill(dns.pid, 'SIGTERM');
      await exited;
    }
    await server?.kill();
    await rm(dir, { recursive: true, force: true });
  });

  /** Asks until the answer equals `want` (the server follows the watch stream, so give it a moment). */
  async function eventually(args: string[], want: string): Promise<void> {
    let last = '';
    for (let i = 0; i < 50; i++) {
      last = (await dig(...args)).stdout.trim();
      if (last === want) return;
      await sleep(100);
    }
    assert.equal(last, want, `sixpn dig ${args.join(' ')}`);
  }

  test('answers from the control plane state and follows its changes', async () => {
    await eventually(['web.internal'], address);
    await eventually(['TXT', 'regions.web.internal'], '"ord"');
    await eventually([`${instanceId}.vm.web.internal`], address);
    await api.stopInstance(instanceId);
    await eventually(['web.internal'], '');
    await eventually(['TXT', 'all.regions.web.internal'], '"ord"');
    await api.startInstance(instanceId);
    await eventually(['web.internal'], address);
  });

  test('an unknown name is NXDOMAIN, exit code 4; a bad type is a clear error', async () => {
    const r = await dig('nope.internal');
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /NXDOMAIN/);
    const bad = await dig('BOGUS', 'web.internal');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /not a record type/);
  });
});
