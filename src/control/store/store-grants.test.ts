// Store: host grants (what a host may place on itself), on SQLite and PostgreSQL: idempotent allow and disallow,
// org-wide and one-network grants, and grants going with their host, org or network.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachBackend } from '../../../test/support/postgres.ts';
import { deterministic, rejectsWith, seedFleet } from './test-fixtures.ts';

forEachBackend('store host grants', (b) => {
  test('allow, list, may-place, disallow; deletions take grants along', async () => {
    const s = await b.open(deterministic());
    await seedFleet(s);
    await s.createOrg('beta'); // no apps: deletable
    await s.createNetwork('beta', 'extra');
    const host = (await s.listHosts('host'))[0]!.name;
    assert.equal(await s.hostMayPlace(host, 'beta', 'default'), false);
    const g = await s.allowHost(host, 'beta', 'extra');
    assert.deepEqual([g.host, g.org, g.network], [host, 'beta', 'extra']);
    assert.deepEqual(await s.allowHost(host, 'beta', 'extra'), g, 'idempotent');
    assert.equal(await s.hostMayPlace(host, 'beta', 'extra'), true);
    assert.equal(await s.hostMayPlace(host, 'beta', 'default'), false);
    await s.allowHost(host, 'beta');
    assert.equal(await s.hostMayPlace(host, 'beta', 'default'), true);
    assert.deepEqual(
      (await s.listHostGrants(host)).map((x) => x.network),
      [null, 'extra'],
    );
    await s.disallowHost(host, 'beta');
    await s.disallowHost(host, 'beta');
    assert.deepEqual(
      (await s.listHostGrants()).map((x) => x.network),
      ['extra'],
    );
    await rejectsWith(s.allowHost('nope', 'beta'), 'not_found', /host 'nope'/);
    await rejectsWith(s.allowHost(host, 'beta', 'nope'), 'not_found', /network 'beta\/nope'/);
    await s.deleteNetwork('beta', 'extra');
    assert.deepEqual(await s.listHostGrants(), []);
    await s.allowHost(host, 'beta');
    await s.deleteOrg('beta');
    assert.deepEqual(await s.listHostGrants(), []);
    await s.close();
  });
});
