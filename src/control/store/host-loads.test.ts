// host_loads (migration 0011): placement by the kept instance counts follows every way instances go, and the
// migration counts the instances a database already holds.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { forEachBackend } from '../../../test/support/postgres.ts';
import { parseStoreUrl } from './open.ts';
import type { Store } from './store.ts';
import { deterministic, seedFleet } from './test-fixtures.ts';

const place = async (s: Store, n: number) => {
  const hosts = [];
  for (let i = 0; i < n; i++)
    hosts.push((await s.createInstance({ org: 'acme', app: 'batch', region: 'ord' })).host);
  return hosts;
};

/** Undoes migration 0011 (its table, triggers and row) and those after it, so that the next open runs them again. */
async function forgetHostLoads(url: string): Promise<void> {
  const target = parseStoreUrl(url);
  if (target.dialect === 'sqlite') {
    const db = new Sqlite(target.path);
    for (const t of ['hosts_load', 'instances_load_insert', 'instances_load_delete', 'instances_load_move'])
      db.exec(`drop trigger ${t}`);
    db.exec(`drop table host_loads; delete from sixpn_migration where name >= '0011'`);
    db.close();
    return;
  }
  const c = new pg.Client({ connectionString: target.url });
  await c.connect();
  await c.query(`drop function sixpn_host_added cascade; drop function sixpn_host_load cascade;
    drop function sixpn_create_instances; drop table host_loads; delete from sixpn_migration where name >= '0011'`);
  await c.end();
}

forEachBackend(
  'store host loads',
  (b) => {
    test('placement counts instances deleted one by one and with their app', async () => {
      const s = await b.open(deterministic());
      await seedFleet(s);
      const web = [];
      for (let i = 0; i < 3; i++)
        web.push(await s.createInstance({ org: 'acme', app: 'web', region: 'ord', host: 'ord-1' }));
      // ord-1 runs 3, ord-2 none
      assert.deepEqual(await place(s, 4), ['ord-2', 'ord-2', 'ord-2', 'ord-1']);
      await s.deleteInstance(web[0]!.id);
      await s.deleteApp('acme', 'web');
      // ord-1 runs 1 (batch), ord-2 runs 3: a tie at 3 goes by name
      assert.deepEqual(await place(s, 3), ['ord-1', 'ord-1', 'ord-1']);
      await s.deleteOrg('acme');
      await s.createOrg('acme');
      await s.createApp({ org: 'acme', name: 'batch', private_network: false });
      assert.deepEqual(await place(s, 2), ['ord-1', 'ord-2'], 'an org deleted takes its load with it');
    });

    test('the migration counts the instances already there', async () => {
      const url = await b.freshUrl();
      const s = await b.openAt(url, deterministic());
      await seedFleet(s);
      for (let i = 0; i < 2; i++)
        await s.createInstance({ org: 'acme', app: 'web', region: 'ord', host: 'ord-1' });
      await s.close();
      await forgetHostLoads(url);
      const again = await b.openAt(url, deterministic());
      assert.deepEqual(await place(again, 3), ['ord-2', 'ord-2', 'ord-1']);
    });
  },
  ['sqlite-file', 'postgres'],
);
