// Two replicas on one PostgreSQL as a load balancer sees them. /readyz answers 503 (naming the database) while
// PostgreSQL is down and `ready` again after, while /healthz stays `ok` (liveness); the CLI's error names the
// database. A create sent to a frozen replica (SIGSTOP) times out, goes to the other replica with the same
// Idempotency-Key and succeeds; when the frozen one resumes and runs the request it got, no second instance.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { ApiClient } from '../../src/client/api-client.ts';
import { BIN, cleanEnv } from '../support/child-process.ts';
import { createDatabase, type PgServer, postgresUnavailable, startPostgres } from '../support/postgres.ts';
import { ADMIN, type ControlPlane, sleep, startControlPlane } from './control-plane-process.ts';

const run = promisify(execFile);

async function probe(url: string, path: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(5_000) });
  return { status: res.status, text: await res.text() };
}

test('replicas behind a load balancer: readiness follows PostgreSQL; a create retried past a frozen replica makes one instance', {
  skip: postgresUnavailable(),
  timeout: 90_000,
}, async (t) => {
  let pgServer: PgServer | undefined;
  const cps: ControlPlane[] = [];
  t.after(async () => {
    for (const cp of cps) {
      process.kill(cp.pid, 'SIGCONT');
      await cp.kill();
    }
    await pgServer?.stop();
  });
  pgServer = await startPostgres();
  const db = await createDatabase(pgServer.url);
  const a = await startControlPlane(db);
  cps.push(a);
  const b = await startControlPlane(db);
  cps.push(b);

  await t.test('/readyz is 503 naming the database while PostgreSQL is down; /healthz stays ok', async () => {
    assert.deepEqual(await probe(a.url, '/readyz'), { status: 200, text: 'ready' });
    const restarting = pgServer?.restart({ downMs: 3_000 });
    let down: { status: number; text: string } | undefined;
    for (let i = 0; i < 60 && down === undefined; i++) {
      const r = await probe(a.url, '/readyz');
      if (r.status === 503) down = r;
      else await sleep(50);
    }
    assert.ok(down, '/readyz never answered 503 while PostgreSQL was down');
    assert.match(JSON.parse(down.text).error.message, /database is unreachable/);
    assert.deepEqual(await probe(b.url, '/healthz'), { status: 200, text: 'ok' });
    const r = await run(process.execPath, [BIN, 'orgs', 'list'], {
      env: cleanEnv({ SIXPN_API_URL: `${a.url},${b.url}`, SIXPN_TOKEN: ADMIN }),
    }).catch((e: { stderr: string }) => e);
    const cli = r.stderr;
    await restarting;
    assert.match(cli, /^error: the control plane's database is unreachable \(/m, `the CLI said: ${cli}`);
    let ready = false;
    for (let i = 0; i < 100 && !ready; i++) {
      ready =
        (await probe(a.url, '/readyz')).status === 200 && (await probe(b.url, '/readyz')).status === 200;
      if (!ready) await sleep(100);
    }
    assert.ok(ready, '/readyz did not come back after PostgreSQL did');
  });

  await t.test(
    'a create to a frozen replica goes on to the other with its key: exactly one instance',
    async () => {
      const admin = new ApiClient({ baseUrl: b.url, token: ADMIN });
      await admin.createOrg('acme');
      await admin.createRegion({ code: 'ord', name: 'Chicago', lat: 41.9, lon: -87.6 });
      await admin.createHost({ name: 'ord-1', region: 'ord' });
      await admin.createApp('acme', { name: 'web', private_network: true });

      process.kill(a.pid, 'SIGSTOP');
      const client = new ApiClient({ baseUrl: [a.url, b.url], token: ADMIN, timeoutMs: 2_000 });
      const t0 = performance.now();
      const inst = await client.createInstance('acme', 'web', { region: 'ord' });
      assert.ok(performance.now() - t0 >= 1_900, 'the first try waited for the frozen replica');
      assert.equal(client.baseUrl, b.url);
      process.kill(a.pid, 'SIGCONT');
      // the resumed replica reads the request it was sent before it froze and runs it: it must find the key
      await sleep(1_500);
      const listed = await admin.listInstances({ org: 'acme' });
      assert.deepEqual(
        listed.map((i) => i.id),
        [inst.id],
        'one create, one instance',
      );
      assert.equal(a.exit(), undefined, `replica A exited: ${a.stderr()}`);
    },
  );
});
