// The console through app.request(): sign-in (cookie attributes, which tokens may), scoping (another org's pages
// are 404), CSRF on writes made with the cookie, sign-out and revocation, inert names, headers and assets.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type TestApi, testApi } from '../api/test-support.ts';
import { csrfOf, readCookie } from './session.ts';

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

describe('console', () => {
  let t: TestApi;
  let acme: string;
  let globex: string;
  let peerOnly: string;
  let instance: string;

  /** Signs in with `token`; returns the cookie header to send and the session's CSRF token. */
  async function signIn(token: string) {
    const res = await t.raw('/login', form({ token }));
    assert.equal(res.status, 303, await res.text());
    const set = res.headers.get('set-cookie') ?? '';
    const secret = readCookie(set.split(';')[0], 'sixpn_session') ?? '';
    return { cookie: `sixpn_session=${secret}`, csrf: csrfOf(secret), set };
  }
  const page = (path: string, cookie: string) => t.raw(path, { headers: { cookie } });

  before(async () => {
    t = await testApi();
    const a = t.admin;
    for (const name of ['acme', 'globex']) await t.call('POST', '/v1/orgs', a, { name });
    await t.call('POST', '/v1/regions', a, {
      code: 'ord',
      name: '<img src=x onerror=alert(1)>',
      lat: 41,
      lon: -87,
    });
    await t.call('POST', '/v1/hosts', a, { name: 'h1', region: 'ord' });
    await t.call('POST', '/v1/orgs/acme/apps', a, { name: 'web', private_network: true });
    await t.call('POST', '/v1/orgs/globex/apps', a, { name: 'vault', private_network: true });
    instance = (await t.call('POST', '/v1/orgs/acme/apps/web/instances', a, { region: 'ord' })).json.id;
    await t.call('POST', '/v1/orgs/globex/apps/vault/instances', a, { region: 'ord' });
    const token = async (kind: string, org: string, name = 'console') =>
      (await t.call('POST', '/v1/tokens', a, { kind, name, org })).json.secret as string;
    acme = await token('org', 'acme');
    globex = await token('org', 'globex');
    peerOnly = await token('peer', 'acme', '"><script>window.pwned=1</script>');
  });
  after(() => t.close());

  test('without a session every page is the sign-in form; the token is never echoed', async () => {
    const res = await t.raw('/');
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /<form method="post" action="\/login"/);
    assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.equal((await t.raw('/orgs/acme/apps')).status, 401);
    const bad = await t.raw('/login', form({ token: 'sixpn_nope' }));
    assert.equal(bad.status, 401);
    assert.doesNotMatch(await bad.text(), /sixpn_nope/);
    const peer = await t.raw('/login', form({ token: peerOnly }));
    assert.equal(peer.status, 401);
    assert.match(await peer.text(), /a peer token cannot sign in/);
  });

  test('sign-in sets an HttpOnly SameSite=Strict cookie (Secure on TLS) holding no token', async () => {
    const s = await signIn(acme);
    assert.match(s.set, /^sixpn_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=28800$/);
    assert.ok(!s.set.includes(acme));
    const tls = await t.raw('https://cp.example/login', form({ token: acme }));
    assert.match(tls.headers.get('set-cookie') ?? '', /^__Host-sixpn_session=.*; Secure$/);
  });

  test('an org token sees its org only; another org is 404 on every page', async () => {
    const { cookie } = await signIn(globex);
    for (const path of [
      '/',
      '/orgs/globex/apps',
      '/orgs/globex/peers',
      '/orgs/globex/tokens',
      '/orgs/globex/usage',
      '/orgs/globex/networks/default',
    ]) {
      const res = await page(path, cookie);
      assert.equal(res.status, 200, path);
      const html = await res.text();
      assert.doesNotMatch(html, /acme|\bweb\b/, `${path} shows nothing of acme`);
    }
    assert.match(await (await page('/orgs/globex/apps', cookie)).text(), /vault/);
    for (const path of [
      '/orgs/acme/apps',
      '/orgs/acme/peers',
      '/orgs/acme/tokens',
      '/orgs/acme/usage',
      '/orgs/acme/networks/default',
      '/orgs/nope/apps',
      '/fleet',
    ]) {
      const res = await page(path, cookie);
      assert.equal(res.status, 404, path);
      assert.doesNotMatch(await res.text(), /\bweb\b|fdaa:0:1:/, path);
    }
    const snap = await t.raw('/v1/snapshot', { headers: { cookie } });
    assert.doesNotMatch(await snap.text(), /acme/);
  });

  test('writes with the cookie need the CSRF token and the same origin', async () => {
    const { cookie, csrf } = await signIn(acme);
    const stop = (headers: Record<string, string>) =>
      t.raw(`/v1/instances/${instance}/stop`, { method: 'POST', headers: { cookie, ...headers } });
    assert.equal((await stop({})).status, 403);
    assert.equal((await stop({ 'x-csrf-token': 'x'.repeat(43) })).status, 403);
    assert.equal((await stop({ 'x-csrf-token': csrf, origin: 'https://evil.example' })).status, 403);
    assert.equal((await t.call('GET', `/v1/instances/${instance}`, t.admin)).json.state, 'started');
    const ok = await stop({ 'x-csrf-token': csrf, origin: 'http://localhost' });
    assert.equal(ok.status, 200);
    assert.equal(((await ok.json()) as { state: string }).state, 'stopped');
    assert.equal((await t.raw('/console/keypair', { method: 'POST', headers: { cookie } })).status, 403);
    const kp = await t.raw('/console/keypair', { method: 'POST', headers: { cookie, 'x-csrf-token': csrf } });
    assert.match(((await kp.json()) as { public_key: string }).public_key, /^[A-Za-z0-9+/]{43}=$/);
  });

  test('names and free text render inert', async () => {
    const { cookie } = await signIn(t.admin);
    const tokens = await (await page('/orgs/acme/tokens', cookie)).text();
    assert.ok(tokens.includes('&quot;&gt;&lt;script&gt;window.pwned=1&lt;/script&gt;'));
    assert.ok(!tokens.includes('<script>window.pwned'));
    const overview = await (await page('/', cookie)).text();
    assert.ok(overview.includes('&lt;img src=x onerror=alert(1)&gt;'));
    assert.ok(!overview.includes('<img src=x'));
  });

  test('sign-out and revoking the token end the session', async () => {
    const s = await signIn(acme);
    assert.equal((await page('/orgs/acme/apps', s.cookie)).status, 200);
    const out = await t.raw('/logout', {
      ...form({ csrf: s.csrf }),
      headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(out.status, 303);
    assert.match(out.headers.get('set-cookie') ?? '', /Max-Age=0/);
    assert.equal((await page('/orgs/acme/apps', s.cookie)).status, 401);
    const made = (await t.call('POST', '/v1/tokens', t.admin, { kind: 'org', name: 'short', org: 'acme' }))
      .json;
    const s2 = await signIn(made.secret);
    assert.equal((await page('/orgs/acme/apps', s2.cookie)).status, 200);
    assert.equal((await t.call('DELETE', `/v1/tokens/${made.token.id}`, t.admin)).status, 204);
    assert.equal((await page('/orgs/acme/apps', s2.cookie)).status, 401);
  });

  test('assets: content-hashed, gzipped, cached for good; pages link them', async () => {
    const { cookie } = await signIn(t.admin);
    const html = await (await page('/orgs/acme/apps', cookie)).text();
    const js = /src="(\/assets\/console\.[0-9a-f]{12}\.js)"/.exec(html)?.[1] ?? '';
    const res = await t.raw(js, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-encoding'), 'gzip');
    assert.match(res.headers.get('cache-control') ?? '', /immutable/);
    assert.equal((await t.raw('/assets/console.000000000000.js')).status, 404);
  });
});
