// API behaviour through app.request(): CRUD, bad input that changes nothing, and token scoping.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { contains, defaultPlan, hostPrefix, networkPrefix, parseIPv6 } from '../../core/address.ts';
import { MAX_BODY_BYTES, routeTable } from './app.ts';
import { type TestApi, testApi } from './test-support.ts';

describe('api', () => {
  let t: TestApi;
  let acmeToken: string;
  let globexToken: string;
  let hostToken: string;

  before(async () => {
    t = await testApi();
    const a = t.admin;
    assert.equal((await t.call('POST', '/v1/orgs', a, { name: 'acme' })).status, 201);
    assert.equal((await t.call('POST', '/v1/orgs', a, { name: 'globex' })).status, 201);
    assert.equal(
      (await t.call('POST', '/v1/regions', a, { code: 'ord', name: 'Chicago', lat: 41.9, lon: -87.6 }))
        .status,
      201,
    );
    const h = await t.call('POST', '/v1/hosts', a, { name: 'h1', region: 'ord' });
    assert.equal(h.status, 201);
    hostToken = h.json.token;
    acmeToken = (await t.call('POST', '/v1/tokens', a, { kind: 'org', name: 'ci', org: 'acme' })).json.secret;
    globexToken = (await t.call('POST', '/v1/tokens', a, { kind: 'org', name: 'ci', org: 'globex' })).json
      .secret;
  });
  after(() => t.close());

  test('an org token creates an app and instances with plan addresses', async () => {
    const app = await t.call('POST', '/v1/orgs/acme/apps', acmeToken, { name: 'web', private_network: true });
    assert.equal(app.status, 201, JSON.stringify(app.json));
    const i1 = await t.call('POST', '/v1/orgs/acme/apps/web/instances', acmeToken, { region: 'ord' });
    assert.equal(i1.status, 201, JSON.stringify(i1.json));
    for (const f of ['id', 'app', 'org', 'network', 'region', 'host', 'state', 'address'])
      assert.ok(f in i1.json, f);
    const net = (await t.call('GET', '/v1/orgs/acme/networks/default', acmeToken)).json;
    const host = (await t.call('GET', '/v1/hosts/h1', acmeToken)).json;
    const addr = parseIPv6(i1.json.address);
    assert.ok(i1.json.address.endsWith(':2'));
    assert.ok(contains(networkPrefix(defaultPlan, net.num), addr));
    assert.ok(contains(hostPrefix(defaultPlan, net.num, host.num), addr));
  });

  test('service addresses: created, changed by PATCH, refused without private networking', async () => {
    const web = await t.call('POST', '/v1/orgs/acme/apps', acmeToken, {
      name: 'svcweb',
      private_network: true,
      service_address: true,
    });
    assert.equal(web.status, 201, JSON.stringify(web.json));
    assert.match(web.json.service_address, /^fdaa:0:[0-9a-f]+::[0-9a-f]+:2$/);
    const off = await t.call('PATCH', '/v1/orgs/acme/apps/svcweb', acmeToken, { service_address: false });
    assert.equal(off.status, 200);
    assert.equal(off.json.service_address, null);
    const batch = await t.call('POST', '/v1/orgs/acme/apps', acmeToken, { name: 'svcbatch' });
    assert.equal(batch.status, 201);
    const bad: [string, string, unknown, RegExp][] = [
      [
        'PATCH',
        '/v1/orgs/acme/apps/svcbatch',
        { service_address: true },
        /service_address: app svcbatch has no private networking/,
      ],
      ['POST', '/v1/orgs/acme/apps', { name: 'svcx', service_address: true }, /service_address/],
      ['PATCH', '/v1/orgs/acme/apps/svcweb', { service_address: 'yes' }, /service_address/],
      ['PATCH', '/v1/orgs/acme/apps/svcweb', { service_adress: true }, /service_adress/],
    ];
    for (const [method, path, body, msg] of bad) {
      const r = await t.call(method, path, acmeToken, body);
      assert.equal(r.status, 400, `${method} ${path} ${JSON.stringify(body)}: ${JSON.stringify(r.json)}`);
      assert.match(JSON.stringify(r.json), msg);
    }
    assert.equal((await t.call('GET', '/v1/orgs/acme/apps/svcbatch', acmeToken)).json.service_address, null);
    assert.equal((await t.call('GET', '/v1/orgs/acme/apps/svcx', acmeToken)).status, 404, 'nothing created');
    assert.equal(
      (await t.call('PATCH', '/v1/orgs/acme/apps/svcweb', globexToken, { service_address: true })).status,
      404,
    );
  });

  test('objects of another org are 404 and never shown', async () => {
    const list = await t.call('GET', '/v1/instances', globexToken);
    assert.equal(list.status, 200);
    assert.deepEqual(list.json.items, []);
    const someAcme = (await t.call('GET', '/v1/instances', acmeToken)).json.items[0];
    for (const [m, p] of [
      ['GET', `/v1/instances/${someAcme.id}`],
      ['POST', `/v1/instances/${someAcme.id}/stop`],
      ['DELETE', `/v1/instances/${someAcme.id}`],
      ['GET', '/v1/orgs/acme'],
      ['GET', '/v1/orgs/acme/apps'],
      ['GET', '/v1/orgs/acme/apps/web'],
      ['GET', '/v1/instances?org=acme'],
      ['POST', '/v1/orgs/acme/networks'],
    ] as const) {
      const r = await t.call(
        m,
        p,
        globexToken,
        m === 'POST' && p.endsWith('networks') ? { name: 'x' } : undefined,
      );
      assert.equal(r.status, 404, `${m} ${p}: ${JSON.stringify(r.json)}`);
      assert.doesNotMatch(JSON.stringify(r.json), new RegExp(someAcme.address ?? 'none'));
    }
    const snap = await t.call('GET', '/v1/snapshot', globexToken);
    assert.equal(snap.status, 200);
    assert.deepEqual(snap.json.instances, []);
    assert.deepEqual(
      snap.json.orgs.map((o: { name: string }) => o.name),
      ['globex'],
    );
  });

  test('host tokens read the fleet but cannot write org objects', async () => {
    assert.equal((await t.call('GET', '/v1/snapshot', hostToken)).status, 200);
    assert.equal((await t.call('POST', '/v1/orgs/acme/apps', hostToken, { name: 'x' })).status, 403);
    assert.equal((await t.call('POST', '/v1/orgs', hostToken, { name: 'x' })).status, 403);
  });

  test('no token, bad token and expired token are 401', async () => {
    assert.equal((await t.call('GET', '/v1/orgs')).status, 401);
    assert.equal((await t.call('GET', '/v1/orgs', 'sixpn_nope')).status, 401);
    const tok = await t.call('POST', '/v1/tokens', t.admin, {
      kind: 'org',
      name: 'short',
      org: 'acme',
      expires_in: '60s',
    });
    assert.equal((await t.call('GET', '/v1/orgs', tok.json.secret)).status, 200);
    const saved = t.now.value;
    t.now.value = new Date(saved.getTime() + 61_000);
    try {
      const r = await t.call('GET', '/v1/orgs', tok.json.secret);
      assert.equal(r.status, 401);
      assert.match(r.json.error.message, /expired/);
    } finally {
      t.now.value = saved;
    }
  });

  const badBodies: [string, string, unknown, number, RegExp][] = [
    ['malformed JSON', '/v1/orgs', '{"name":', 400, /not valid JSON/],
    [
      'wrong type',
      '/v1/regions',
      { code: 'ams', name: 'Amsterdam', lat: 'north', lon: 4.9 },
      400,
      /field 'lat'/,
    ],
    ['unknown field', '/v1/orgs', { name: 'ok', color: 'red' }, 400, /unknown field 'color'/],
    ['missing field', '/v1/orgs', {}, 400, /field 'name'/],
    [
      'uppercase name',
      '/v1/orgs',
      { name: 'Acme' },
      400,
      /^body: name 'Acme' is not a valid name: use lowercase \(acme\)$/,
    ],
    [
      'leading dash',
      '/v1/orgs',
      { name: '-x' },
      400,
      /^body: name '-x' is not a valid name: it must not start/,
    ],
    [
      '64-char name',
      '/v1/orgs',
      { name: 'a'.repeat(64) },
      400,
      /name 'a+' is not a valid name: it is 64 characters/,
    ],
    [
      'bad region code',
      '/v1/regions',
      { code: 'ORD!', name: 'x', lat: 0, lon: 0 },
      400,
      /^body: code 'ORD!' is not a region code/,
    ],
    ['lat out of range', '/v1/regions', { code: 'xx', name: 'x', lat: 91, lon: 0 }, 400, /field 'lat'/],
    ['oversize', '/v1/orgs', { name: 'x'.repeat(MAX_BODY_BYTES) }, 413, /larger than/],
    ['bad app name', '/v1/orgs/acme/apps', { name: 'Web_1' }, 400, /^body: name 'Web_1' is not a valid name/],
    [
      'reserved app name',
      '/v1/orgs/acme/apps',
      { name: 'svc' },
      400,
      /^body: name 'svc' is reserved by \.internal DNS/,
    ],
    [
      'bad private_network',
      '/v1/orgs/acme/apps',
      { name: 'ok', private_network: 'yes' },
      400,
      /private_network/,
    ],
    [
      'private key in peer body',
      '/v1/orgs/acme/peers',
      { name: 'lap', region: 'ord', public_key: 'x', private_key: 'y' },
      400,
      /private keys never leave/,
    ],
  ];
  for (const [name, path, body, status, msg] of badBodies) {
    test(`bad input: ${name} → ${status}, store unchanged`, async () => {
      const before = await t.store.headRevision();
      const r = await t.call('POST', path, t.admin, body);
      assert.equal(r.status, status, JSON.stringify(r.json));
      assert.match(r.json.error.message, msg);
      assert.equal(await t.store.headRevision(), before);
    });
  }

  test('an instance in a region without hosts names the regions that have one', async () => {
    await t.call('POST', '/v1/regions', t.admin, { code: 'nrt', name: 'Tokyo', lat: 35.7, lon: 139.7 });
    const r = await t.call('POST', '/v1/orgs/acme/apps/web/instances', acmeToken, { region: 'nrt' });
    assert.equal(r.status, 409, JSON.stringify(r.json));
    assert.match(r.json.error.message, /ord/);
  });

  test('the OpenAPI document lists every route', async () => {
    const doc = (await t.call('GET', '/v1/openapi.json')).json;
    assert.equal(doc.openapi, '3.1.0');
    for (const r of routeTable) {
      const p = r.path.replace(/:([a-z_]+)/g, '{$1}');
      assert.ok(doc.paths[p]?.[r.method], `${r.method} ${p}`);
    }
  });
});
