// Host grants: a host token creates, stops, starts and deletes instances only on itself, only for the orgs or
// networks an admin allowed it, never on another host; admins manage the grants.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type TestApi, testApi } from './test-support.ts';

describe('host grants', () => {
  let t: TestApi;
  let h1: string;

  let onH2: string;
  const as = (token: string) => ({
    call: (m: string, p: string, body?: unknown) => t.call(m, p, token, body),
  });

  before(async () => {
    t = await testApi();
    const a = (m: string, p: string, body?: unknown) => t.call(m, p, t.admin, body);
    await a('POST', '/v1/orgs', { name: 'acme' });
    await a('POST', '/v1/orgs', { name: 'globex' });
    await a('POST', '/v1/orgs/acme/networks', { name: 'extra' });
    await a('POST', '/v1/regions', { code: 'ord', name: 'Chicago', lat: 41.9, lon: -87.6 });
    await a('POST', '/v1/regions', { code: 'nrt', name: 'Tokyo', lat: 35.7, lon: 139.7 });
    h1 = (await a('POST', '/v1/hosts', { name: 'h1', region: 'ord' })).json.token;
    await a('POST', '/v1/hosts', { name: 'h2', region: 'ord' });
    await a('POST', '/v1/orgs/acme/apps', { name: 'web', private_network: true });
    await a('POST', '/v1/orgs/acme/apps', { name: 'side', network: 'extra', private_network: true });
    await a('POST', '/v1/orgs/globex/apps', { name: 'web', private_network: true });
    onH2 = (await a('POST', '/v1/orgs/acme/apps/web/instances', { region: 'ord', host: 'h2' })).json.id;
  });
  after(() => t.close());

  test('without a grant a host may not place instances; the error says how to allow it', async () => {
    const r = await as(h1).call('POST', '/v1/orgs/acme/apps/web/instances', {});
    assert.equal(r.status, 403);
    assert.match(r.json.error.message, /sixpn hosts allow h1 --org acme/);
  });

  test('admin grants; the host places on itself, in its region, with no region given', async () => {
    const g = await t.call('POST', '/v1/hosts/h1/grants', t.admin, { org: 'acme', network: 'default' });
    assert.equal(g.status, 201);
    assert.deepEqual([g.json.host, g.json.org, g.json.network], ['h1', 'acme', 'default']);
    const again = await t.call('POST', '/v1/hosts/h1/grants', t.admin, { org: 'acme', network: 'default' });
    assert.equal(again.json.created_at, g.json.created_at, 'idempotent');
    const r = await as(h1).call('POST', '/v1/orgs/acme/apps/web/instances', { state: 'stopped' });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    assert.deepEqual([r.json.host, r.json.region, r.json.state], ['h1', 'ord', 'stopped']);
    for (const verb of ['start', 'stop']) {
      assert.equal((await as(h1).call('POST', `/v1/instances/${r.json.id}/${verb}`)).status, 200);
    }
    assert.equal((await as(h1).call('GET', `/v1/instances/${r.json.id}`)).status, 200);
    assert.equal((await as(h1).call('DELETE', `/v1/instances/${r.json.id}`)).status, 204);
  });

  test('a host cannot place or remove instances on another host', async () => {
    const pin = await as(h1).call('POST', '/v1/orgs/acme/apps/web/instances', { host: 'h2' });
    assert.equal(pin.status, 403);
    assert.match(pin.json.error.message, /only on its own host 'h1'/);
    for (const [m, p] of [
      ['DELETE', `/v1/instances/${onH2}`],
      ['POST', `/v1/instances/${onH2}/stop`],
      ['POST', `/v1/instances/${onH2}/start`],
      ['GET', `/v1/instances/${onH2}`],
    ] as const) {
      assert.equal((await as(h1).call(m, p)).status, 403, `${m} ${p}`);
    }
    const still = await t.call('GET', `/v1/instances/${onH2}`, t.admin);
    assert.equal(still.json.state, 'started');
  });

  test('a grant covers only its org and network; a wrong region is refused', async () => {
    assert.equal((await as(h1).call('POST', '/v1/orgs/acme/apps/side/instances', {})).status, 403);
    assert.equal((await as(h1).call('POST', '/v1/orgs/globex/apps/web/instances', {})).status, 403);
    const wrong = await as(h1).call('POST', '/v1/orgs/acme/apps/web/instances', { region: 'nrt' });
    assert.equal(wrong.status, 400);
    assert.match(wrong.json.error.message, /region 'ord'/);
    // an org-wide grant covers every network of the org
    await t.call('POST', '/v1/hosts/h1/grants', t.admin, { org: 'acme' });
    assert.equal((await as(h1).call('POST', '/v1/orgs/acme/apps/side/instances', {})).status, 201);
  });

  test('only admins grant; a host lists only its own grants; disallow takes the grant back', async () => {
    assert.equal((await as(h1).call('POST', '/v1/hosts/h1/grants', { org: 'globex' })).status, 403);
    assert.equal((await as(h1).call('GET', '/v1/hosts/h2/grants')).status, 403);
    const mine = await as(h1).call('GET', '/v1/hosts/h1/grants');
    assert.deepEqual(
      mine.json.items.map((g: { network: string | null }) => g.network),
      [null, 'default'],
    );
    assert.equal((await t.call('DELETE', '/v1/hosts/h1/grants/acme', t.admin)).status, 204);
    assert.equal((await t.call('DELETE', '/v1/hosts/h1/grants/acme?network=default', t.admin)).status, 204);
    assert.equal((await as(h1).call('POST', '/v1/orgs/acme/apps/web/instances', {})).status, 403);
    const none = await as(h1).call('GET', '/v1/hosts/h1/grants');
    assert.deepEqual(none.json.items, []);
  });

  test('bad input names the field; unknown host, org or network is 404', async () => {
    const bad = await t.call('POST', '/v1/hosts/h1/grants', t.admin, { org: 'Not A Label' });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error.message, /org/);
    assert.equal((await t.call('POST', '/v1/hosts/nope/grants', t.admin, { org: 'acme' })).status, 404);
    assert.equal((await t.call('POST', '/v1/hosts/h1/grants', t.admin, { org: 'nope' })).status, 404);
    const net = await t.call('POST', '/v1/hosts/h1/grants', t.admin, { org: 'acme', network: 'nope' });
    assert.equal(net.status, 404);
    const noRegion = await t.call('POST', '/v1/orgs/acme/apps/web/instances', t.admin, {});
    assert.equal(noRegion.status, 400);
    assert.match(noRegion.json.error.message, /region/);
  });
});
