// Store suite, health checks: an app's checks, host reports, verdicts as instance changes, resets on start and
// on a change of checks, and the rule that a host speaks only of its own instances; on every backend.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachBackend } from '../../../test/support/postgres.ts';
import { parseChecks } from '../../core/checks.ts';
import { deterministic, rejectsWith, rejectsWithoutWrite, seedFleet } from './test-fixtures.ts';

const HTTP = parseChecks([{ type: 'http', port: 8080, path: '/healthz' }]);
const TWO = parseChecks([
  { type: 'http', port: 8080, path: '/healthz' },
  { type: 'tcp', port: 9000 },
]);

forEachBackend('store checks', (b) => {
  test('apps carry their checks; update applies them and is idempotent', async () => {
    const s = await b.open(deterministic());
    await seedFleet(s);
    const app = await s.createApp({ org: 'acme', name: 'api', private_network: true, checks: HTTP });
    assert.deepEqual(app.checks, HTTP);
    assert.deepEqual((await s.getApp('acme', 'api')).checks, HTTP);
    assert.deepEqual((await s.getApp('acme', 'web')).checks, []);
    const head = await s.headRevision();
    const updated = await s.updateApp('acme', 'web', { checks: TWO });
    assert.deepEqual(updated.checks, TWO);
    assert.equal(await s.headRevision(), head + 1);
    const snap = await s.snapshot();
    assert.deepEqual(snap.apps.find((a) => a.name === 'web')?.checks, TWO);
    const { changes } = await s.changesSince(head, 10);
    assert.deepEqual(
      changes.map((c) => [c.kind, c.op]),
      [['app', 'put']],
    );
    await s.updateApp('acme', 'web', { checks: TWO });
    await s.updateApp('acme', 'web', {});
    assert.equal(await s.headRevision(), head + 1, 'the same checks again commit nothing');
    await rejectsWithoutWrite(
      s,
      () => s.updateApp('acme', 'nope', { checks: [] }),
      'not_found',
      /acme\/nope/,
    );
  });

  test('reports: verdicts move on transitions only; a host speaks only of its own', async () => {
    const s = await b.open(deterministic());
    await seedFleet(s);
    await s.updateApp('acme', 'web', { checks: TWO });
    const a = await s.createInstance({ org: 'acme', app: 'web', region: 'ord', host: 'ord-1' });
    const other = await s.createInstance({ org: 'acme', app: 'web', region: 'ord', host: 'ord-2' });
    assert.equal(a.health, null);
    const ok = (check: string, status: 'passing' | 'critical', output = 'ok') => ({
      instance: a.id,
      check,
      status,
      output,
    });
    let head = await s.headRevision();
    // one check of two passing: no verdict yet, no revision, but the status is kept
    assert.deepEqual(await s.reportChecks('ord-1', [ok('http-8080', 'passing')]), { changed: 0 });
    assert.equal(await s.headRevision(), head);
    assert.equal((await s.getInstance(a.id)).health, null);
    assert.equal((await s.listCheckStatus({ instance: a.id })).length, 1);
    assert.deepEqual(await s.reportChecks('ord-1', [ok('tcp-9000', 'passing')]), { changed: 1 });
    assert.equal((await s.getInstance(a.id)).health, 'passing');
    const { changes } = await s.changesSince(head, 10);
    assert.deepEqual(
      changes.map((c) => [c.kind, c.id, (c.obj as { health?: string }).health]),
      [['instance', a.id, 'passing']],
    );
    head = await s.headRevision();
    assert.deepEqual(await s.reportChecks('ord-1', [ok('tcp-9000', 'critical', 'x'.repeat(600) + 'é')]), {
      changed: 1,
    });
    assert.equal((await s.getInstance(a.id)).health, 'critical');
    const list = await s.listCheckStatus({ org: 'acme', app: 'web' });
    assert.deepEqual(
      list.map((c) => [c.check, c.status, c.host, c.region, Buffer.byteLength(c.output)]),
      [
        ['tcp-9000', 'critical', 'ord-1', 'ord', 512],
        ['http-8080', 'passing', 'ord-1', 'ord', 2],
      ],
      'failing first; output cut to 512 bytes',
    );
    // reports of a check the app does not have are ignored
    assert.deepEqual(await s.reportChecks('ord-1', [ok('gone', 'critical')]), { changed: 0 });
    // another host's instance: 404 naming it, nothing written (not even the own instance of the same batch)
    head = await s.headRevision();
    await rejectsWith(
      s.reportChecks('ord-2', [
        { instance: other.id, check: 'tcp-9000', status: 'passing', output: '' },
        ok('tcp-9000', 'passing'),
      ]),
      'not_found',
      new RegExp(`instance '${a.id}' not found`),
    );
    assert.equal(await s.headRevision(), head);
    assert.equal((await s.getInstance(a.id)).health, 'critical');
    await rejectsWith(
      s.reportChecks('ord-1', [{ ...ok('x', 'passing'), instance: 'ffffffff' }]),
      'not_found',
    );
  });

  test('stop/start and a change of checks begin again', async () => {
    const s = await b.open(deterministic());
    await seedFleet(s);
    await s.updateApp('acme', 'web', { checks: HTTP });
    const a = await s.createInstance({ org: 'acme', app: 'web', region: 'ord', host: 'ord-1' });
    const pass = { instance: a.id, check: 'http-8080', status: 'passing' as const, output: '200' };
    await s.reportChecks('ord-1', [pass]);
    assert.equal((await s.getInstance(a.id)).health, 'passing');
    // a second check keeps it passing until that one has spoken
    await s.updateApp('acme', 'web', { checks: TWO });
    assert.equal((await s.getInstance(a.id)).health, 'passing');
    await s.reportChecks('ord-1', [{ ...pass, check: 'tcp-9000', status: 'critical' }]);
    assert.equal((await s.getInstance(a.id)).health, 'critical');
    // the failing check removed: its status goes, the verdict follows the rest
    await s.updateApp('acme', 'web', { checks: HTTP });
    assert.equal((await s.getInstance(a.id)).health, 'passing');
    assert.deepEqual(
      (await s.listCheckStatus({ instance: a.id })).map((c) => c.check),
      ['http-8080'],
    );
    // stopped: no verdict, no statuses; started again it waits for its checks
    const stopped = await s.setInstanceState(a.id, 'stopped');
    assert.equal(stopped.health, null);
    assert.equal((await s.listCheckStatus({ instance: a.id })).length, 0);
    await s.reportChecks('ord-1', [pass]);
    assert.equal((await s.getInstance(a.id)).health, null, 'a stopped instance takes no reports');
    await s.setInstanceState(a.id, 'started');
    assert.equal((await s.getInstance(a.id)).health, null);
    await s.reportChecks('ord-1', [pass]);
    assert.equal((await s.getInstance(a.id)).health, 'passing');
    // all checks removed: no verdict
    await s.updateApp('acme', 'web', { checks: [] });
    assert.equal((await s.getInstance(a.id)).health, null);
    // deleting the instance takes its statuses along
    await s.updateApp('acme', 'web', { checks: HTTP });
    await s.reportChecks('ord-1', [pass]);
    await s.deleteInstance(a.id);
    assert.equal((await s.listCheckStatus()).length, 0);
  });
});
