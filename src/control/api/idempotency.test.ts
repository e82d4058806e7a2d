// Idempotency-Key on creates through app.request(): a repeat gets the first answer and makes nothing new; the
// key is the caller's own (another token with the same key makes its own object); another body, a bad key and a
// failed create; and /readyz.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hashSecret, newSecret } from '../auth.ts';
import { wgKey } from '../store/test-fixtures.ts';
import { idempotencyRecord } from './idempotency.ts';
import { type TestApi, testApi } from './test-support.ts';

// Replicas of different versions share the kept keys: the record's hashes must not change (golden values).
test('idempotencyRecord: SHA-256 of the scope and key, and of the body', () => {
  const path = '/v1/orgs/acme/apps/web/instances';
  assert.deepEqual(idempotencyRecord('tok1', 'post', path, 'key-1', { region: 'ord' }), {
    key: '963fd103ea943cde57e1b9c9a664feab7f39139d51817082304a414516a7aa1a',
    request: 'f36ef4c077e5ea36dff85c3e5211e7f0a2ea326f189963105e2fed7f2061b6d1',
  });
  assert.equal(
    idempotencyRecord('tok1', 'POST', path, 'key-1', undefined).request,
    '74234e98afe7498fb5daf1f36ac2d78acc339464f950703b8c019892f982b90b',
  );
});

describe('Idempotency-Key', () => {
  let t: TestApi;
  let acme: string;
  const post = (path: string, token: string, body: unknown, key?: string) =>
    t.raw(path, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        ...(key === undefined ? {} : { 'idempotency-key': key }),
      },
      body: JSON.stringify(body),
    });

  before(async () => {
    t = await testApi();
    await t.store.createOrg('acme');
    await t.store.createRegion({ code: 'ord', name: 'Chicago', lat: 41.9, lon: -87.6 });
    await t.store.createHost({ name: 'h1', region: 'ord', role: 'host' });
    await t.store.createApp({ org: 'acme', name: 'web', private_network: true });
    acme = newSecret();
    await t.store.createToken({ kind: 'org', name: 'ci', org: 'acme' }, hashSecret(acme));
  });
  after(() => t.close());

  const instances = async () => (await t.store.listInstances({ org: 'acme' })).length;

  test('a create sent twice with one key makes one instance; the repeat gets the same answer', async () => {
    const before = await instances();
    const first = await post('/v1/orgs/acme/apps/web/instances', acme, { region: 'ord' }, 'key-1');
    assert.equal(first.status, 201);
    const again = await post('/v1/orgs/acme/apps/web/instances', acme, { region: 'ord' }, 'key-1');
    assert.equal(again.status, 201);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(await again.json(), await first.json());
    assert.equal(await instances(), before + 1);
    // without a key, each create is its own
    await post('/v1/orgs/acme/apps/web/instances', acme, { region: 'ord' });
    await post('/v1/orgs/acme/apps/web/instances', acme, { region: 'ord' });
    assert.equal(await instances(), before + 3);
  });

  test('concurrent creates with one key make one instance, and every answer is that instance', async () => {
    const before = await instances();
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        post('/v1/orgs/acme/apps/web/instances', acme, { region: 'ord' }, 'key-c'),
      ),
    );
    assert.deepEqual(
      answers.map((a) => a.status),
      Array(6).fill(201),
    );
    const bodies = new Set(await Promise.all(answers.map((a) => a.text())));
    assert.equal(bodies.size, 1);
    assert.equal(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true').length, 5);
    assert.equal(await instances(), before + 1);
  });

  test("a key is the caller's own: another token with the same key gets its own create, not the first answer", async () => {
    const first = await post('/v1/orgs', t.admin, { name: 'org-a' }, 'shared-key');
    const other = newSecret();
    await t.store.createToken({ kind: 'admin', name: 'other admin' }, hashSecret(other));
    const second = await post('/v1/orgs', other, { name: 'org-a' }, 'shared-key');
    assert.equal(first.status, 201);
    assert.equal(second.status, 409, 'ran as a create of its own (the name exists), not a replay');
    assert.equal(second.headers.get('idempotent-replayed'), null);
  });

  test('the same key with another body, or a malformed key, is refused and creates nothing', async () => {
    await post('/v1/orgs', t.admin, { name: 'org-b' }, 'key-2');
    const other = await post('/v1/orgs', t.admin, { name: 'org-c' }, 'key-2');
    assert.equal(other.status, 400);
    assert.match(
      ((await other.json()) as { error: { message: string } }).error.message,
      /used for another request/,
    );
    const bad = await post('/v1/orgs', t.admin, { name: 'org-d' }, 'has space');
    assert.equal(bad.status, 400);
    assert.equal(
      ((await bad.json()) as { error: { details: { field: string } } }).error.details.field,
      'Idempotency-Key',
    );
    assert.deepEqual(
      (await t.store.listOrgs()).map((o) => o.name).filter((n) => /^org-[cd]$/.test(n)),
      [],
    );
  });

  test('an answer with a secret is never kept: the repeat is 409 naming the header, and one token exists', async () => {
    const count = async () => (await t.store.listTokens()).length;
    const before = await count();
    const body = { kind: 'org', name: 'deploy', org: 'acme' };
    const first = await post('/v1/tokens', t.admin, body, 'key-secret');
    assert.equal(first.status, 201);
    const { secret } = (await first.json()) as { secret: string };
    const again = await post('/v1/tokens', t.admin, body, 'key-secret');
    assert.equal(again.status, 409);
    const text = await again.text();
    assert.ok(!text.includes(secret), 'the repeat does not carry the secret');
    assert.match(text, /Idempotency-Key already succeeded.*shown once/);
    assert.equal(await count(), before + 1);
  });

  test('the join exchange (no bearer token) honours no key: a repeat is a join of its own, never a replay', async () => {
    const made = await post('/v1/join-tokens', t.admin, { region: 'ord', uses: 2 });
    const { token } = (await made.json()) as { token: string };
    const join = () =>
      t.raw('/v1/join', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'anyone' },
        body: JSON.stringify({ token, name: 'h9', endpoint: '198.18.9.9:51820', mesh_key: wgKey(9) }),
      });
    const first = await join();
    assert.equal(first.status, 201);
    const again = await join();
    assert.equal(again.status, 409, 'ran as a join of its own (the name exists)');
    assert.equal(again.headers.get('idempotent-replayed'), null);
    assert.ok(!(await again.text()).includes(((await first.json()) as { token: string }).token));
  });

  test('a failed create gives its key up: the same key may be tried again', async () => {
    const fail = await post('/v1/orgs/acme/apps/nope/instances', acme, { region: 'ord' }, 'key-3');
    assert.equal(fail.status, 404);
    await t.store.createApp({ org: 'acme', name: 'nope', private_network: true });
    const ok = await post('/v1/orgs/acme/apps/nope/instances', acme, { region: 'ord' }, 'key-3');
    assert.equal(ok.status, 201);
    assert.equal(ok.headers.get('idempotent-replayed'), null);
  });

  test('/readyz answers ready while the store answers, 503 naming the database once it does not', async () => {
    const ready = await t.raw('/readyz');
    assert.equal(ready.status, 200);
    assert.equal(await ready.text(), 'ready');
    const gone = await testApi();
    await gone.close(); // the store closed: every read fails
    const res = await gone.raw('/readyz');
    assert.equal(res.status, 503);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'unavailable');
    assert.match(body.error.message, /database/);
    assert.equal((await gone.raw('/healthz')).status, 200, '/healthz stays liveness');
  });
});
