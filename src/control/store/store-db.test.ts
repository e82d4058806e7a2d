// Store suite, part 6: the database layer under the store. Unique violations of both backends map to one
// `already_exists`; int8 columns come back as JS numbers up to the 32-bit maxima of the address plan.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachBackend } from '../../../test/support/postgres.ts';
import { alreadyExists, isSixpnError } from '../../core/errors.ts';
import { seededRandom } from '../../core/seeded-random.ts';
import { silentLogger } from '../../lib/log.ts';
import { conflictAs, uniqueViolation } from './db-errors.ts';
import { KyselyStore } from './kysely-store.ts';
import { migrate } from './migrate.ts';
import { parseStoreUrl } from './open.ts';
import { openPostgres } from './postgres.ts';
import { openSqlite } from './sqlite.ts';
import { steppingClock } from './test-fixtures.ts';

async function rawDb(url: string) {
  const target = parseStoreUrl(url);
  const db =
    target.dialect === 'sqlite' ? openSqlite(target.path) : openPostgres(target.url, 2, silentLogger);
  await migrate(db, target.dialect);
  return { db, dialect: target.dialect };
}

forEachBackend('store database layer', (b) => {
  test('unique violations map to already_exists on this backend', async () => {
    const { db } = await rawDb(await b.freshUrl());
    try {
      const org = { id: 'o_000000000001', name: 'acme', created_at: '2030-01-01T00:00:00.000Z' };
      await db.insertInto('orgs').values(org).execute();
      const cases = [
        { row: { ...org, id: 'o_000000000002' }, target: /orgs.*name|orgs_name_key/ },
        { row: { ...org, name: 'other' }, target: /orgs.*id|orgs_pkey/ },
      ];
      for (const c of cases) {
        const e = await db
          .insertInto('orgs')
          .values(c.row)
          .execute()
          .then(
            () => assert.fail('the duplicate was inserted'),
            (err: unknown) => err,
          );
        assert.match(uniqueViolation(e)?.target ?? '', c.target);
        const mapped = conflictAs(e, () => alreadyExists('org', 'acme'));
        assert.ok(isSixpnError(mapped) && mapped.code === 'already_exists');
      }
      const notUnique = await db
        .insertInto('networks')
        .values({ id: 'n_1', org_id: 'o_nope', name: 'x', num: 1, created_at: org.created_at })
        .execute()
        .then(
          () => assert.fail('a dangling foreign key was inserted'),
          (err: unknown) => err,
        );
      assert.equal(uniqueViolation(notUnique), undefined, 'a foreign-key violation is not a duplicate');
      assert.equal(
        conflictAs(notUnique, () => alreadyExists('x', 'y')),
        notUnique,
      );
    } finally {
      await db.destroy();
    }
  });

  test('int8 columns are JS numbers, up to the largest network and host numbers', async () => {
    const { db, dialect } = await rawDb(await b.freshUrl());
    const store = new KyselyStore(db, {
      dialect,
      plan: { prefix: 0xfdaa },
      random: seededRandom(3),
      now: steppingClock(),
      logger: silentLogger,
    });
    try {
      await db
        .updateTable('counters')
        .set({ value: 0xffff_fffe })
        .where('name', 'in', ['network', 'host'])
        .execute();
      await store.createOrg('acme');
      await store.createRegion({ code: 'ord', name: 'Chicago', lat: 41.98, lon: -87.9 });
      const host = await store.createHost({ name: 'ord-1', region: 'ord', role: 'host' });
      await store.createApp({ org: 'acme', name: 'web', private_network: true });
      const inst = await store.createInstance({ org: 'acme', app: 'web', region: 'ord' });
      const [net] = await store.listNetworks('acme');
      assert.equal(net?.num, 0xffff_ffff);
      assert.equal(net?.prefix, 'fdaa:ffff:ffff::/48');
      assert.equal(host.num, 0xffff_ffff);
      assert.equal((await store.getHost('ord-1')).num, 0xffff_ffff);
      assert.ok(inst.address?.startsWith('fdaa:ffff:ffff:ffff:ffff:'), inst.address ?? '');
      const snap = await store.snapshot();
      assert.equal(typeof snap.revision, 'number');
      assert.equal(snap.instances[0]?.host_num, 0xffff_ffff);
      const { changes } = await store.changesSince(0, 10);
      assert.ok(changes.every((c) => typeof c.rev === 'number'));
      await rejectsNumber(store);
    } finally {
      await store.close();
    }
  });
});

/** The network counter is at the 32-bit maximum: the next network is refused, not wrapped around. */
async function rejectsNumber(store: KyselyStore): Promise<void> {
  await assert.rejects(store.createNetwork('acme', 'one-too-many'), (e: unknown) => {
    assert.ok(isSixpnError(e) && e.code === 'resource_exhausted', String(e));
    assert.match(e.message, /all 4294967295 network numbers/);
    return true;
  });
}
