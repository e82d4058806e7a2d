// The CLI of health checks against an in-process control plane: `apps create/update` from sixpn.toml's
// [[checks]], `apps show`, the CHECKS column of `instances list`, `instances show` and `checks list`.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type TestApi, testApi } from '../control/api/test-support.ts';
import { runInProcess } from './test-support.ts';

describe('sixpn checks CLI', () => {
  let t: TestApi;
  let dir: string;
  let hostToken = '';
  const ids: string[] = [];
  const cli = (...argv: string[]) =>
    runInProcess(argv, {
      cwd: dir,
      env: { SIXPN_API_URL: 'http://cp.test', SIXPN_TOKEN: t.admin },
      fetch: async (input, init) => {
        const req = new Request(input, init);
        const url = new URL(req.url);
        return t.raw(url.pathname + url.search, req);
      },
    });
  const toml = (text: string) => writeFileSync(join(dir, 'sixpn.toml'), text);

  before(async () => {
    t = await testApi();
    dir = mkdtempSync(join(tmpdir(), 'sixpn-checks-cli-'));
    await t.store.createOrg('acme');
    await t.store.createRegion({ code: 'ord', name: 'Chicago', lat: 41.9, lon: -87.6 });
    await t.store.createHost({ name: 'h1', region: 'ord', role: 'host' });
    const { hashSecret, newSecret } = await import('../control/auth.ts');
    hostToken = newSecret();
    await t.store.createToken({ kind: 'host', name: 'h1', host: 'h1' }, hashSecret(hostToken));
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('apps create reads [[checks]]; a bad one names the field and the line, nothing sent', async () => {
    toml(
      'app = "web"\norg = "acme"\n[experimental]\nprivate_network = true\n[[checks]]\ntype = "http"\nport = 0\n',
    );
    const bad = await cli('apps', 'create');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /sixpn\.toml:7: checks\[0\]\.port must be a whole number 1–65535, got 0/);
    await assert.rejects(t.store.getApp('acme', 'web'));
    toml(
      'app = "web"\norg = "acme"\n[experimental]\nprivate_network = true\n[[checks]]\ntype = "http"\nport = 8080\npath = "/healthz"\n',
    );
    const ok = await cli('apps', 'create');
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /check http-8080: http GET :8080\/healthz expect 200-399 every 10s, timeout 2s/);
  });

  test('apps update applies the file; --no-checks removes them; apps show lists them', async () => {
    toml('app = "web"\norg = "acme"\n[[checks]]\ntype = "tcp"\nport = 8080\ninterval = "1s"\n');
    const up = await cli('apps', 'update');
    assert.equal(up.code, 0, up.stderr);
    assert.match(
      up.stdout,
      /updated app web of org acme: 1 health check\n {2}check tcp-8080: tcp :8080 every 1s, timeout 500ms/,
    );
    const show = await cli('apps', 'show', 'web', '--org', 'acme');
    assert.match(show.stdout, /check tcp-8080: tcp :8080 every 1s/);
    toml(
      'app = "web"\norg = "acme"\n[[checks]]\ntype = "tcp"\nport = 8080\ninterval = "1s"\ntimeout = "1s"\n',
    );
    const bad = await cli('apps', 'update');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /checks\[0\]\.timeout \(1s\) must be shorter than interval \(1s\)/);
    toml('app = "web"\norg = "acme"\n');
    const none = await cli('apps', 'update', 'web', '--org', 'acme', '--no-checks');
    assert.match(none.stdout, /no health checks/);
    assert.match((await cli('apps', 'show', 'web', '--org', 'acme')).stdout, /checks: none/);
    const nothing = await cli('apps', 'update');
    assert.equal(nothing.code, 2);
    assert.match(nothing.stderr, /nothing to change: .*add \[\[checks\]\] to sixpn.toml/);
  });

  test('instances list has CHECKS; instances show and checks list give the details, failing first', async () => {
    toml('app = "web"\norg = "acme"\n[[checks]]\ntype = "tcp"\nport = 8080\n');
    await cli('apps', 'update');
    for (let n = 0; n < 2; n++)
      ids.push((await t.store.createInstance({ org: 'acme', app: 'web', region: 'ord' })).id);
    const [a, b] = ids as [string, string];
    const pending = await cli('instances', 'list', '--org', 'acme');
    assert.match(pending.stdout, /CHECKS/);
    assert.match(pending.stdout, new RegExp(`${a}.*pending`));
    const report = (instance: string, status: string, output: string) =>
      t.call('PUT', '/v1/hosts/h1/checks', hostToken, {
        items: [{ instance, check: 'tcp-8080', status, output }],
      });
    assert.equal((await report(a, 'passing', 'connected in 1 ms')).status, 204);
    assert.equal((await report(b, 'critical', 'connect ECONNREFUSED')).status, 204);
    const list = await cli('instances', 'list', '--org', 'acme');
    assert.match(list.stdout, new RegExp(`${a}.*passing`));
    assert.match(list.stdout, new RegExp(`${b}.*critical`));
    const show = await cli('instances', 'show', b);
    assert.match(show.stdout, /health:\s+critical/);
    assert.match(show.stdout, /check tcp-8080: critical since .*: connect ECONNREFUSED/);
    const checks = await cli('checks', 'list', 'web', '--org', 'acme');
    const rows = checks.stdout.trim().split('\n');
    assert.match(rows[0] ?? '', /^STATUS/);
    assert.match(rows[1] ?? '', new RegExp(`^critical .*${b}`));
    assert.match(rows[2] ?? '', new RegExp(`^passing .*${a}`));
    const json = JSON.parse((await cli('checks', 'list', '--org', 'acme', '--json')).stdout);
    assert.deepEqual(
      json.map((c: { status: string }) => c.status),
      ['critical', 'passing'],
    );
  });
});
