// Several control-plane URLs: which failures move a request on to the next replica, stickiness, the error when
// all fail, and a watch stream that resumes on the other replica when its own goes away.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SixpnError } from '../core/errors.ts';
import { ApiClient } from './api-client.ts';
import { type AttemptFailure, mayTryNext, parseBaseUrls, transportCodeOf } from './endpoints.ts';
import type { FetchLike } from './http.ts';
import { FakeWatchServer, regionChange } from './test-support.ts';
import type { WatchEvent } from './watch.ts';

const refused = () =>
  new TypeError('fetch failed', {
    cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
  });
const reset = () =>
  new TypeError('fetch failed', {
    cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
  });
const region = { code: 'ord', name: 'Chicago', lat: 41.9, lon: -87.6, created_at: '2026-01-01T00:00:00Z' };

describe('parseBaseUrls', () => {
  const cases: [string | string[], string[]][] = [
    ['http://a:1', ['http://a:1']],
    ['http://a:1/', ['http://a:1']],
    ['http://a:1, http://b:2/ ,', ['http://a:1', 'http://b:2']],
    [
      ['http://a:1', 'unix:/run/x.sock'],
      ['http://a:1', 'unix:/run/x.sock'],
    ],
  ];
  for (const [input, want] of cases) {
    test(JSON.stringify(input), () => assert.deepEqual(parseBaseUrls(input), want));
  }
  test('an empty list is refused', () => assert.throws(() => parseBaseUrls(' , '), /no control-plane URL/));
});

describe('mayTryNext', () => {
  const cases: [string, AttemptFailure, boolean][] = [
    ['GET', { transport: 'ECONNREFUSED' }, true],
    ['GET', { transport: 'ECONNRESET' }, true],
    ['GET', { transport: undefined }, true], // a timeout
    ['GET', { status: 503 }, true],
    ['GET', { status: 500 }, true],
    ['GET', { status: 507 }, false], // address space exhausted: the same everywhere
    ['GET', { status: 404 }, false],
    ['PUT', { status: 502 }, true],
    ['DELETE', { transport: 'ECONNRESET' }, true],
    ['POST', { transport: 'ECONNREFUSED' }, true], // never sent
    ['POST', { transport: 'ENOENT' }, true],
    ['POST', { transport: 'ECONNRESET' }, false], // may have committed on the first replica
    ['POST', { transport: undefined }, false],
    ['POST', { status: 503 }, false],
  ];
  for (const [method, failure, want] of cases) {
    test(`${method} ${JSON.stringify(failure)} → ${want}`, () =>
      assert.equal(mayTryNext(method, failure), want));
  }
  // with an Idempotency-Key the server answers a repeat once: a POST goes on like a PUT
  const keyed: [AttemptFailure, boolean][] = [
    [{ transport: 'ECONNRESET' }, true],
    [{ transport: undefined }, true], // a timeout (a frozen replica)
    [{ status: 503 }, true],
    [{ status: 409 }, false],
  ];
  for (const [failure, want] of keyed) {
    test(`POST with Idempotency-Key ${JSON.stringify(failure)} → ${want}`, () =>
      assert.equal(mayTryNext('POST', failure, true), want));
  }
  test('transportCodeOf reads undici causes and node:http errors', () => {
    assert.equal(transportCodeOf(refused()), 'ECONNREFUSED');
    assert.equal(transportCodeOf(Object.assign(new Error('x'), { code: 'ENOENT' })), 'ENOENT');
    assert.equal(transportCodeOf(new Error('x')), undefined);
  });
});

type Behaviour = 'ok' | 'refuse' | 'reset' | 503;

/** A client over `a.test` and `b.test`, each answering as `state` says; `hits` lists the hosts asked. */
function twoReplicas(state: Record<'a' | 'b', Behaviour>) {
  const hits: string[] = [];
  const keys: (string | null)[] = [];
  const fetch: FetchLike = async (input, init) => {
    const host = new URL(input).hostname.slice(0, 1) as 'a' | 'b';
    hits.push(host);
    keys.push(new Headers(init?.headers).get('idempotency-key'));
    const b = state[host];
    if (b === 'refuse') throw refused();
    if (b === 'reset') throw reset();
    if (b === 503) {
      return Response.json(
        { error: { code: 'unavailable', message: `replica ${host}: the database is unreachable` } },
        { status: 503 },
      );
    }
    return Response.json(region, { status: 200 });
  };
  const client = new ApiClient({ baseUrl: 'http://a.test,http://b.test', token: 't', fetch });
  return { client, hits, keys };
}

describe('ApiClient with several URLs', () => {
  test('a refused replica is skipped and the client stays with the one that answered', async () => {
    const { client, hits } = twoReplicas({ a: 'refuse', b: 'ok' });
    assert.equal((await client.getRegion('ord')).code, 'ord');
    assert.equal((await client.getRegion('ord')).code, 'ord');
    assert.deepEqual(hits, ['a', 'b', 'b']);
    assert.equal(client.baseUrl, 'http://b.test');
  });

  test('a GET answered 503 goes on to the next replica', async () => {
    const { client, hits } = twoReplicas({ a: 503, b: 'ok' });
    assert.equal((await client.getRegion('ord')).code, 'ord');
    assert.deepEqual(hits, ['a', 'b']);
  });

  test('a POST whose connection broke goes to the next replica with the same Idempotency-Key', async () => {
    const { client, hits, keys } = twoReplicas({ a: 'reset', b: 'ok' });
    await client.createRegion({ code: 'ord', name: 'Chicago', lat: 41.9, lon: -87.6 });
    assert.deepEqual(hits, ['a', 'b']);
    assert.match(keys[0] ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(keys[1], keys[0], 'both tries carry one key: the server makes one region');
    await client.createRegion({ code: 'ams', name: 'Amsterdam', lat: 52.4, lon: 4.9 });
    assert.notEqual(keys[2], keys[0], 'a new create gets a new key');
  });

  test('a POST broken on every replica: the error says the change may have been applied', async () => {
    const { client, hits } = twoReplicas({ a: 'reset', b: 'reset' });
    await assert.rejects(
      client.createRegion({ code: 'ord', name: 'Chicago', lat: 41.9, lon: -87.6 }),
      (e) => e instanceof SixpnError && e.code === 'unavailable' && /a\.test.*b\.test/.test(e.message),
    );
    assert.deepEqual(hits, ['a', 'b']);
  });

  test('a POST to a refused replica goes to the next one', async () => {
    const { client, hits } = twoReplicas({ a: 'refuse', b: 'ok' });
    await client.createRegion({ code: 'ord', name: 'Chicago', lat: 41.9, lon: -87.6 });
    assert.deepEqual(hits, ['a', 'b']);
  });

  test('every replica down: one unavailable error naming each URL and why', async () => {
    const { client, hits } = twoReplicas({ a: 'refuse', b: 'refuse' });
    await assert.rejects(client.getRegion('ord'), (e) => {
      assert.ok(e instanceof SixpnError);
      assert.equal(e.code, 'unavailable');
      assert.match(e.message, /no control plane of http:\/\/a\.test, http:\/\/b\.test answered/);
      assert.match(e.message, /a\.test: connect ECONNREFUSED.*b\.test: connect ECONNREFUSED/);
      return true;
    });
    assert.deepEqual(hits, ['a', 'b']);
  });

  test('every replica failing, one with an answer: the server error is what the caller sees', async () => {
    const { client } = twoReplicas({ a: 'refuse', b: 503 });
    await assert.rejects(client.getRegion('ord'), /replica b: the database is unreachable/);
  });

  test('one URL: the error is the same as before lists existed', async () => {
    const fetch: FetchLike = async () => {
      throw refused();
    };
    const client = new ApiClient({ baseUrl: 'http://a.test', token: 't', fetch });
    await assert.rejects(
      client.getRegion('ord'),
      /^SixpnError: cannot reach the control plane at http:\/\/a\.test/,
    );
  });
});

describe('watchChanges with several URLs', () => {
  test('a replica that goes away: the stream resumes on the other from the last revision, nothing twice or lost', {
    timeout: 5000,
  }, async () => {
    // Two fakes holding the same log, as two replicas on one database do.
    const a = new FakeWatchServer();
    const b = new FakeWatchServer();
    const commit = (rev: number) => {
      a.commit(regionChange(rev));
      b.commit(regionChange(rev));
    };
    let aDown = false;
    const fetch: FetchLike = async (input, init) => {
      if (new URL(input).hostname === 'a.test') {
        if (aDown) throw refused();
        return a.fetch(input, init);
      }
      return b.fetch(input, init);
    };
    for (let rev = 1; rev <= 3; rev++) commit(rev);
    const client = new ApiClient({ baseUrl: ['http://a.test', 'http://b.test'], token: a.token, fetch });
    const ctl = new AbortController();
    const gen = client.watchChanges(2, ctl.signal, { sleep: async () => {}, random: () => 1 });
    const got: number[] = [];
    const events: WatchEvent[] = [];
    const until = async (rev: number) => {
      while (got.at(-1) !== rev) {
        const r = await gen.next();
        assert.ok(!r.done);
        events.push(r.value);
        if (r.value.type === 'change') got.push(r.value.change.rev);
      }
    };
    await until(3);
    assert.deepEqual(a.watchRequests, [2]);
    commit(4);
    await until(4);
    aDown = true;
    a.closeAll(); // the replica dies: its stream ends
    commit(5);
    commit(6);
    await until(6);
    assert.deepEqual(got, [3, 4, 5, 6]);
    assert.deepEqual(b.watchRequests, [4]);
    assert.equal(client.baseUrl, 'http://b.test');
    assert.equal(events.filter((e) => e.type === 'disconnected').length, 1);
    ctl.abort();
    await gen.return(undefined);
  });
});
