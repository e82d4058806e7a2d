// The usage API: a host reports with its own token, replays apply once, a report about another host's instance
// is 404 and stores nothing, and each bad query field is a 400 that names it.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type TestApi, testApi } from './test-support.ts';

let t: TestApi;
let h1: string;
let h2: string;
let inst: string;
const at = () => new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000).toISOString();
const report = (seq: number, instance: string, bytes: number) => ({
  epoch: 'ab12cd34',
  seq,
  at: at(),
  items: [{ instance, dir: 'tx', scope: 'region', src_region: 'ord', dst_region: 'ord', bytes, packets: 1 }],
});

before(async () => {
  t = await testApi();
  const ok = async (m: string, p: string, body?: unknown) => {
    const r = await t.call(m, p, t.admin, body);
    assert.ok(r.status < 300, `${m} ${p}: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json;
  };
  await ok('POST', '/v1/orgs', { name: 'acme' });
  await ok('POST', '/v1/regions', { code: 'ord', name: 'Chicago', lat: 41.9, lon: -87.6 });
  h1 = (await ok('POST', '/v1/hosts', { name: 'h1', region: 'ord' })).token;
  h2 = (await ok('POST', '/v1/hosts', { name: 'h2', region: 'ord' })).token;
  await ok('POST', '/v1/orgs/acme/apps', { name: 'web', private_network: true });
  inst = (await ok('POST', '/v1/orgs/acme/apps/web/instances', { region: 'ord', host: 'h1' })).id;
});
after(() => t.close());

test('reports: applied once; another host about this instance: 404, nothing stored; not for other hosts', async () => {
  const r1 = await t.call('POST', '/v1/hosts/h1/usage', h1, report(1, inst, 1000));
  assert.deepEqual([r1.status, r1.json], [200, { applied: true }]);
  const r2 = await t.call('POST', '/v1/hosts/h1/usage', h1, report(1, inst, 1000));
  assert.deepEqual([r2.status, r2.json], [200, { applied: false }]);
  const foreign = await t.call('POST', '/v1/hosts/h2/usage', h2, report(2, inst, 5000));
  assert.equal(foreign.status, 404);
  assert.match(foreign.json.error.message, /not on host h2; nothing was stored/);
  assert.equal((await t.call('POST', '/v1/hosts/h1/usage', h2, report(3, inst, 5000))).status, 403);
  const bad = await t.call('POST', '/v1/hosts/h1/usage', h1, { ...report(4, inst, -1) });
  assert.equal(bad.status, 400);
  const u = await t.call('GET', '/v1/orgs/acme/usage?from=now-1h&step=1m&by=scope', t.admin);
  assert.equal(u.status, 200, JSON.stringify(u.json));
  assert.equal(u.json.total.tx_bytes, 1000);
  assert.deepEqual(
    u.json.series.map((s: { key: string }) => s.key),
    ['region'],
  );
  assert.equal(u.json.series[0].points.length, 61, 'from rounded down, to up: 61 minutes');
});

test('queries: each bad field is a 400 naming it', async () => {
  const cases: [string, string][] = [
    ['from=now&to=now-1h', 'from'],
    ['by=host', 'by'],
    ['step=10s', 'step'],
    ['from=now-1000d', 'from'],
    ['color=red', 'color'],
  ];
  for (const [qs, field] of cases) {
    const r = await t.call('GET', `/v1/orgs/acme/usage?${qs}`, t.admin);
    assert.equal(r.status, 400, qs);
    assert.equal(r.json.error.details?.field, field, `${qs}: ${JSON.stringify(r.json)}`);
    assert.match(r.json.error.message, new RegExp(field));
  }
});
