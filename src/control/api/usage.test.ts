// The usage API: a host reports with its own token, replays apply once, a report about another host's instance
// is 404 and stores nothing, a deleted instance's items are named so the reporter can send the rest, and each bad
// query field is a 400 that names it.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { withoutRefused } from '../../core/usage/delta.ts';
import { wgKey } from '../store/test-fixtures.ts';
import { type TestApi, testApi } from './test-support.ts';

let t: TestApi;
let h1: string;
let h2: string;
let inst: string;
const reported: string[] = [];
const at = () => new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000).toISOString();
const report = (seq: number, instance: string, bytes: number) => ({
  epoch: 'ab12cd34',
  seq,
  at: at(),
  items: [{ instance, dir: 'tx', scope: 'region', src_region: 'ord', dst_region: 'ord', bytes, packets: 1 }],
});

before(async () => {
  t = await testApi(undefined, undefined, { usageReported: (r) => reported.push(r) });
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
  // from rounded down, to up: 61 minutes, or 60 when now is a whole minute (now is in seconds: 1 run in 60)
  const minutes = (Date.parse(u.json.to) - Date.parse(u.json.from)) / 60_000;
  assert.ok(minutes === 61 || (minutes === 60 && Date.parse(u.json.to) % 60_000 === 0), `${minutes} minutes`);
  assert.equal(u.json.series[0].points.length, minutes);
});

test('a report naming a deleted instance: 404 naming it, nothing stored; the rest under the same name applies once', async () => {
  const ok = async (m: string, p: string, body?: unknown) => (await t.call(m, p, t.admin, body)).json;
  await ok('POST', '/v1/orgs', { name: 'gone' });
  await ok('POST', '/v1/orgs/gone/apps', { name: 'api', private_network: true });
  const keep = (await ok('POST', '/v1/orgs/gone/apps/api/instances', { region: 'ord', host: 'h1' })).id;
  const dead = (await ok('POST', '/v1/orgs/gone/apps/api/instances', { region: 'ord', host: 'h1' })).id;
  assert.equal((await t.call('DELETE', `/v1/instances/${dead}`, t.admin)).status, 204);
  const both = {
    ...report(40, keep, 700),
    items: [...report(40, keep, 700).items, ...report(40, dead, 300).items],
  };
  const refused = await t.call('POST', '/v1/hosts/h1/usage', h1, both);
  assert.equal(refused.status, 404);
  assert.deepEqual(refused.json.error.details, { instances: [dead] });
  const rest = withoutRefused(both as Parameters<typeof withoutRefused>[0], refused.json.error.details);
  assert.deepEqual(
    rest?.items.map((i) => i.instance),
    [keep],
  );
  for (const applied of [true, false]) {
    const r = await t.call('POST', '/v1/hosts/h1/usage', h1, rest);
    assert.deepEqual([r.status, r.json], [200, { applied }]);
  }
  const u = await t.call('GET', '/v1/orgs/gone/usage?from=now-1h&step=1h&by=app', t.admin);
  assert.equal(u.json.total.tx_bytes, 700);
});

test("a gateway reports its own peers only: another gateway's peer is 404, counted, nothing stored", async () => {
  const ok = async (m: string, p: string, body?: unknown) => {
    const r = await t.call(m, p, t.admin, body);
    assert.ok(r.status < 300, `${m} ${p}: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json;
  };
  const tokens: Record<string, string> = {};
  for (const [n, name] of [
    [1, 'g1'],
    [2, 'g2'],
  ] as const) {
    tokens[name] = (await ok('POST', '/v1/gateways', { name, region: 'ord' })).token;
    await t.call('PUT', `/v1/gateways/${name}/registration`, tokens[name], {
      endpoint: `198.18.1.${9 + n}:51820`,
      mesh_key: wgKey(30 + n),
      peer_key: wgKey(40 + n),
      peer_endpoint: `198.18.1.${9 + n}:51821`,
    });
  }
  const { peer } = await ok('POST', '/v1/orgs/acme/peers', {
    name: 'laptop',
    region: 'ord',
    public_key: wgKey(50),
  });
  const mine = peer.gateway as string;
  const other = mine === 'g1' ? 'g2' : 'g1';
  const body = (seq: number, bytes: number) => ({
    epoch: 'ef56ab78',
    seq,
    at: at(),
    items: [
      {
        peer: peer.address,
        dir: 'tx',
        scope: 'region',
        src_region: 'ord',
        dst_region: 'ord',
        bytes,
        packets: 1,
      },
    ],
  });
  const before = reported.length;
  const r1 = await t.call('POST', `/v1/gateways/${mine}/usage`, tokens[mine], body(1, 700));
  assert.deepEqual([r1.status, r1.json], [200, { applied: true }]);
  const foreign = await t.call('POST', `/v1/gateways/${other}/usage`, tokens[other], body(2, 9000));
  assert.equal(foreign.status, 404);
  assert.match(foreign.json.error.message, new RegExp(`not a peer of gateway ${other}; nothing was stored`));
  assert.deepEqual(reported.slice(before), ['applied', 'rejected'], 'the refusal is counted');
  // Another gateway's name, a host's route, a host's token: refused before the store is asked.
  assert.equal((await t.call('POST', `/v1/gateways/${mine}/usage`, tokens[other], body(3, 1))).status, 403);
  assert.equal((await t.call('POST', '/v1/hosts/h1/usage', tokens[mine], body(3, 1))).status, 403);
  assert.equal((await t.call('POST', `/v1/gateways/${mine}/usage`, h1, body(3, 1))).status, 403);
  assert.equal(
    (await t.call('POST', `/v1/hosts/${mine}/usage`, t.admin, body(3, 1))).status,
    404,
    'not a host',
  );
  const both = { ...body(3, 1), items: [{ ...body(3, 1).items[0], instance: inst }] };
  assert.equal((await t.call('POST', `/v1/gateways/${mine}/usage`, tokens[mine], both)).status, 400);
  const u = await t.call('GET', '/v1/orgs/acme/usage?from=now-1h&step=1m&by=peer', t.admin);
  assert.deepEqual(
    u.json.series.map((s: { key: string; total: { tx_bytes: number } }) => [s.key, s.total.tx_bytes]),
    [['laptop', 700]],
  );
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
