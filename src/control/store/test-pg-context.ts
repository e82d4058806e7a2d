// For the PostgreSQL creation tests (not a test file): a seeded store, and beside it the store's creation path
// (its groups and cache) on a connection of the test's own, which hears no NOTIFY: only what the test does.

import { after } from 'node:test';
import type { Backend } from '../../../test/support/postgres.ts';
import { defaultPlan } from '../../core/address.ts';
import { seededRandom } from '../../core/seeded-random.ts';
import { silentLogger } from '../../lib/log.ts';
import { pgCreations } from './create-batch-pg.ts';
import { openPostgres } from './postgres.ts';
import { deterministic, seedFleet, steppingClock } from './test-fixtures.ts';
import type { StoreContext } from './write.ts';

export async function pgTestContext(b: Backend) {
  const url = await b.freshUrl();
  const store = await b.openAt(url, deterministic());
  await seedFleet(store);
  const db = openPostgres(url, 4, silentLogger);
  after(() => db.destroy());
  const heads: number[] = [];
  const committed = (h: number) => heads.push(h);
  const groups = pgCreations(db, { committed, writing: () => () => {} });
  const ctx: StoreContext = {
    ...{ db, dialect: 'postgres', plan: defaultPlan, random: seededRandom(7), now: steppingClock() },
    ...{ logger: silentLogger, committed, pgCreations: groups },
  };
  return { url, store, heads, groups, ctx };
}
