// The join routes through the API: a join token's text carries the CA fingerprint, the exchange needs no bearer
// token and answers a used one with one clear 401, and a rotated host token stops working at once.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseJoinToken } from '../../core/join-token.ts';
import { wgKey } from '../store/test-fixtures.ts';
import { testApi } from './test-support.ts';

test('join token → exchange → host token; a second use is refused and changes nothing', async () => {
  const t = await testApi();
  try {
    await t.call('POST', '/v1/regions', t.admin, { code: 'ord', name: 'Chicago', lat: 41.9, lon: -87.6 });
    const made = await t.call('POST', '/v1/join-tokens', t.admin, { region: 'ord', expires_in: '1h' });
    assert.equal(made.status, 201, JSON.stringify(made.json));
    const parts = parseJoinToken(made.json.token);
    assert.equal(parts.fingerprint, undefined, 'no CA here (plain in-process API): `none`');
    assert.equal(parts.id, made.json.join_token.id);
    assert.deepEqual([made.json.join_token.uses, made.json.join_token.role], [1, 'host']);
    const body = { token: made.json.token, name: 'ord1', endpoint: '198.18.1.1:51820', mesh_key: wgKey(1) };
    const joined = await t.call('POST', '/v1/join', undefined, body);
    assert.equal(joined.status, 201, JSON.stringify(joined.json));
    assert.equal(joined.json.host.mesh_key, wgKey(1));
    const me = await t.call('GET', '/v1/whoami', joined.json.token);
    assert.deepEqual([me.json.kind, me.json.host], ['host', 'ord1']);
    const listed = await t.call('GET', '/v1/join-tokens', t.admin);
    assert.ok(!JSON.stringify(listed.json).includes(parts.secret), 'lists never show the secret');
    const head = await t.store.headRevision();
    const again = await t.call('POST', '/v1/join', undefined, { ...body, name: 'ord2', mesh_key: wgKey(2) });
    assert.equal(again.status, 401);
    assert.match(again.json.error.message, /has been used 1 of 1 time/);
    assert.equal(await t.store.headRevision(), head);
    assert.deepEqual(
      (await t.store.listHosts()).map((h) => h.name),
      ['ord1'],
    );
    const bad = await t.call('POST', '/v1/join', undefined, { ...body, token: 'sixpn1.nope' });
    assert.equal(bad.status, 400);
    assert.doesNotMatch(bad.json.error.message, /nope/, 'the token is never echoed');

    const rotated = await t.call('POST', '/v1/hosts/ord1/token', t.admin);
    assert.equal(rotated.status, 201, JSON.stringify(rotated.json));
    assert.equal(
      (await t.call('GET', '/v1/whoami', joined.json.token)).status,
      401,
      'the old token stops at once',
    );
    assert.equal((await t.call('GET', '/v1/whoami', rotated.json.secret)).status, 200);
    assert.equal((await t.call('POST', '/v1/gateways/ord1/token', t.admin)).status, 404);
    const revoked = await t.call('POST', '/v1/join-tokens', t.admin, { region: 'ord', uses: 2 });
    assert.equal(
      (await t.call('DELETE', `/v1/join-tokens/${revoked.json.join_token.id}`, t.admin)).status,
      204,
    );
    const r = await t.call('POST', '/v1/join', undefined, {
      ...body,
      token: revoked.json.token,
      name: 'ord3',
    });
    assert.equal(r.status, 401);
    assert.match(r.json.error.message, /was revoked/);
  } finally {
    await t.close();
  }
});

test('a watch stream ends at its next heartbeat once its token was rotated', async () => {
  const t = await testApi();
  try {
    await t.call('POST', '/v1/regions', t.admin, { code: 'ord', name: 'Chicago', lat: 41.9, lon: -87.6 });
    const host = await t.call('POST', '/v1/hosts', t.admin, { name: 'ord1', region: 'ord' });
    const res = await t.raw('/v1/watch?since=0', { headers: { authorization: `Bearer ${host.json.token}` } });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    await reader.read(); // the stream is open
    assert.equal((await t.call('POST', '/v1/hosts/ord1/token', t.admin)).status, 201);
    let text = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    assert.match(text, /"code":"unavailable".*no longer authenticates/);
  } finally {
    await t.close();
  }
});
