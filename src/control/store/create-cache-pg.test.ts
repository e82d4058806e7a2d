// The creations' cache of a PostgreSQL store: what it keeps and when it forgets (pure), and on a real database
// that a creation from a stale entry still ends where a fresh read would put it.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pg from 'pg';
import { forEachBackend } from '../../../test/support/postgres.ts';
import type { Change, Host } from '../../core/model.ts';
import { CreateReadCache } from './create-cache-pg.ts';
import type { CreateAsk, CreateRead } from './create-read-pg.ts';
import { createInstance } from './instances.ts';
import { deterministic, seedFleet } from './test-fixtures.ts';
import { pgTestContext } from './test-pg-context.ts';

const ask: CreateAsk = { org: 'acme', app: 'web', region: 'ord', id: '00000001', host: null, key: 'k' };
const host = { id: 'h_1', name: 'ord-1' } as Host;
const app = { id: 'a_1', org_id: 'o_1', network_id: 'n_1' } as CreateRead['app'];
const read: CreateRead = { app, region: true, taken: true, pinned: null, hosts: [host], kept: null };
const change = (rev: number, kind: Change['kind']) => ({ rev, kind }) as Change;

describe('CreateReadCache', () => {
  test('keeps a complete read; answers it with the id counted free and the key empty (the write checks both)', () => {
    const c = new CreateReadCache();
    c.fill(ask, read, c.generation);
    assert.deepEqual(c.get({ ...ask, id: '00000002', key: null }), { ...read, taken: false, kept: null });
    assert.equal(c.get({ ...ask, region: 'ams' }), undefined);
    assert.equal(c.get({ ...ask, host: 'ord-1' }), undefined, 'a pin is another entry');
  });

  test('keeps no miss: no app, no region, no hosts, no pinned host', () => {
    const c = new CreateReadCache();
    c.fill(ask, { ...read, app: null }, c.generation);
    c.fill({ ...ask, region: 'a' }, { ...read, region: false }, c.generation);
    c.fill({ ...ask, region: 'b' }, { ...read, hosts: [] }, c.generation);
    c.fill({ ...ask, host: 'x' }, read, c.generation);
    for (const a of [ask, { ...ask, region: 'a' }, { ...ask, region: 'b' }, { ...ask, host: 'x' }])
      assert.equal(c.get(a), undefined);
  });

  test('instance-only commits of its store and their NOTIFY keep it; anything else forgets it', () => {
    const c = new CreateReadCache();
    c.fill(ask, read, c.generation);
    c.committed(7, [change(6, 'instance'), change(7, 'instance')]);
    c.heard(7);
    assert.ok(c.get(ask), 'its own commit, and the NOTIFY of it');
    c.heard(8);
    assert.equal(c.get(ask), undefined, "another replica's commit");
    c.fill(ask, read, c.generation);
    c.committed(9, [change(9, 'host')]);
    assert.equal(c.get(ask), undefined, 'a commit of a host');
    c.fill(ask, read, c.generation);
    c.committed(10, undefined);
    assert.equal(c.get(ask), undefined, 'a commit whose changes are not known');
    c.fill(ask, read, c.generation);
    c.heard(9);
    assert.equal(c.get(ask), undefined, 'the NOTIFY of a commit that was not instance-only');
  });

  test('a read that started before the cache forgot fills nothing', () => {
    const c = new CreateReadCache();
    const gen = c.generation;
    c.clear();
    c.fill(ask, read, gen);
    assert.equal(c.get(ask), undefined);
  });
});

const web = { org: 'acme', app: 'web', region: 'ord' };
const cachedAsk: CreateAsk = { ...web, id: '', host: null, key: null };

/** Runs `text` on `url` outside any store: a change that no store hears (no NOTIFY). */
async function unheard(url: string, text: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(text);
  await c.end();
}

forEachBackend(
  'store creations from the cache',
  (b) => {
    test('a host added unheard after the cache filled: the creation that belongs there goes there', async () => {
      const { url, groups, ctx } = await pgTestContext(b);
      assert.equal((await createInstance(ctx, web)).host, 'ord-1'); // fills the cache: hosts ord-1, ord-2
      await unheard(
        url,
        `insert into hosts (id, name, region, role, num, created_at) values ('h_new', 'ord-0', 'ord', 'host', 99, 'x')`,
      );
      assert.deepEqual(groups.cache.get(cachedAsk)?.hosts.length, 2, 'the cache still holds two hosts');
      const next = await createInstance(ctx, web);
      assert.deepEqual(
        [next.host, next.host_num],
        ['ord-0', 99],
        'placement failed, and the retry read afresh',
      );
      assert.deepEqual(groups.cache.get(cachedAsk)?.hosts.length, 3, 'and filled the cache again');
    });

    test('an app replaced under its name, unheard: creations make instances of the new app', async () => {
      const { url, groups, ctx } = await pgTestContext(b);
      assert.notEqual((await createInstance(ctx, web)).address, null); // web has private networking
      await unheard(
        url,
        `delete from instances; update apps set name = 'old' where name = 'web';
         insert into apps (id, org_id, network_id, name, private_network, checks, created_at)
           select 'a_new', org_id, network_id, 'web', 0, '[]', 'x' from apps where name = 'old';
         delete from apps where name = 'old'`,
      );
      assert.equal(groups.cache.get(cachedAsk)?.app?.private_network, 1, 'the cache still holds the old app');
      const next = await createInstance(ctx, web);
      assert.equal(next.address, null, 'the foreign key failed, and the retry read the new app');
    });

    test("another replica's commits reach the cache: a host it adds is used at once", async () => {
      const url = await b.freshUrl();
      const one = await b.openAt(url, deterministic());
      const two = await b.openAt(url, deterministic(2));
      await seedFleet(one);
      await one.createInstance(web);
      await one.createInstance(web);
      await two.createHost({ name: 'ord-0', region: 'ord', role: 'host' });
      assert.equal((await one.createInstance(web)).host, 'ord-0');
    });
  },
  ['postgres'],
);
