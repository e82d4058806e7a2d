// The authorization matrix, generated from the route table so a new route cannot be missed: every route × every
// kind of caller → the expected status, and nothing of org A in any answer to org B.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hashSecret, newSecret } from '../auth.ts';
import { CONSOLE_PAGES } from '../console/routes.tsx';
import { csrfOf, readCookie } from '../console/session.ts';
import { wgKey } from '../store/test-fixtures.ts';
import { routeTable } from './app.ts';
import type { RouteSpec } from './route.ts';
import { type TestApi, testApi } from './test-support.ts';

type Caller =
  | 'none'
  | 'bad'
  | 'expired'
  | 'admin'
  | 'orgA'
  | 'orgB'
  | 'peerA'
  | 'host'
  | 'gateway'
  | 'cookieA'
  | 'cookieB'
  | 'cookieNoCsrf';
/** `cookie*`: the console's session cookie of org A or B instead of a bearer token (`cookieNoCsrf`: without the CSRF token). */
const CALLERS: Caller[] = [
  'none',
  'bad',
  'expired',
  'admin',
  'orgA',
  'orgB',
  'peerA',
  'host',
  'gateway',
  'cookieA',
  'cookieB',
  'cookieNoCsrf',
];

interface World {
  t: TestApi;
  tokens: Record<Caller, string | undefined>;
  /** Console sessions signed in with the org tokens of A and B: the cookie header and the CSRF token. */
  sessions: Record<'A' | 'B', { cookie: string; csrf: string }>;
  instanceA: string;
  tokenIdA: string;
  /** A join token (text and id) for a host of ord, usable three times. */
  join: { token: string; id: string };
  /** Strings that identify org A's objects; none may appear in an answer to org B. */
  secretsOfA: string[];
}

async function world(): Promise<World> {
  const t = await testApi();
  const a = t.admin;
  const ok = async (m: string, p: string, body?: unknown) => {
    const r = await t.call(m, p, a, body);
    assert.ok(r.status < 300, `${m} ${p}: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json;
  };
  await ok('POST', '/v1/orgs', { name: 'acme' });
  await ok('POST', '/v1/orgs', { name: 'globex' });
  await ok('POST', '/v1/regions', { code: 'ord', name: 'Chicago', lat: 41.9, lon: -87.6 });
  const host = await ok('POST', '/v1/hosts', { name: 'h1', region: 'ord' });
  const gw = await ok('POST', '/v1/gateways', { name: 'g1', region: 'ord' });
  await ok('PUT', '/v1/gateways/g1/registration', {
    endpoint: '198.18.1.9:51820',
    mesh_key: wgKey(1),
    peer_key: wgKey(2),
    peer_endpoint: '198.18.1.9:51821',
  });
  await ok('POST', '/v1/orgs/acme/networks', { name: 'extra' });
  // unused objects for the deletes of regions, hosts and gateways (used ones are refused with 409)
  await ok('POST', '/v1/regions', { code: 'iad', name: 'Ashburn', lat: 39, lon: -77.5 });
  await ok('POST', '/v1/hosts', { name: 'h9', region: 'ord' });
  await ok('POST', '/v1/gateways', { name: 'g9', region: 'ord' });
  await ok('POST', '/v1/orgs/acme/apps', { name: 'web', private_network: true });
  const inst = await ok('POST', '/v1/orgs/acme/apps/web/instances', { region: 'ord' });
  // h1 (the `host` caller, where the instance is) may place acme's instances on itself
  await ok('POST', '/v1/hosts/h1/grants', { org: 'acme' });
  await ok('POST', '/v1/orgs/acme/peers', { name: 'laptop', region: 'ord', public_key: wgKey(3) });
  const join = await ok('POST', '/v1/join-tokens', { region: 'ord', uses: 3 });
  const orgA = await ok('POST', '/v1/tokens', { kind: 'org', name: 'a', org: 'acme' });
  const orgB = await ok('POST', '/v1/tokens', { kind: 'org', name: 'b', org: 'globex' });
  const peerA = await ok('POST', '/v1/tokens', { kind: 'peer', name: 'ci', org: 'acme' });
  const expired = newSecret();
  await t.store.createToken(
    // expired by the API's own (injected) clock: the real one may be seconds ahead of it on a loaded machine
    { kind: 'admin', name: 'old', expires_at: new Date(t.now.value.getTime() - 1000).toISOString() },
    hashSecret(expired),
  );
  const session = async (token: string) => {
    const res = await t.raw('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
    });
    const secret = readCookie((res.headers.get('set-cookie') ?? '').split(';')[0], 'sixpn_session') ?? '';
    return { cookie: `sixpn_session=${secret}`, csrf: csrfOf(secret) };
  };
  return {
    t,
    sessions: { A: await session(orgA.secret), B: await session(orgB.secret) },
    tokens: {
      none: undefined,
      bad: 'sixpn_not_a_token',
      expired,
      admin: a,
      orgA: orgA.secret,
      orgB: orgB.secret,
      peerA: peerA.secret,
      host: host.token,
      gateway: gw.token,
      cookieA: undefined,
      cookieB: undefined,
      cookieNoCsrf: undefined,
    },
    instanceA: inst.id,
    tokenIdA: orgA.token.id,
    join: { token: join.token, id: join.join_token.id },
    secretsOfA: [inst.id, inst.address, 'laptop', wgKey(3), 'acme'],
  };
}

/** Path parameters: always org A's objects (acme), the host h1 and the gateway g1. */
function pathOf(r: RouteSpec, w: World): string {
  const del = r.method === 'delete';
  const values: Record<string, string> = {
    org: 'acme',
    app: 'web',
    id: r.path.startsWith('/v1/tokens')
      ? w.tokenIdA
      : r.path.startsWith('/v1/join-tokens')
        ? w.join.id
        : w.instanceA,
    code: del ? 'iad' : 'ord',
    name: r.path.includes('/networks/')
      ? 'extra'
      : r.path.includes('/peers/')
        ? 'laptop'
        : r.path.startsWith('/v1/gateways')
          ? del
            ? 'g9'
            : 'g1'
          : del
            ? 'h9'
            : 'h1',
  };
  const p = r.path.replace(/:([a-z_]+)/g, (_, k: string) => values[k] ?? `?${k}`);
  return r.path === '/v1/watch' ? `${p}?since=0` : p;
}

/** A valid body for every route that takes one (or its maker, given the world). A route missing here fails the test. */
const BODIES: Record<string, unknown> = {
  'post /v1/join-tokens': { region: 'ord', expires_in: '1h' },
  'post /v1/join': (w: World) => ({
    token: w.join.token,
    name: 'h5',
    endpoint: '198.18.1.5:51820',
    mesh_key: wgKey(50),
  }),
  'post /v1/orgs': { name: 'newco' },
  'post /v1/orgs/:org/networks': { name: 'newnet' },
  'post /v1/regions': { code: 'ams', name: 'Amsterdam', lat: 52.4, lon: 4.9 },
  'post /v1/hosts': { name: 'h2', region: 'ord' },
  'post /v1/gateways': { name: 'g2', region: 'ord' },
  'put /v1/hosts/:name/registration': { endpoint: '198.18.1.1:51820', mesh_key: wgKey(10) },
  'put /v1/gateways/:name/registration': {
    endpoint: '198.18.1.9:51820',
    mesh_key: wgKey(1),
    peer_key: wgKey(2),
    peer_endpoint: '198.18.1.9:51821',
  },
  'put /v1/gateways/:name/peer-status': { items: [] },
  'post /v1/orgs/:org/apps': { name: 'api', private_network: true },
  'patch /v1/orgs/:org/apps/:app': {
    checks: [{ type: 'http', port: 8080, path: '/healthz' }],
    service_address: true,
  },
  'put /v1/hosts/:name/checks': { items: [] },
  'post /v1/orgs/:org/apps/:app/instances': { region: 'ord' },
  'post /v1/hosts/:name/grants': { org: 'acme' },
  'post /v1/orgs/:org/peers': { name: 'ci-1', region: 'ord', public_key: wgKey(20) },
  'post /v1/tokens': { kind: 'peer', name: 'x', org: 'acme' },
  'post /v1/hosts/:name/usage': { epoch: '0123456789abcdef', seq: 1, at: '2030-01-01T00:00:00Z', items: [] },
  'post /v1/gateways/:name/usage': {
    epoch: '0123456789abcdef',
    seq: 1,
    at: '2030-01-01T00:00:00Z',
    items: [],
  },
};

const ORG_SCOPED = /^\/v1\/(orgs\/:org|instances\/:id|tokens\/:id)/;

/** What `caller` must get from route `r` (called on org A's objects). 'ok' means any 2xx. */
function expected(r: RouteSpec, caller: Caller): 'ok' | 401 | 403 | 404 {
  if (r.auth === 'none') return 'ok'; // the join token in the body decides, whatever bearer comes along
  if (caller === 'cookieA') return expected(r, 'orgA');
  if (caller === 'cookieB') return expected(r, 'orgB');
  if (caller === 'cookieNoCsrf') return r.method === 'get' ? expected(r, 'orgA') : 403;
  if (caller === 'none' || caller === 'bad' || caller === 'expired') return 401;
  const kind = caller === 'orgA' || caller === 'orgB' ? 'org' : caller === 'peerA' ? 'peer' : caller;
  if (!r.allow.includes(kind)) return 403;
  if (kind === 'peer' && (r.path === '/v1/snapshot' || r.path === '/v1/watch')) return 403;
  if (caller === 'orgB' && ORG_SCOPED.test(r.path)) return 404;
  if (caller === 'orgB' && r.method === 'post' && r.path === '/v1/tokens') return 404; // token for org A
  if (caller === 'orgB' && r.path === '/v1/orgs' && r.method === 'post') return 403;
  return 'ok';
}

describe('authorization matrix (every route × every caller)', () => {
  for (const r of routeTable) {
    const key = `${r.method} ${r.path}`;
    test(key, async () => {
      if (r.body) assert.ok(key in BODIES, `no sample body for ${key}: add one to BODIES`);
      for (const caller of CALLERS) {
        // mutations get a fresh world per caller, so one caller's delete cannot change the next one's answer
        if (r.method === 'get' && shared === undefined) shared = await world();
        const w = r.method === 'get' && shared ? shared : await world();
        try {
          const path = pathOf(r, w);
          const token = w.tokens[caller];
          let status: number;
          let text: string;
          const made = BODIES[key];
          const sent: unknown = typeof made === 'function' ? made(w) : made;
          const cookie = caller.startsWith('cookie')
            ? w.sessions[caller === 'cookieB' ? 'B' : 'A']
            : undefined;
          if (cookie) {
            const headers: Record<string, string> = {
              cookie: cookie.cookie,
              'content-type': 'application/json',
            };
            if (caller !== 'cookieNoCsrf') headers['x-csrf-token'] = cookie.csrf;
            const body = sent === undefined ? {} : { body: JSON.stringify(sent) };
            const res = await w.t.raw(path, { method: r.method.toUpperCase(), headers, ...body });
            status = res.status;
            text = r.stream && status === 200 ? await firstChunk(res) : await res.text();
          } else if (r.stream) {
            const res = await w.t.raw(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
            status = res.status;
            if (status === 200) {
              const reader = res.body!.getReader();
              const { value } = await reader.read();
              text = new TextDecoder().decode(value);
              await reader.cancel();
            } else {
              text = await res.text();
            }
          } else {
            const res = await w.t.call(r.method.toUpperCase(), path, token, sent);
            status = res.status;
            text = JSON.stringify(res.json);
          }
          const want = expected(r, caller);
          if (want === 'ok')
            assert.ok(status >= 200 && status < 300, `${key} as ${caller}: ${status} ${text}`);
          else assert.equal(status, want, `${key} as ${caller}: ${text}`);
          if (
            caller === 'orgB' ||
            caller === 'cookieB' ||
            caller === 'none' ||
            caller === 'bad' ||
            caller === 'expired'
          ) {
            // a 404 may echo what the caller itself sent (path or body); anything else of org A is a leak
            for (const s of w.secretsOfA.filter(
              (x) => !path.includes(x) && !JSON.stringify(sent ?? '').includes(x),
            )) {
              if (key === 'get /v1/regions' || key === 'get /v1/hosts' || key === 'get /v1/gateways')
                continue;
              assert.ok(
                !text.includes(`"${s}"`) && !text.includes(`'${s}'`),
                `${key} as ${caller} leaked ${s}: ${text}`,
              );
            }
          }
        } finally {
          if (r.method !== 'get') await w.t.close();
        }
      }
    });
  }
});

describe('probes and Idempotency-Key across callers', () => {
  test('/healthz and /readyz need no token and tell nothing of the fleet', async () => {
    const w = await world();
    try {
      for (const p of ['/healthz', '/readyz']) {
        const res = await w.t.raw(p);
        assert.equal(res.status, 200, p);
        const text = await res.text();
        for (const s of w.secretsOfA) assert.ok(!text.includes(s), `${p} leaked ${s}`);
      }
    } finally {
      await w.t.close();
    }
  });

  for (const r of routeTable.filter((x) => x.method === 'post' && x.allow.includes('org'))) {
    const key = `${r.method} ${r.path}`;
    test(`${key}: org A's Idempotency-Key sent by any other caller replays nothing of A`, async () => {
      const w = await world();
      try {
        const send = (caller: Caller) =>
          w.t.raw(pathOf(r, w), {
            method: 'POST',
            headers: {
              authorization: `Bearer ${w.tokens[caller]}`,
              'content-type': 'application/json',
              'idempotency-key': 'the-same-key',
            },
            body: JSON.stringify(typeof BODIES[key] === 'function' ? BODIES[key](w) : BODIES[key]),
          });
        const first = await send('orgA');
        assert.ok(first.status < 300, `${key} as orgA: ${first.status}`);
        for (const caller of ['orgB', 'peerA', 'host', 'gateway', 'admin'] as const) {
          const res = await send(caller);
          assert.equal(res.headers.get('idempotent-replayed'), null, `${key} as ${caller} got A's answer`);
        }
      } finally {
        await w.t.close();
      }
    });
  }
});

let shared: World | undefined;

async function firstChunk(res: Response): Promise<string> {
  const reader = res.body!.getReader();
  const { value } = await reader.read();
  await reader.cancel();
  return new TextDecoder().decode(value);
}

/** The console's pages × callers: signed out → the sign-in page (401, 200 at /); org B's session → 404 on org A's pages. */
describe('authorization matrix (console pages × callers)', () => {
  for (const path of CONSOLE_PAGES) {
    test(path, async () => {
      shared ??= await world();
      const w = shared;
      const real = path.replace(':org', 'acme').replace(':network', 'extra');
      const cases: [string, Record<string, string>, number][] = [
        ['none', {}, path === '/' ? 200 : 401],
        [
          'bearer admin (the console takes only its cookie)',
          { authorization: `Bearer ${w.t.admin}` },
          path === '/' ? 200 : 401,
        ],
        ['cookieA', { cookie: w.sessions.A.cookie }, path === '/fleet' ? 404 : 200],
        ['cookieB', { cookie: w.sessions.B.cookie }, path === '/' ? 200 : 404],
        ['a forged cookie', { cookie: 'sixpn_session=forged' }, 401],
      ];
      for (const [who, headers, want] of cases) {
        const res = await w.t.raw(real, { headers });
        const text = await res.text();
        assert.equal(res.status, want, `${real} as ${who}`);
        if (who === 'cookieB' || who === 'none') {
          // the 404 page may echo the path the caller sent; anything else of org A is a leak
          for (const s of w.secretsOfA.filter((x) => !real.includes(x)))
            assert.ok(!text.includes(s), `${real} as ${who} leaked ${s}`);
        }
      }
    });
  }
});
