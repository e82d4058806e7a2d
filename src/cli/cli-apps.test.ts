// The CLI in-process against a recording fake API: apps create/update with sixpn.toml and service addresses.

import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { app, conn, fakeApi, tmp, whoami } from './test-fixtures.ts';
import { runInProcess } from './test-support.ts';

describe('cli apps', () => {
  describe('apps create and sixpn.toml', () => {
    test('reads name, org, network and private_network from sixpn.toml', async () => {
      const cwd = await mkdtemp(join(tmp, 'app-'));
      await writeFile(
        join(cwd, 'sixpn.toml'),
        'app = "web"\norg = "acme"\nnetwork = "blue"\n[experimental]\nprivate_network = true\n',
      );
      const api = fakeApi({
        'GET /v1/whoami': whoami(null),
        'POST /v1/orgs/acme/apps': [201, { ...app, network: 'blue' }],
      });
      const r = await runInProcess(['apps', 'create'], { env: conn, cwd, fetch: api.fetch });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(api.requests.at(-1)?.body, '{"name":"web","network":"blue","private_network":true}');
      assert.equal(r.stdout, 'created app web in org acme, network blue (private networking on)\n');
    });
    test('flags win over sixpn.toml, with a note', async () => {
      const cwd = await mkdtemp(join(tmp, 'app-'));
      await writeFile(join(cwd, 'sixpn.toml'), 'app = "web"\n');
      const api = fakeApi({ 'POST /v1/orgs/acme/apps': [201, { ...app, name: 'api', network: 'red' }] });
      const r = await runInProcess(['apps', 'create', 'api', '--network', 'red', '-o', 'acme'], {
        env: conn,
        cwd,
        fetch: api.fetch,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(api.requests[0]?.body, '{"name":"api","network":"red","private_network":false}');
      assert.equal(r.stderr, 'note: creating app api from the command line, not web from sixpn.toml\n');
    });
    const badToml: [string, string, RegExp][] = [
      ['syntax', 'app = "web"\norg = \n', /^error: sixpn\.toml:2:7: TOML syntax error: invalid value\n$/],
      ['unknown key', 'app = "web"\nregion = "ord"\n', /^error: sixpn\.toml:2: unknown key 'region'/],
      ['wrong type', 'app = "web"\n[experimental]\nprivate_network = "yes"\n', /must be a boolean/],
      ['bad name', 'app = "Web_1"\n', /^error: sixpn\.toml:1: app name 'Web_1' is not a valid name/],
    ];
    for (const [name, content, msg] of badToml) {
      test(`a bad sixpn.toml (${name}) stops before anything is sent`, async () => {
        const cwd = await mkdtemp(join(tmp, 'bad-'));
        await writeFile(join(cwd, 'sixpn.toml'), content);
        const api = fakeApi({});
        const r = await runInProcess(['apps', 'create', '-o', 'acme'], { env: conn, cwd, fetch: api.fetch });
        assert.equal(r.code, 2);
        assert.match(r.stderr, msg);
        assert.deepEqual(api.requests, []);
      });
    }
    test('no name anywhere', async () => {
      const r = await runInProcess(['apps', 'create', '-o', 'acme'], { env: conn, cwd: tmp });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^error: no app name: pass one/);
    });
  });

  describe('service addresses', () => {
    const svcApp = { ...app, service_address: 'fdaa:0:18::1:2' };
    test('apps create --service-address asks for one and prints it with its name', async () => {
      const api = fakeApi({ 'POST /v1/orgs/acme/apps': [201, svcApp] });
      const r = await runInProcess(
        ['apps', 'create', 'web', '--private-network', '--service-address', '-o', 'acme'],
        { env: conn, cwd: tmp, fetch: api.fetch },
      );
      assert.equal(r.code, 0, r.stderr);
      assert.equal(api.requests[0]?.body, '{"name":"web","private_network":true,"service_address":true}');
      assert.equal(
        r.stdout,
        'created app web in org acme, network default (private networking on); service address fdaa:0:18::1:2 (svc.web.internal)\n',
      );
    });
    test('sixpn.toml service_address = true is sent like the flag', async () => {
      const cwd = await mkdtemp(join(tmp, 'svc-'));
      await writeFile(
        join(cwd, 'sixpn.toml'),
        'app = "web"\norg = "acme"\nservice_address = true\n[experimental]\nprivate_network = true\n',
      );
      const api = fakeApi({ 'GET /v1/whoami': whoami(null), 'POST /v1/orgs/acme/apps': [201, svcApp] });
      const r = await runInProcess(['apps', 'create'], { env: conn, cwd, fetch: api.fetch });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(api.requests.at(-1)?.body, '{"name":"web","private_network":true,"service_address":true}');
    });
    test('--service-address without private networking: exit 2 naming the field, nothing sent', async () => {
      const api = fakeApi({});
      const r = await runInProcess(['apps', 'create', 'web', '--service-address', '-o', 'acme'], {
        env: conn,
        cwd: tmp,
        fetch: api.fetch,
      });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^error: --service-address needs private networking/);
      assert.deepEqual(api.requests, []);
    });
    test('apps update --service-address / --no-service-address send a PATCH', async () => {
      for (const [flag, body, answer, out] of [
        [
          '--service-address',
          '{"service_address":true}',
          svcApp,
          /service address fdaa:0:18::1:2 \(svc\.web\.internal\)/,
        ],
        [
          '--no-service-address',
          '{"service_address":false}',
          app,
          /updated app web of org acme: no service address/,
        ],
      ] as const) {
        const api = fakeApi({ 'PATCH /v1/orgs/acme/apps/web': answer });
        const r = await runInProcess(['apps', 'update', 'web', flag, '-o', 'acme'], {
          env: conn,
          fetch: api.fetch,
        });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(api.requests[0]?.method, 'PATCH');
        assert.equal(api.requests[0]?.body, body);
        assert.match(r.stdout, out);
      }
    });
    test('apps update with nothing to change: exit 2, nothing sent', async () => {
      const api = fakeApi({});
      const r = await runInProcess(['apps', 'update', 'web', '-o', 'acme'], { env: conn, fetch: api.fetch });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^error: nothing to change: pass --service-address or --no-service-address/);
      assert.deepEqual(api.requests, []);
    });
  });
});
