// Store suite, part 5: concurrency. Writers are serialized by the revision row, so 50 concurrent creations
// get distinct numbers and addresses, revisions without gaps, and a watcher polling meanwhile misses nothing.
// Two stores (replicas) on one database migrate at once, and on PostgreSQL see each other's commits.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { forEachBackend } from '../../../test/support/postgres.ts';
import type { Change } from '../../core/model.ts';
import { seededRandom } from '../../core/seeded-random.ts';
import type { Store } from './store.ts';
import { allChangesSince, seedFleet, steppingClock } from './test-fixtures.ts';

/** Polls `changesSince` until `done()` and the log is drained; returns every entry it saw. */
async function watch(store: Store, done: () => boolean): Promise<Change[]> {
  const seen: Change[] = [];
  let cursor = 0;
  for (;;) {
    const finished = done();
    const { changes } = await store.changesSince(cursor, 7);
    seen.push(...changes);
    cursor = changes.at(-1)?.rev ?? cursor;
    if (finished && changes.length === 0) return seen;
    await new Promise((r) => setImmediate(r));
  }
}

const run = promisify(execFile);

const consecutive = (revs: number[]) => revs.every((r, i) => i === 0 || r === (revs[i - 1] ?? 0) + 1);

forEachBackend('store concurrency', (b) => {
  const opts = () => ({
    random: seededRandom(Math.floor(Math.random() * 1e9)),
    now: steppingClock(),
    poolSize: 8,
  });

  test('50 concurrent createInstance: distinct ids and addresses, even placement, gap-free revisions', async () => {
    const url = await b.freshUrl();
    const one = await b.openAt(url, opts());
    // Two replicas writing at once where the backend has replicas (PostgreSQL).
    const two = b.replicas ? await b.openAt(url, opts()) : one;
    await seedFleet(one);
    const head = await one.headRevision();
    let writing = true;
    const watcher = watch(one, () => !writing);
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        (i % 2 ? two : one).createInstance({ org: 'acme', app: 'web', region: 'ord' }),
      ),
    );
    writing = false;
    const seen = await watcher;
    const created = results.map((r) => (r.status === 'fulfilled' ? r.value : assert.fail(String(r.reason))));
    assert.equal(new Set(created.map((i) => i.id)).size, 50);
    assert.equal(new Set(created.map((i) => i.address)).size, 50);
    const perHost = created.reduce(
      (m, i) => m.set(i.host, (m.get(i.host) ?? 0) + 1),
      new Map<string, number>(),
    );
    assert.deepEqual(
      Object.fromEntries(perHost),
      { 'ord-1': 25, 'ord-2': 25 },
      'each placement saw the one before',
    );
    const log = await allChangesSince(one, head);
    assert.deepEqual(
      log.map((c) => c.rev),
      Array.from({ length: 50 }, (_, i) => head + 1 + i),
    );
    assert.deepEqual(log.map((c) => c.id).sort(), created.map((i) => i.id).sort());
    assert.deepEqual(
      seen.map((c) => c.rev),
      Array.from({ length: head + 50 }, (_, i) => i + 1),
      'a watcher polling during the writes saw every revision exactly once, in order',
    );
  });

  test('50 concurrent createNetwork and createOrg: distinct numbers, consecutive revisions per transaction', async () => {
    const s = await b.open(opts());
    await s.createOrg('acme');
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 50; i++) calls.push(s.createNetwork('acme', `net-${i}`));
    for (let i = 0; i < 10; i++) calls.push(s.createOrg(`org-${i}`));
    await Promise.all(calls);
    const nets = await s.listNetworks();
    assert.equal(nets.length, 1 + 50 + 10);
    assert.deepEqual(
      nets.map((n) => n.num).sort((x, y) => x - y),
      Array.from({ length: 61 }, (_, i) => i + 1),
    );
    assert.equal(new Set(nets.map((n) => n.prefix)).size, 61);
    const log = await allChangesSince(s, 0);
    assert.ok(consecutive(log.map((c) => c.rev)));
    assert.equal(log.length, await s.headRevision());
    for (let i = 0; i < 10; i++) {
      const org = log.findIndex((c) => c.kind === 'org' && c.org === `org-${i}`);
      const net = log[org + 1];
      assert.equal(net?.kind, 'network', 'an org and its default network commit together');
      assert.equal(net?.org, `org-${i}`);
    }
  });
});

const opts = () => ({
  random: seededRandom(Math.floor(Math.random() * 1e9)),
  now: steppingClock(),
  poolSize: 8,
});

// A database that outlives its store: a SQLite file (one process each) or PostgreSQL (replicas).
forEachBackend(
  'store startup',
  (b) => {
    test('stores opened at once on one empty database both migrate', async () => {
      const url = await b.freshUrl();
      const names = ['org-0', 'org-1', 'org-2'];
      let heads: number[];
      if (b.replicas) {
        const stores = await Promise.all(names.map(() => b.openAt(url, opts())));
        await Promise.all(stores.map((s, i) => s.createOrg(names[i] ?? '')));
        heads = await Promise.all(stores.map((s) => s.headRevision()));
      } else {
        // One SQLite file per process: start three processes on the file at once, as three servers would.
        const child = fileURLToPath(new URL('./test-open-child.ts', import.meta.url));
        const outs = await Promise.all(
          names.map((n) => run(process.execPath, ['--import', 'tsx', child, url, n])),
        );
        assert.deepEqual(
          outs.map((o) => Number(o.stdout)).sort(),
          [1, 3, 5],
          'each org committed with its network',
        );
        heads = [6];
      }
      assert.deepEqual(new Set(heads), new Set([6]));
      const again = await b.openAt(url, opts());
      assert.deepEqual(
        (await again.listOrgs()).map((o) => o.name),
        names,
        'reopening keeps the data and migrates nothing',
      );
    });
  },
  ['sqlite-file', 'postgres'],
);

// Only PostgreSQL is shared by several control-plane replicas.
forEachBackend(
  'store replicas',
  (b) => {
    test('onCommit fires for commits of another store on the same database (LISTEN/NOTIFY)', async () => {
      const url = await b.freshUrl();
      const writer = await b.openAt(url, opts());
      const reader = await b.openAt(url, opts());
      const heads: number[] = [];
      let wake: () => void = () => {};
      reader.onCommit((h) => {
        heads.push(h);
        if (h >= 4) wake();
      });
      const reached = new Promise<void>((resolve, reject) => {
        wake = resolve;
        setTimeout(
          () => reject(new Error(`no notification for head 4 within 5 s; got ${heads}`)),
          5000,
        ).unref();
      });
      await writer.createOrg('acme');
      await writer.createNetwork('acme', 'two');
      await writer.createNetwork('acme', 'three');
      await reached;
      assert.deepEqual(heads, [2, 3, 4]);
      const { changes } = await reader.changesSince(0, 10);
      assert.equal(changes.length, 4);
    });
  },
  ['postgres'],
);
