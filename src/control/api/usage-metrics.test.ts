// The control plane's per-org private traffic counters: what applied host and gateway reports stored, by org, scope
// and direction; a replayed report and a refused one add nothing.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createControlMetrics } from '../metrics.ts';
import { wgKey } from '../store/test-fixtures.ts';
import { type TestApi, testApi } from './test-support.ts';

const metrics = createControlMetrics();
let t: TestApi;
const tokens: Record<string, string> = {};
const ids: Record<string, string> = {};
let peer = '';
let gateway = '';
const at = () => new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000).toISOString();
type Item = Record<string, string | number>;
const item = (who: Item, dir: string, scope: string, bytes: number, packets: number): Item => ({
  ...who,
  dir,
  scope,
  src_region: 'ord',
  dst_region: scope === 'interregion' ? 'ams' : 'ord',
  bytes,
  packets,
});
const body = (epoch: string, seq: number, items: Item[]) => ({ epoch, seq, at: at(), items });

/** The samples of the two counters, `name{labels}` → value, from the metrics text. */
async function samples(): Promise<Record<string, number>> {
  const text = await (await t.raw('/metrics')).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^(sixpn_control_private_(?:bytes|packets)_total\{[^}]*\}) (\S+)$/.exec(line);
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}

before(async () => {
  t = await testApi(undefined, metrics);
  const ok = async (m: string, p: string, b?: unknown) => {
    const r = await t.call(m, p, t.admin, b);
    assert.ok(r.status < 300, `${m} ${p}: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json;
  };
  await ok('POST', '/v1/regions', { code: 'ord', name: 'Chicago', lat: 41.9, lon: -87.6 });
  for (const h of ['h1', 'h2']) tokens[h] = (await ok('POST', '/v1/hosts', { name: h, region: 'ord' })).token;
  for (const org of ['acme', 'beta']) {
    await ok('POST', '/v1/orgs', { name: org });
    await ok('POST', `/v1/orgs/${org}/apps`, { name: 'web', private_network: true });
    const path = `/v1/orgs/${org}/apps/web/instances`;
    ids[org] = (await ok('POST', path, { region: 'ord', host: 'h1' })).id;
  }
  tokens.g1 = (await ok('POST', '/v1/gateways', { name: 'g1', region: 'ord' })).token;
  await t.call('PUT', '/v1/gateways/g1/registration', tokens.g1, {
    endpoint: '198.18.1.10:51820',
    mesh_key: wgKey(31),
    peer_key: wgKey(41),
    peer_endpoint: '198.18.1.10:51821',
  });
  const p = await ok('POST', '/v1/orgs/acme/peers', { name: 'laptop', region: 'ord', public_key: wgKey(50) });
  [peer, gateway] = [p.peer.address, p.peer.gateway];
});
after(() => t.close());

test('per-org totals count applied host and gateway reports once; replays and refusals add nothing', async () => {
  assert.deepEqual(await samples(), {}, 'nothing before the first report');
  const acme = { instance: ids.acme! };
  const beta = { instance: ids.beta! };
  const first = body('ab12cd34', 1, [
    item(acme, 'tx', 'region', 1000, 2),
    item(acme, 'tx', 'region', 500, 1),
    item(acme, 'rx', 'host', 300, 3),
    item(beta, 'tx', 'interregion', 50, 1),
  ]);
  assert.deepEqual((await t.call('POST', '/v1/hosts/h1/usage', tokens.h1, first)).json, { applied: true });
  const want = {
    'sixpn_control_private_bytes_total{org="acme",scope="region",direction="tx"}': 1500,
    'sixpn_control_private_bytes_total{org="acme",scope="host",direction="rx"}': 300,
    'sixpn_control_private_bytes_total{org="beta",scope="interregion",direction="tx"}': 50,
    'sixpn_control_private_packets_total{org="acme",scope="region",direction="tx"}': 3,
    'sixpn_control_private_packets_total{org="acme",scope="host",direction="rx"}': 3,
    'sixpn_control_private_packets_total{org="beta",scope="interregion",direction="tx"}': 1,
  };
  assert.deepEqual(await samples(), want);

  assert.deepEqual((await t.call('POST', '/v1/hosts/h1/usage', tokens.h1, first)).json, { applied: false });
  const foreign = body('ef56ab78', 1, [item(acme, 'tx', 'region', 9999, 9)]);
  assert.equal((await t.call('POST', '/v1/hosts/h2/usage', tokens.h2, foreign)).status, 404);
  assert.deepEqual(await samples(), want, 'a replay and a refused report change no counter');

  const fromPeer = body('0123abcd', 7, [item({ peer }, 'rx', 'region', 700, 7)]);
  const r = await t.call('POST', `/v1/gateways/${gateway}/usage`, tokens.g1, fromPeer);
  assert.deepEqual([r.status, r.json], [200, { applied: true }]);
  await t.call('POST', `/v1/gateways/${gateway}/usage`, tokens.g1, fromPeer);
  const after = await samples();
  assert.equal(after['sixpn_control_private_bytes_total{org="acme",scope="region",direction="rx"}'], 700);
  assert.equal(after['sixpn_control_private_packets_total{org="acme",scope="region",direction="rx"}'], 7);
  assert.equal(Object.keys(after).length, 8, 'one new label set per counter, nothing else moved');
});
