// The group commit of instance creations on PostgreSQL (`sixpn_create_instances`, migration 0012): creations
// prepared one by one and written as one group place, number and key exactly as one at a time would, and one
// item's race or error is its own.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { type Backend, forEachBackend } from '../../../test/support/postgres.ts';
import type { Change, Instance } from '../../core/model.ts';
import { changesOf, type PgCreation } from './create-batch-pg.ts';
import { type PreparedCreation, prepareCreation } from './instances-pg.ts';
import type { CreateInstance, KeyedWrite, Store } from './store.ts';
import { deterministic, seedFleet } from './test-fixtures.ts';
import { pgTestContext } from './test-pg-context.ts';

const keyed = (key: string, request = 'r'): KeyedWrite => ({
  key,
  request,
  expiredBefore: new Date('2000-01-01T00:00:00Z'),
  status: 201,
  contentType: 'application/json',
});
const web: CreateInstance = { org: 'acme', app: 'web', region: 'ord' };
const batch: CreateInstance = { org: 'acme', app: 'batch', region: 'ord' };

/** A seeded store, the creation path beside it (test-pg-context.ts), and how tests prepare and write a group. */
async function setup(b: Backend) {
  const { url, store, heads, groups, ctx } = await pgTestContext(b);
  const prep = async (i: CreateInstance, k?: KeyedWrite): Promise<PreparedCreation> => {
    const p = await prepareCreation(ctx, i, 'started', k);
    assert.ok(!('claim' in p), 'nothing kept under the key yet');
    return p;
  };
  /** Writes the prepared creations as one group (submitted in one turn); each one's outcome or error. */
  const write = (ps: PreparedCreation[]) => Promise.allSettled(ps.map((p) => groups.write.submit(p)));
  return { url, store, heads, prep, write, ctx };
}

const value = <T>(r: PromiseSettledResult<T>): T =>
  r.status === 'fulfilled' ? r.value : assert.fail(String(r.reason));

/** The instance a `made` outcome says was written. */
const madeOf = (
  p: PreparedCreation,
  r: PromiseSettledResult<{ outcome: string; pick?: number }>,
): Instance => {
  const out = value(r);
  assert.equal(out.outcome, 'made');
  return p.made[(out.pick ?? 0) - 1]!;
};

test('changesOf: the made items in revision order, each with the instance of its picked candidate', () => {
  const inst = (id: string, host: string) => ({ id, host }) as Instance;
  const w = (id: string, hosts: string[]) => ({
    item: { id, org: 'acme' } as PgCreation,
    made: hosts.map((h) => inst(id, h)),
  });
  const writes = [w('a', ['h1', 'h2']), w('b', ['h1', 'h2', 'h3']), w('c', ['h1'])];
  const changes = changesOf(writes, [
    { outcome: 'made', rev: 12, pick: 2 },
    { outcome: 'made', rev: 11, pick: 3 },
    { outcome: 'key_taken' },
  ]);
  assert.deepEqual(
    changes.map((c) => [c.rev, c.op, c.kind, c.id, c.org, (c.obj as Instance).host]),
    [
      [11, 'put', 'instance', 'b', 'acme', 'h3'],
      [12, 'put', 'instance', 'a', 'acme', 'h2'],
    ],
  );
  assert.equal(
    changes[0]!.obj,
    writes[1]!.made[2],
    'the made object itself: the answer and the change agree',
  );
});

forEachBackend(
  'store group commit of creations',
  (b) => {
    test('a mixed group: keyed, unkeyed and pinned items, a repeat of a key in the same group', async () => {
      const { store, heads, prep, write } = await setup(b);
      const head = await store.headRevision();
      const ps = [
        await prep(web),
        await prep(web, keyed('k1')),
        await prep({ ...batch, host: 'ord-1' }, keyed('k2')),
        await prep(batch),
        await prep(web, keyed('k1')), // read before the first k1 committed: it finds the key under the lock
      ];
      const out = await write(ps);
      assert.deepEqual(
        out.map((r) => value(r).outcome),
        ['made', 'made', 'made', 'made', 'key_taken'],
      );
      const made = ps.slice(0, 4).map((p, i) => madeOf(p, out[i]!));
      assert.deepEqual(
        made.map((i) => i.host),
        ['ord-1', 'ord-2', 'ord-1', 'ord-2'],
        'each placement counts the items placed before it in the group',
      );
      assert.deepEqual(
        out.slice(0, 4).map((r) => (value(r) as { rev: number }).rev),
        [head + 1, head + 2, head + 3, head + 4],
      );
      assert.deepEqual(heads, [head + 4], 'one call, one head');
      const { changes } = await store.changesSince(head, 10);
      assert.deepEqual(
        changes.map((c) => [c.rev, c.op, c.obj]),
        made.map((m, i) => [head + 1 + i, 'put', m]),
        'one change per instance, in the group’s order',
      );
      assert.deepEqual(await store.createInstanceKeyed(web, keyed('k1')), {
        claim: { state: 'done', status: 201, body: JSON.stringify(made[1]), contentType: 'application/json' },
      });
      assert.equal((await store.listInstances()).length, 4);
    });

    test('reads made in one group answer each creation its own: app, region, pin, key, a missing app', async () => {
      const { store, prep, ctx } = await setup(b);
      const first = await store.createInstanceKeyed(web, keyed('k9'));
      assert.ok('made' in first);
      const [a, p, m, missing, held] = await Promise.allSettled([
        prep(web),
        prep({ ...batch, host: 'ord-2' }),
        prep({ ...web, region: 'ams' }),
        prepareCreation(ctx, { ...web, app: 'nope' }, 'started'),
        prepareCreation(ctx, web, 'started', keyed('k9')),
      ]);
      assert.deepEqual(
        value(a).made.map((i) => [i.app, i.host]),
        [
          ['web', 'ord-1'],
          ['web', 'ord-2'],
        ],
        'every host of the region is a candidate',
      );
      assert.deepEqual(
        value(p).made.map((i) => [i.app, i.host, i.address]),
        [['batch', 'ord-2', null]],
      );
      assert.deepEqual(
        value(m).made.map((i) => [i.region, i.host]),
        [['ams', 'ams-1']],
      );
      assert.equal(missing.status, 'rejected');
      assert.match(String((missing as PromiseRejectedResult).reason), /app 'acme\/nope'/);
      assert.deepEqual(value(held), {
        claim: {
          state: 'done',
          status: 201,
          body: JSON.stringify(first.made),
          contentType: 'application/json',
        },
      });
    });

    test('the changes a group hands to onCommit are the ones changesSince reads back', async () => {
      const s = await b.open(deterministic());
      await seedFleet(s);
      const handed: [number, readonly Change[]][] = [];
      s.onCommit((head, changes) => {
        if (changes) handed.push([head, changes]);
      });
      await Promise.all(Array.from({ length: 20 }, (_, i) => s.createInstance(i % 3 ? web : batch)));
      assert.equal(
        handed.reduce((n, [, changes]) => n + changes.length, 0),
        20,
        'every creation was told with its change, before the NOTIFY of its commit',
      );
      for (const [head, changes] of handed) {
        assert.equal(changes.at(-1)?.rev, head);
        const read = await s.changesSince(changes[0]!.rev - 1, changes.length);
        assert.deepEqual(changes, read.changes);
      }
    });

    test('placement across a group is the placement of the same creations one at a time', async () => {
      const plan: CreateInstance[] = [
        web,
        web,
        { ...web, host: 'ord-2' },
        batch,
        web,
        { ...batch, host: 'ord-2' },
      ];
      for (let i = 0; i < 6; i++) plan.push(i % 2 ? batch : web);
      const one = await b.open(deterministic());
      await seedFleet(one);
      const sequential: string[] = [];
      for (const c of plan) sequential.push((await one.createInstance(c)).host);
      const { prep, write } = await setup(b);
      const ps = [];
      for (const c of plan) ps.push(await prep(c));
      const out = await write(ps);
      assert.deepEqual(
        ps.map((p, i) => madeOf(p, out[i]!).host),
        sequential,
      );
    });

    test('a key taken by an earlier commit fails only its own item; the others take the next revisions', async () => {
      const { store, heads, prep, write } = await setup(b);
      const f = await prep(web, keyed('k3'));
      const g = await prep(web);
      const first = await store.createInstanceKeyed(web, keyed('k3'));
      assert.ok('made' in first);
      const head = await store.headRevision();
      const out = await write([f, g]);
      assert.deepEqual(value(out[0]!), { outcome: 'key_taken' });
      assert.deepEqual(value(out[1]!), { outcome: 'made', rev: head + 1, pick: 2 });
      assert.deepEqual(heads, [head + 1]);
      assert.equal(await store.headRevision(), head + 1, 'no revision used by the item that made nothing');
    });

    test('a host added between the read and the write: that item is told, the others are made', async () => {
      const { store, prep, write } = await setup(b);
      await store.createInstance({ ...web, host: 'ord-1' });
      await store.createInstance({ ...web, host: 'ord-2' });
      const h = await prep(web); // candidates ord-1 and ord-2
      const pinned = await prep({ ...web, host: 'ord-1' });
      await store.createHost({ name: 'ord-3', region: 'ord', role: 'host' }); // empty: the least loaded
      const out = await write([h, pinned]);
      assert.deepEqual(value(out[0]!), { outcome: 'placement_changed' });
      assert.equal(madeOf(pinned, out[1]!).host, 'ord-1');
      assert.equal((await store.createInstance(web)).host, 'ord-3', 'the store reads again and places there');
    });

    test('an item whose app was deleted fails alone with its foreign key; the rest of its group is made', async () => {
      const { store, prep, write } = await setup(b);
      const j = await prep(batch);
      const k = await prep(web);
      await store.deleteApp('acme', 'batch');
      const head = await store.headRevision();
      const out = await write([j, k]);
      assert.equal(out[0]!.status, 'rejected');
      assert.equal((out[0] as PromiseRejectedResult).reason.code, '23503');
      assert.deepEqual(value(out[1]!), { outcome: 'made', rev: head + 1, pick: 1 });
    });
  },
  ['postgres'],
);

/** Undoes migration 0012 (drops its function, forgets its row), so that the next open runs it again. */
async function forgetGroupFunction(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(`drop function sixpn_create_instances;
    delete from sixpn_migration where name = '0012_create_instances_batch'`);
  await c.end();
}

async function functionsOf(url: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const { rows } = await c.query<{ proname: string }>(
    `select proname from pg_proc where proname like 'sixpn_create_instance%' order by proname`,
  );
  await c.end();
  return rows.map((r) => r.proname);
}

forEachBackend(
  'store group commit migration',
  (b) => {
    test('migration 0012 on a database with instances: creations go on, counting them; older functions stay', async () => {
      const url = await b.freshUrl();
      const s: Store = await b.openAt(url, deterministic());
      await seedFleet(s);
      for (let i = 0; i < 3; i++) await s.createInstance({ ...web, host: 'ord-1' });
      await s.close();
      await forgetGroupFunction(url);
      const again = await b.openAt(url, deterministic(2));
      const hosts = [];
      for (let i = 0; i < 4; i++) hosts.push((await again.createInstance(web)).host);
      assert.deepEqual(hosts, ['ord-2', 'ord-2', 'ord-2', 'ord-1']);
      assert.deepEqual(await functionsOf(url), [
        'sixpn_create_instance',
        'sixpn_create_instance_keyed',
        'sixpn_create_instances',
      ]);
    });
  },
  ['postgres'],
);
