// The watch consumer against an in-process fake control plane: order, exactly-once across reconnects, heartbeats,
// resync on lost history, backoff, idle timeout, and clean shutdown.

import assert from 'node:assert/strict';
import { describe, test as it } from 'node:test';
import { SixpnError } from '../core/errors.ts';
import { ApiClient } from './api-client.ts';
import { FakeWatchServer, regionChange } from './test-support.ts';
import { parseLine, type WatchEvent, type WatchOptions } from './watch.ts';

interface Harness {
  server: FakeWatchServer;
  events: WatchEvent[];
  sleeps: number[];
  ctl: AbortController;
  gen: AsyncGenerator<WatchEvent>;
  /** Pulls events until `n` have been collected in total. */
  take: (n: number) => Promise<WatchEvent[]>;
}

function harness(
  since: number | undefined,
  opts: WatchOptions = {},
  setup?: (s: FakeWatchServer) => void,
): Harness {
  const server = new FakeWatchServer();
  setup?.(server);
  const client = new ApiClient({ baseUrl: 'http://cp.test', token: server.token, fetch: server.fetch });
  const sleeps: number[] = [];
  const ctl = new AbortController();
  const gen = client.watchChanges(since, ctl.signal, {
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 1,
    ...opts,
  });
  const events: WatchEvent[] = [];
  const take = async (n: number) => {
    while (events.length < n) {
      const r = await gen.next();
      if (r.done) break;
      events.push(r.value);
    }
    return events;
  };
  return { server, events, sleeps, ctl, gen, take };
}

const revs = (evs: WatchEvent[]): (number | string)[] =>
  evs.flatMap((e): (number | string)[] =>
    e.type === 'change' ? [e.change.rev] : e.type === 'snapshot' ? [`s${e.snapshot.revision}`] : [],
  );
const types = (evs: WatchEvent[]) => evs.map((e) => e.type);

describe('watchChanges', () => {
  const test = (name: string, fn: () => Promise<void>) => it(name, { timeout: 5000 }, fn);

  test('starts with a snapshot when since is undefined, then streams live changes in order', async () => {
    const h = harness(undefined, {}, (s) => {
      s.commit(regionChange(1));
      s.commit(regionChange(2));
    });
    const [first] = await h.take(1);
    assert.equal(first?.type, 'snapshot');
    assert.ok(first?.type === 'snapshot' && first.reason === 'initial');
    assert.deepEqual(
      first.snapshot.regions.map((r) => r.code),
      ['r1', 'r2'],
    );
    const next = h.take(3);
    await new Promise((r) => setImmediate(r));
    h.server.commit(regionChange(3));
    h.server.commit(regionChange(4));
    await next;
    assert.deepEqual(revs(h.events), ['s2', 3, 4]);
    assert.deepEqual(h.server.watchRequests, [2]);
    await h.gen.return(undefined);
  });

  test('resumes from the last revision after the server closes the stream: nothing missed, nothing twice', async () => {
    const h = harness(0, {}, (s) => {
      for (let r = 1; r <= 5; r++) s.commit(regionChange(r));
      s.next({ kind: 'close-after', lines: 2 });
      s.next({ kind: 'close-after', lines: 1 });
    });
    await h.take(7);
    assert.deepEqual(types(h.events), [
      'change',
      'change',
      'disconnected',
      'change',
      'disconnected',
      'change',
      'change',
    ]);
    assert.deepEqual(revs(h.events), [1, 2, 3, 4, 5]);
    assert.deepEqual(h.server.watchRequests, [0, 2, 3]);
    await h.gen.return(undefined);
  });

  test('drops changes the server repeats after a reconnect', async () => {
    const h = harness(0, {}, (s) => {
      for (let r = 1; r <= 3; r++) s.commit(regionChange(r));
      s.next({ kind: 'close-after', lines: 2 });
      s.replayAll = true;
    });
    await h.take(4);
    assert.deepEqual(revs(h.events), [1, 2, 3]);
    h.server.commit(regionChange(4));
    await h.take(5);
    assert.deepEqual(revs(h.events), [1, 2, 3, 4]);
    await h.gen.return(undefined);
  });

  test('a 503 and a refused connection reconnect with growing backoff, reported as disconnected', async () => {
    const h = harness(0, { minBackoffMs: 100, maxBackoffMs: 300 }, (s) => {
      s.commit(regionChange(1));
      s.next({ kind: 'status', status: 503 });
      s.next({ kind: 'refuse' });
      s.next({ kind: 'status', status: 502, body: '<html>bad gateway</html>' });
      s.next({ kind: 'status', status: 500 });
    });
    await h.take(5);
    const errs = h.events.flatMap((e) => (e.type === 'disconnected' ? [e.error] : []));
    assert.equal(errs.length, 4);
    assert.deepEqual(
      errs.map((e) => e.code),
      ['unavailable', 'unavailable', 'unavailable', 'unavailable'],
    );
    assert.match(
      String(errs[1]?.message),
      /cannot reach the control plane at http:\/\/cp\.test: connect ECONNREFUSED/,
    );
    assert.match(String(errs[2]?.message), /HTTP 502: <html>bad gateway<\/html>/);
    assert.deepEqual(h.sleeps, [100, 200, 300, 300]);
    assert.deepEqual(revs(h.events), [1]);
    // a delivered change resets the backoff
    h.server.next({ kind: 'status', status: 503 });
    h.server.closeAll();
    await h.take(7);
    const retries = h.events.flatMap((e) => (e.type === 'disconnected' ? [e.retryInMs] : []));
    assert.deepEqual(retries, [100, 200, 300, 300, 100, 200]);
    assert.match(
      String(h.events[5]?.type === 'disconnected' && h.events[5].error.message),
      /closed the watch stream/,
    );
    await h.gen.return(undefined);
  });

  test('a server that opens with a heartbeat and then drops still gets growing backoff', async () => {
    const h = harness(0, { minBackoffMs: 100, maxBackoffMs: 1000 }, (s) => {
      for (let i = 0; i < 3; i++) s.next({ kind: 'raw', lines: ['{"heartbeat":0}'] });
    });
    // each raw connection stays open after its line: close them as they come
    const events: string[] = [];
    for (let i = 0; i < 3; i++) {
      await h.take(h.events.length + 1); // the heartbeat
      h.server.closeAll();
      await h.take(h.events.length + 1); // the disconnect
    }
    for (const e of h.events) events.push(e.type === 'disconnected' ? `d${e.retryInMs}` : e.type);
    assert.deepEqual(events, ['heartbeat', 'd100', 'heartbeat', 'd200', 'heartbeat', 'd400']);
    await h.gen.return(undefined);
  });

  test('410 resync_required: refetches the snapshot and continues from its revision', async () => {
    const h = harness(1, {}, (s) => {
      for (let r = 1; r <= 4; r++) s.commit(regionChange(r));
      s.retainedFrom = 3;
    });
    await h.take(1);
    assert.ok(h.events[0]?.type === 'snapshot' && h.events[0].reason === 'resync');
    h.server.commit(regionChange(5));
    await h.take(2);
    assert.deepEqual(revs(h.events), ['s4', 5]);
    assert.deepEqual(h.server.watchRequests, [1, 4]);
    assert.equal(h.server.snapshotRequests, 1);
    await h.gen.return(undefined);
  });

  test('a since newer than the head (a reset control plane) resyncs too', async () => {
    const h = harness(99, {}, (s) => s.commit(regionChange(1)));
    await h.take(1);
    assert.deepEqual(revs(h.events), ['s1']);
    await h.gen.return(undefined);
  });

  test('an error line inside the stream: resync_required resyncs, other codes reconnect', async () => {
    const h = harness(0, {}, (s) => {
      s.commit(regionChange(1));
      s.next({
        kind: 'raw',
        lines: [JSON.stringify({ error: { code: 'internal', message: 'store failed' } })],
      });
      s.next({
        kind: 'raw',
        lines: [JSON.stringify({ error: { code: 'resync_required', message: 'too far behind' } })],
      });
    });
    await h.take(2);
    assert.deepEqual(types(h.events), ['disconnected', 'snapshot']);
    const d = h.events[0];
    assert.ok(
      d?.type === 'disconnected' && d.error.code === 'internal' && d.error.message === 'store failed',
    );
    h.server.commit(regionChange(2));
    await h.take(3);
    assert.deepEqual(revs(h.events), ['s1', 2]);
    assert.deepEqual(h.server.watchRequests, [0, 0, 1]);
    await h.gen.return(undefined);
  });

  test('heartbeats are yielded and advance the resume revision', async () => {
    const h = harness(0, {}, (s) => {
      s.commit(regionChange(1));
    });
    await h.take(1);
    h.server.heartbeat(7); // the server examined up to 7 and nothing was visible to us
    await h.take(2);
    assert.deepEqual(h.events[1], { type: 'heartbeat', revision: 7 });
    for (let r = 2; r <= 8; r++) h.server.log.push(regionChange(r));
    h.server.closeAll();
    await h.take(4);
    assert.deepEqual(h.server.watchRequests, [0, 7]);
    assert.deepEqual(revs(h.events), [1, 8]);
    await h.gen.return(undefined);
  });

  test('a malformed line reconnects from the last good revision', async () => {
    const h = harness(0, {}, (s) => {
      s.commit(regionChange(1));
      s.next({ kind: 'raw', lines: [JSON.stringify(regionChange(1)), '{"rev": "x"}'] });
    });
    await h.take(2);
    assert.deepEqual(types(h.events), ['change', 'disconnected']);
    const d = h.events[1];
    assert.ok(
      d?.type === 'disconnected' && d.error.code === 'internal' && /not a change/.test(d.error.message),
    );
    h.server.commit(regionChange(2));
    await h.take(3);
    assert.deepEqual(revs(h.events), [1, 2]);
    assert.deepEqual(h.server.watchRequests, [0, 1]);
    await h.gen.return(undefined);
  });

  test('an idle stream (no heartbeat) is dropped and reopened', async () => {
    const h = harness(0, { idleTimeoutMs: 30 }, (s) => {
      s.commit(regionChange(1));
      s.next({ kind: 'stall' });
    });
    await h.take(2);
    const d = h.events[0];
    assert.ok(d?.type === 'disconnected');
    assert.match(d.error.message, /no data on the watch stream for 0\.03s/);
    assert.equal(h.server.cancelled, 1, 'the stalled connection was closed');
    assert.deepEqual(revs(h.events), [1]);
    await h.gen.return(undefined);
  });

  test('a bad token throws unauthenticated instead of retrying', async () => {
    const server = new FakeWatchServer();
    const client = new ApiClient({ baseUrl: 'http://cp.test', token: 'wrong', fetch: server.fetch });
    const gen = client.watchChanges(0, new AbortController().signal);
    await assert.rejects(gen.next(), (e: unknown) => e instanceof SixpnError && e.code === 'unauthenticated');
    assert.equal(server.watchRequests.length, 0);
  });

  test('aborting the signal ends the iteration quietly and closes the stream', async () => {
    const h = harness(0, {}, (s) => s.commit(regionChange(1)));
    await h.take(1);
    assert.equal(h.server.openStreams, 1);
    const pending = h.gen.next();
    h.ctl.abort();
    assert.deepEqual(await pending, { done: true, value: undefined });
    assert.equal(h.server.openStreams, 0);
  });

  test('aborted while paused at a yield: the next pull ends without connecting', async () => {
    const h = harness(undefined, {}, (s) => s.commit(regionChange(1)));
    await h.take(1);
    h.ctl.abort();
    assert.deepEqual(await h.gen.next(), { done: true, value: undefined });
    assert.deepEqual(h.server.watchRequests, []);
  });

  test('breaking out of for-await closes the stream', async () => {
    const h = harness(0, {}, (s) => {
      for (let r = 1; r <= 3; r++) s.commit(regionChange(r));
    });
    const seen: number[] = [];
    for await (const ev of h.gen) {
      if (ev.type === 'change') seen.push(ev.change.rev);
      if (seen.length === 2) break;
    }
    assert.deepEqual(seen, [1, 2]);
    assert.equal(h.server.openStreams, 0);
  });
});

describe('parseLine', () => {
  const test = it;
  test('change, heartbeat', () => {
    assert.deepEqual(parseLine(JSON.stringify(regionChange(3))), { change: regionChange(3) });
    assert.deepEqual(parseLine('{"heartbeat":12}'), { heartbeat: 12 });
  });
  const bad: [string, string, RegExp][] = [
    ['not json', 'nope', /not JSON/],
    ['negative heartbeat', '{"heartbeat":-1}', /not a change/],
    ['unknown kind', JSON.stringify({ ...regionChange(1), kind: 'planet' }), /not a change/],
    ['object of the wrong shape', JSON.stringify({ ...regionChange(1), obj: { code: 1 } }), /not a change/],
    ['error line', '{"error":{"code":"permission_denied","message":"no"}}', /^SixpnError: no$/],
    ['error line with an unknown code', '{"error":{"code":"weird","message":"w"}}', /^SixpnError: w$/],
  ];
  for (const [name, line, msg] of bad) test(name, () => assert.throws(() => parseLine(line), msg));
  test('error lines keep the server code', () => {
    assert.throws(
      () => parseLine('{"error":{"code":"permission_denied","message":"no"}}'),
      (e: unknown) => e instanceof SixpnError && e.code === 'permission_denied',
    );
    assert.throws(
      () => parseLine('{"error":{"code":"weird","message":"w"}}'),
      (e: unknown) => e instanceof SixpnError && e.code === 'unavailable',
    );
  });
});
