// Store suite, usage: reports applied exactly once by (host, epoch, seq), whatever the order or the replays;
// a report about another host's instance stores nothing; buckets agree across granularities; retention floors.
// On SQLite (memory and file) and PostgreSQL.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachBackend } from '../../../test/support/postgres.ts';
import { seededRandom } from '../../core/seeded-random.ts';
import type { UsageItem, UsageReport } from '../../core/usage/delta.ts';
import { DAY, DEFAULT_RETENTION, parseUsageQuery } from '../../core/usage/query.ts';
import type { Store } from './store.ts';
import { rejectsWith, seedFleet, steppingClock, wgKey } from './test-fixtures.ts';

const T0 = Date.parse('2030-01-01T00:00:00Z') / 1000;
const item = (instance: string, over: Partial<UsageItem> = {}): UsageItem => ({
  instance,
  dir: 'tx',
  scope: 'region',
  src_region: 'ord',
  dst_region: 'ord',
  bytes: 1000,
  packets: 10,
  ...over,
});
const report = (seq: number, items: UsageItem[], minute = 1, epoch = 'e1'): UsageReport => ({
  epoch,
  seq,
  at: new Date((T0 + minute * 60 + 5) * 1000).toISOString(),
  items,
});

async function fleet(s: Store) {
  await seedFleet(s);
  const web = await s.createInstance({ org: 'acme', app: 'web', region: 'ord', host: 'ord-1' });
  const far = await s.createInstance({ org: 'acme', app: 'web', region: 'ams' });
  return { web, far };
}

const total = async (s: Store, by: 'scope' | 'app' | 'region-pair' | 'peer' = 'app', step = '1m') => {
  const q = parseUsageQuery({ from: String(T0), to: String(T0 + 3600), step, by }, T0 + 3600);
  return s.usageRows('acme', q);
};
const sum = (rows: { tx_bytes: number }[]) => rows.reduce((a, r) => a + r.tx_bytes, 0);

forEachBackend('store usage', (b) => {
  test('reports: applied once whatever the replays and order; foreign instances store nothing', async () => {
    const s = await b.open({ random: seededRandom(3), now: steppingClock('2030-01-01T01:00:00.000Z') });
    const { web, far } = await fleet(s);
    const first = report(1, [
      item(web.id),
      item(web.id, { bytes: 5, packets: 1 }),
      item(web.id, { dir: 'rx' }),
    ]);
    assert.deepEqual(await s.applyUsageReport('ord-1', first), {
      applied: true,
      added: [
        { org: 'acme', scope: 'region', dir: 'tx', bytes: 1005, packets: 11 },
        { org: 'acme', scope: 'region', dir: 'rx', bytes: 1000, packets: 10 },
      ],
    });
    assert.deepEqual(
      await s.applyUsageReport('ord-1', first),
      { applied: false, added: [] },
      'a replay adds nothing',
    );
    assert.deepEqual(await s.applyUsageReport('ord-1', report(3, [item(web.id)], 3)), {
      applied: true,
      added: [{ org: 'acme', scope: 'region', dir: 'tx', bytes: 1000, packets: 10 }],
    });
    assert.equal((await s.applyUsageReport('ord-1', report(2, [item(web.id)], 2))).applied, true);
    assert.deepEqual(await s.applyUsageReport('ord-1', report(3, [item(web.id)], 3)), {
      applied: false,
      added: [],
    });
    // Another epoch of the same host (its state was lost) is a new sequence.
    assert.equal((await s.applyUsageReport('ord-1', report(1, [item(web.id)], 4, 'e2'))).applied, true);
    await rejectsWith(
      s.applyUsageReport('ord-1', report(9, [item(web.id), item(far.id)])),
      'not_found',
      /is not on host ord-1; nothing was stored/,
    );
    await rejectsWith(s.applyUsageReport('ord-2', report(1, [item(web.id)])), 'not_found');
    assert.equal(
      sum(await total(s)),
      4005,
      'four reports of 1000 bytes sent (the first 5 more), nothing else',
    );
    await rejectsWith(s.applyUsageReport('ord-1', { ...report(10, []), seq: 0 }), 'invalid_argument', /seq/);
    await rejectsWith(
      s.applyUsageReport('ord-1', report(10, [item(web.id, { bytes: -5 })])),
      'invalid_argument',
      /bytes/,
    );
  });

  test("a gateway's report names its peers by address: stored per peer; another gateway's peer stores nothing", async () => {
    const s = await b.open({ random: seededRandom(5), now: steppingClock('2030-01-01T01:00:00.000Z') });
    const { web } = await fleet(s);
    const p = await s.createPeer({
      org: 'acme',
      network: 'default',
      name: 'laptop',
      region: 'ord',
      public_key: wgKey(7),
    });
    const other = p.gateway === 'gw-ord-1' ? 'gw-ord-2' : 'gw-ord-1';
    const peerItem = (over: Partial<UsageItem> = {}): UsageItem => {
      const { instance: _, ...rest } = item('', over);
      return { ...rest, peer: p.address };
    };
    assert.deepEqual(
      (await s.applyUsageReport(p.gateway, report(1, [peerItem(), peerItem({ dir: 'rx', bytes: 40 })])))
        .added,
      [
        { org: 'acme', scope: 'region', dir: 'tx', bytes: 1000, packets: 10 },
        { org: 'acme', scope: 'region', dir: 'rx', bytes: 40, packets: 10 },
      ],
    );
    await rejectsWith(
      s.applyUsageReport(other, report(1, [peerItem()])),
      'not_found',
      new RegExp(`peer ${p.address} is not a peer of gateway ${other}; nothing was stored`),
    );
    await rejectsWith(s.applyUsageReport('ord-1', report(2, [peerItem()])), 'not_found');
    await rejectsWith(
      s.applyUsageReport(p.gateway, report(2, [{ ...peerItem(), instance: web.id }])),
      'invalid_argument',
      /exactly one of instance and peer/,
    );
    await s.applyUsageReport('ord-1', report(1, [item(web.id)]));
    const rows = await total(s, 'peer');
    assert.deepEqual(
      rows.map((r) => [r.key, r.tx_bytes, r.rx_bytes]),
      [['laptop', 1000, 40]],
      'by peer: the peer only (instances have no peer)',
    );
    const byApp = await total(s, 'app');
    assert.equal(sum(byApp), 2000, 'the peer and the instance, once each');
  });

  test('buckets: minute, hour and day tables agree; group by scope, app and region pair', async () => {
    const s = await b.open({ random: seededRandom(4), now: steppingClock('2030-01-01T01:00:00.000Z') });
    const { web, far } = await fleet(s);
    await s.applyUsageReport(
      'ord-1',
      report(1, [item(web.id, { scope: 'host' }), item(web.id, { dir: 'rx', bytes: 70 })]),
    );
    await s.applyUsageReport(
      'ams-1',
      report(
        1,
        [item(far.id, { scope: 'interregion', src_region: 'ams', dst_region: 'ord', bytes: 500 })],
        30,
      ),
    );
    const byScope = await total(s, 'scope');
    assert.deepEqual(
      byScope.map((r) => [r.t - T0, r.key, r.tx_bytes, r.rx_bytes]).sort(),
      [
        [1800, 'interregion', 500, 0],
        [60, 'host', 1000, 0],
        [60, 'region', 0, 70],
      ].sort(),
    );
    assert.equal(sum(await total(s, 'app', '1h')), 1500, 'hour table');
    const day = parseUsageQuery(
      { from: String(T0), to: String(T0 + DAY), step: '1d', by: 'region-pair' },
      T0 + 3600,
    );
    assert.deepEqual((await s.usageRows('acme', day)).map((r) => [r.key, r.tx_bytes]).sort(), [
      ['ams>ord', 500],
      ['ord>ord', 1000],
    ]);
    assert.deepEqual(await s.usageTotals(), [{ org: 'acme', tx_bytes: 1500, rx_bytes: 70 }]);
  });

  test('retention: old buckets go; a replay of a pruned report is still applied only once', async () => {
    let now = Date.parse('2030-01-01T01:00:00.000Z');
    const s = await b.open({ random: seededRandom(5), now: () => new Date(now) });
    const { web } = await fleet(s);
    await s.applyUsageReport('ord-1', report(1, [item(web.id)]));
    now += 10 * DAY * 1000;
    const dropped = await s.pruneUsage(DEFAULT_RETENTION);
    assert.equal(dropped, 1, 'the minute row went (2 days); hour and day rows stay');
    assert.deepEqual(await s.applyUsageReport('ord-1', report(1, [item(web.id)])), {
      applied: false,
      added: [],
    });
    assert.equal((await s.applyUsageReport('ord-1', report(2, [item(web.id)]))).applied, true);
    assert.deepEqual(await s.usageTotals(), [{ org: 'acme', tx_bytes: 2000, rx_bytes: 0 }]);
  });
});
