// Token lookups are cached (token-cache.ts): a revocation must still take effect at once on the replica that
// made it and within 1 s on another replica of the same store. Two APIs over one store stand for two replicas;
// each has its own clock, moved by the test.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { silentLogger } from '../../lib/log.ts';
import { createApi } from './app.ts';
import { type TestApi, testApi } from './test-support.ts';

describe('token revocation with cached lookups', () => {
  let t: TestApi;
  const otherNow = { value: new Date('2026-06-01T00:00:00Z') };
  let other: ReturnType<typeof createApi>;
  const asOther = async (token: string, path = '/v1/whoami') =>
    (await other.request(path, { headers: { authorization: `Bearer ${token}` } })).status;

  before(async () => {
    t = await testApi();
    other = createApi({ store: t.store, hub: t.hub, logger: silentLogger, now: () => otherNow.value });
    assert.equal((await t.call('POST', '/v1/orgs', t.admin, { name: 'acme' })).status, 201);
  });
  after(() => t.close());

  const newToken = async (name: string) => {
    const r = await t.call('POST', '/v1/tokens', t.admin, { kind: 'org', name, org: 'acme' });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    return r.json as { token: { id: string }; secret: string };
  };

  test('a revoked token is refused at once by the replica that revoked it', async () => {
    const tok = await newToken('here');
    assert.equal((await t.call('GET', '/v1/whoami', tok.secret)).status, 200);
    assert.equal((await t.call('DELETE', `/v1/tokens/${tok.token.id}`, t.admin)).status, 204);
    assert.equal((await t.call('GET', '/v1/whoami', tok.secret)).status, 401);
  });

  test('another replica refuses a revoked token once its cached lookup is 1 s old', async () => {
    const tok = await newToken('there');
    assert.equal(await asOther(tok.secret), 200, 'cached on the other replica');
    assert.equal((await t.call('DELETE', `/v1/tokens/${tok.token.id}`, t.admin)).status, 204);
    const start = otherNow.value;
    otherNow.value = new Date(start.getTime() + 999);
    assert.equal(await asOther(tok.secret), 200, 'trusted for less than 1 s');
    otherNow.value = new Date(start.getTime() + 1000);
    assert.equal(await asOther(tok.secret), 401, 'refused 1 s after the lookup');
  });

  test('deleting the org through this replica refuses its tokens at once (a DELETE clears the cache)', async () => {
    assert.equal((await t.call('POST', '/v1/orgs', t.admin, { name: 'doomed' })).status, 201);
    const r = await t.call('POST', '/v1/tokens', t.admin, { kind: 'org', name: 'x', org: 'doomed' });
    assert.equal((await t.call('GET', '/v1/whoami', r.json.secret)).status, 200);
    assert.equal((await t.call('DELETE', '/v1/orgs/doomed', t.admin)).status, 204);
    assert.equal((await t.call('GET', '/v1/whoami', r.json.secret)).status, 401);
  });

  test('an expired token is refused although its lookup is cached', async () => {
    const r = await t.call('POST', '/v1/tokens', t.admin, {
      kind: 'org',
      name: 'short',
      org: 'acme',
      expires_in: '60s',
    });
    assert.equal((await t.call('GET', '/v1/whoami', r.json.secret)).status, 200);
    const saved = t.now.value;
    t.now.value = new Date(Date.parse(r.json.token.expires_at));
    try {
      assert.equal((await t.call('GET', '/v1/whoami', r.json.secret)).status, 401);
    } finally {
      t.now.value = saved;
    }
  });

  test('a cached lookup costs no store read', async () => {
    const tok = await newToken('counted');
    let reads = 0;
    const store = new Proxy(t.store, {
      get(target, key) {
        if (key === 'getTokenByHash') reads++;
        const v = Reflect.get(target, key, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const api = createApi({ store, hub: t.hub, logger: silentLogger, now: () => otherNow.value });
    for (let i = 0; i < 5; i++) {
      const res = await api.request('/v1/whoami', { headers: { authorization: `Bearer ${tok.secret}` } });
      assert.equal(res.status, 200);
    }
    assert.equal(reads, 1);
  });
});
