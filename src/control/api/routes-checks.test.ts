// The API of health checks: checks through apps create/update (bad input names the field and changes nothing),
// host reports (only about the host's own instances: 404 and counted otherwise), and the failing-first list.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createControlMetrics } from '../metrics.ts';
import { type TestApi, testApi } from './test-support.ts';

describe('checks API', () => {
  let t: TestApi;
  const metrics = createControlMetrics();
  const tokens: Record<string, string | undefined> = {};
  const ids: Record<string, string> = { h1: '', h2: '' };
  const ok = async (m: string, p: string, body?: unknown, token = t.admin) => {
    const r = await t.call(m, p, token, body);
    assert.ok(r.status < 300, `${m} ${p}: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json;
  };
  const foreign = async () => metrics.foreignCheckReports.get();

  before(async () => {
    t = await testApi('sqlite::memory:', metrics);
    await ok('POST', '/v1/orgs', { name: 'acme' });
    await ok('POST', '/v1/orgs', { name: 'globex' });
    await ok('POST', '/v1/regions', { code: 'ord', name: 'Chicago', lat: 41.9, lon: -87.6 });
    for (const h of ['h1', 'h2'])
      tokens[h] = (await ok('POST', '/v1/hosts', { name: h, region: 'ord' })).token;
    tokens.acme = (await ok('POST', '/v1/tokens', { kind: 'org', name: 'a', org: 'acme' })).secret;
    tokens.globex = (await ok('POST', '/v1/tokens', { kind: 'org', name: 'g', org: 'globex' })).secret;
    const app = await ok('POST', '/v1/orgs/acme/apps', {
      name: 'web',
      private_network: true,
      checks: [{ type: 'http', port: 8080, path: '/healthz', interval: '5s' }],
    });
    assert.equal(app.checks[0].interval_ms, 5000);
    for (const h of ['h1', 'h2'])
      ids[h] = (await ok('POST', '/v1/orgs/acme/apps/web/instances', { region: 'ord', host: h })).id;
  });
  after(() => t.close());

  test('bad checks: 400 naming the field, nothing changed', async () => {
    const head = await t.store.headRevision();
    const rows: [string, unknown, RegExp][] = [
      ['port 0', [{ type: 'tcp', port: 0 }], /checks\[0\]\.port/],
      ['port over 65535', [{ type: 'tcp', port: 70000 }], /checks\[0\]\.port/],
      ['interval under 1 s', [{ type: 'tcp', port: 1, interval: '500ms' }], /checks\[0\]\.interval/],
      [
        'timeout ≥ interval',
        [{ type: 'tcp', port: 1, interval: '2s', timeout: '3s' }],
        /checks\[0\]\.timeout/,
      ],
      ['path without /', [{ type: 'http', port: 1, path: 'x' }], /checks\[0\]\.path/],
      ['unknown type', [{ type: 'icmp', port: 1 }], /checks\[0\]\.type/],
      ['unknown field', [{ type: 'tcp', port: 1, every: '1s' }], /checks\[0\]\.every/],
    ];
    for (const [name, checks, msg] of rows) {
      for (const [m, p, body] of [
        ['PATCH', '/v1/orgs/acme/apps/web', { checks }],
        ['POST', '/v1/orgs/acme/apps', { name: 'api', checks }],
      ] as const) {
        const r = await t.call(m, p, t.admin, body);
        assert.equal(r.status, 400, `${name} ${m}: ${JSON.stringify(r.json)}`);
        assert.match(r.json.error.message, msg, name);
        assert.match(String(r.json.error.details?.field), msg, name);
      }
    }
    const r = await t.call('PATCH', '/v1/orgs/acme/apps/web', t.admin, {
      checks: [],
      private_network: false,
    });
    assert.equal(r.status, 400);
    assert.match(r.json.error.message, /unknown field 'private_network'/);
    assert.equal(await t.store.headRevision(), head, 'nothing changed');
    assert.equal((await t.store.getApp('acme', 'web')).checks?.[0]?.path, '/healthz');
  });

  test('update: an org token may change its own app only', async () => {
    const body = { checks: [{ type: 'http', port: 8080, path: '/healthz', interval: '5s' }] };
    const mine = await t.call('PATCH', '/v1/orgs/acme/apps/web', tokens.acme, body);
    assert.equal(mine.status, 200);
    const theirs = await t.call('PATCH', '/v1/orgs/acme/apps/web', tokens.globex, body);
    assert.equal(theirs.status, 404);
  });

  test('a host reports about its own instances; a verdict reaches the instance', async () => {
    const item = { instance: ids.h1, check: 'http-8080', status: 'passing', output: 'HTTP 200 in 1 ms' };
    await ok('PUT', '/v1/hosts/h1/checks', { items: [item] }, tokens.h1);
    assert.equal((await ok('GET', `/v1/instances/${ids.h1}`)).health, 'passing');
    await ok(
      'PUT',
      '/v1/hosts/h1/checks',
      { items: [{ ...item, status: 'critical', output: 'HTTP 503' }] },
      tokens.h1,
    );
    assert.equal((await ok('GET', `/v1/instances/${ids.h1}`)).health, 'critical');
  });

  test('attack: a host reporting about another host’s instance gets 404, is counted, changes nothing', async () => {
    const before = await foreign();
    const head = await t.store.headRevision();
    const evil = { instance: ids.h2, check: 'http-8080', status: 'critical', output: 'down' };
    const r = await t.call('PUT', '/v1/hosts/h1/checks', tokens.h1, { items: [evil] });
    assert.equal(r.status, 404);
    assert.match(r.json.error.message, new RegExp(`instance '${ids.h2}' not found`));
    assert.equal(await foreign(), before + 1);
    // through the other host's path with its own token: not allowed at all
    const r2 = await t.call('PUT', '/v1/hosts/h2/checks', tokens.h1, { items: [evil] });
    assert.equal(r2.status, 403);
    // an org token cannot report
    const r3 = await t.call('PUT', '/v1/hosts/h2/checks', tokens.acme, { items: [evil] });
    assert.equal(r3.status, 403);
    // an instance that does not exist: 404 too
    const r4 = await t.call('PUT', '/v1/hosts/h1/checks', tokens.h1, {
      items: [{ ...evil, instance: 'ffffffff' }],
    });
    assert.equal(r4.status, 404);
    assert.equal(await foreign(), before + 2);
    assert.equal(await t.store.headRevision(), head);
    assert.equal((await t.store.getInstance(ids.h2 ?? '')).health, null);
  });

  test('list: failing first; an org token sees its own org only', async () => {
    await ok(
      'PUT',
      '/v1/hosts/h2/checks',
      { items: [{ instance: ids.h2, check: 'http-8080', status: 'passing', output: 'HTTP 200' }] },
      tokens.h2,
    );
    const all = await ok('GET', '/v1/checks?org=acme&app=web');
    assert.deepEqual(
      all.items.map((c: { instance: string; status: string }) => [c.instance, c.status]),
      [
        [ids.h1, 'critical'],
        [ids.h2, 'passing'],
      ],
    );
    assert.equal((await ok('GET', `/v1/checks?instance=${ids.h2}`, undefined, tokens.acme)).items.length, 1);
    assert.deepEqual((await ok('GET', `/v1/checks?instance=${ids.h2}`, undefined, tokens.globex)).items, []);
    assert.deepEqual((await ok('GET', '/v1/checks', undefined, tokens.globex)).items, []);
    assert.equal((await t.call('GET', '/v1/checks?org=acme', tokens.globex)).status, 404);
  });
});
