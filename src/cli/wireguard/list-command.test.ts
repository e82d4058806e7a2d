// `sixpn wireguard list` in-process against a recorded fake API: the org as an argument, from the token, and
// every org (with an ORG column) for an admin token with no org anywhere.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { recordingFetch, runInProcess } from '../test-support.ts';

const T = '2026-01-01T00:00:00Z';
const peer = (org: string, name: string, n: number) => ({
  id: `p${n}`,
  org,
  network: 'default',
  network_num: n,
  name,
  region: 'ord',
  gateway: 'ord-gw1',
  gateway_num: 9,
  public_key: 'k',
  address: `fdaa:0:${n}:0:9::100`,
  created_at: T,
});
const whoami = (kind: string, org: string | null) => ({
  kind,
  name: 'n',
  org,
  network: null,
  host: null,
  expires_at: null,
});
const org = (name: string) => ({ id: `o-${name}`, name, created_at: T });

/** A fake API: "METHOD /path" → JSON answer (404 for anything else). */
function fakeApi(routes: Record<string, unknown>) {
  return recordingFetch((req) => {
    const r = routes[`${req.method} ${new URL(req.url).pathname}`];
    if (r === undefined)
      return Response.json({ error: { code: 'not_found', message: 'no' } }, { status: 404 });
    return Response.json(r);
  });
}

const conn = { SIXPN_API_URL: 'http://cp.test', SIXPN_TOKEN: 'tok' };
const acmePeers = { items: [peer('acme', 'laptop', 24)] };
const globexPeers = { items: [peer('globex', 'ci-1', 42), peer('globex', 'ci-2', 42)] };

describe('wireguard list', () => {
  test('the org as a positional argument, with any token', async () => {
    const api = fakeApi({ 'GET /v1/orgs/acme/peers': acmePeers });
    const r = await runInProcess(['wireguard', 'list', 'acme'], { env: conn, fetch: api.fetch });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      api.requests.map((q) => q.path),
      ['/v1/orgs/acme/peers'],
    );
    assert.match(
      r.stdout,
      /^NAME +NETWORK +REGION +GATEWAY +ADDRESS +CREATED\nlaptop +default +ord +ord-gw1 /,
    );
  });

  test("an org token's own org, without an ORG column", async () => {
    const api = fakeApi({ 'GET /v1/whoami': whoami('org', 'acme'), 'GET /v1/orgs/acme/peers': acmePeers });
    const r = await runInProcess(['wireguard', 'list'], { env: conn, fetch: api.fetch });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^NAME +NETWORK /);
  });

  test('an admin token and no org: every org, with an ORG column', async () => {
    const api = fakeApi({
      'GET /v1/whoami': whoami('admin', null),
      'GET /v1/orgs': { items: [org('acme'), org('globex'), org('initech')] },
      'GET /v1/orgs/acme/peers': acmePeers,
      'GET /v1/orgs/globex/peers': globexPeers,
      'GET /v1/orgs/initech/peers': { items: [] },
    });
    const r = await runInProcess(['wireguard', 'list'], { env: conn, fetch: api.fetch });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^ORG +NAME +NETWORK +REGION +GATEWAY +ADDRESS +CREATED$/);
    assert.deepEqual(
      lines.slice(1).map((l) => l.split(/ +/).slice(0, 2).join(' ')),
      ['acme laptop', 'globex ci-1', 'globex ci-2'],
    );

    const js = await runInProcess(['wireguard', 'list', '--json'], { env: conn, fetch: api.fetch });
    assert.equal(js.code, 0, js.stderr);
    assert.deepEqual(
      (JSON.parse(js.stdout) as { org: string; name: string }[]).map((p) => `${p.org}/${p.name}`),
      ['acme/laptop', 'globex/ci-1', 'globex/ci-2'],
    );
  });

  test('--network filters in every org', async () => {
    const api = fakeApi({
      'GET /v1/whoami': whoami('admin', null),
      'GET /v1/orgs': { items: [org('acme')] },
      'GET /v1/orgs/acme/peers': acmePeers,
    });
    const r = await runInProcess(['wireguard', 'list', '--network', 'dev'], { env: conn, fetch: api.fetch });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(api.requests.some((q) => q.path === '/v1/orgs/acme/peers?network=dev'));
  });

  test('a token with no org of its own that is not an admin still gets the clear error', async () => {
    const api = fakeApi({ 'GET /v1/whoami': whoami('gateway', null) });
    const r = await runInProcess(['wireguard', 'list'], { env: conn, fetch: api.fetch });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no org given/);
    assert.ok(!api.requests.some((q) => q.path === '/v1/orgs'));
  });
});
