// runServer's unix socket (what the lab's CLI uses): a stale socket file is replaced, the socket is 0600, the
// typed client works over it including the watch stream, and it goes away when the server stops.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ApiClient } from '../../src/client/api-client.ts';
import { runServer } from '../../src/control/main.ts';
import { silentLogger } from '../../src/lib/log.ts';

/** Leaves a socket file behind whose process is gone, as a crashed control plane would. */
async function staleSocket(path: string): Promise<void> {
  const child = spawn(process.execPath, [
    '-e',
    `require('net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`,
  ]);
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  assert.ok(statSync(path).isSocket());
}

test('the control plane on a unix socket', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sixpn-ctl-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sock = join(dir, 'api.sock');
  await staleSocket(sock);
  const abort = new AbortController();
  const srv = await runServer({
    db: 'sqlite::memory:',
    listen: '127.0.0.1:0',
    unixSocket: sock,
    adminToken: 'lab-admin-secret',
    logger: silentLogger,
    signal: abort.signal,
  });
  t.after(async () => {
    abort.abort();
    await srv.done;
  });
  assert.equal(statSync(sock).mode & 0o777, 0o600);
  const c = new ApiClient({ baseUrl: `unix:${sock}`, token: 'lab-admin-secret' });
  assert.equal((await c.whoami()).kind, 'admin');
  const since = (await c.snapshot()).revision;
  const watch = new AbortController();
  const events = c.watchChanges(since, watch.signal);
  await c.createOrg('acme');
  for await (const ev of events) {
    if (ev.type === 'change' && ev.change.kind === 'org') {
      assert.equal(ev.change.obj.name, 'acme');
      break;
    }
  }
  watch.abort();
  const tcp = new ApiClient({ baseUrl: srv.url, token: 'lab-admin-secret' });
  assert.deepEqual(
    (await tcp.listOrgs()).map((o) => o.name),
    ['acme'],
  );
  abort.abort();
  await srv.done;
  assert.throws(() => statSync(sock), /ENOENT/);
});
