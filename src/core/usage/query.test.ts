// Table tests of usage queries: field parsing, the 400s naming each bad field, table choice, series.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SixpnError } from '../errors.ts';
import {
  DAY,
  DEFAULT_RETENTION,
  granularityFor,
  HOUR,
  MINUTE,
  parseRetention,
  parseUsageQuery,
  toSeries,
} from './query.ts';

const NOW = Date.parse('2030-06-01T12:34:56Z') / 1000;

test('parseUsageQuery: defaults, relative and absolute times, durations', () => {
  const d = parseUsageQuery({}, NOW);
  assert.equal(d.by, 'network');
  assert.equal(d.step, HOUR);
  assert.equal(d.to, Math.ceil(NOW / 60) * 60);
  const q = parseUsageQuery({ from: '2030-06-01T00:00:00Z', to: 'now', step: '1h', by: 'region-pair' }, NOW);
  assert.deepEqual(q, {
    from: NOW - (12 * 3600 + 34 * 60 + 56),
    to: Math.ceil(NOW / 60) * 60,
    step: HOUR,
    by: 'region-pair',
  });
  assert.equal(
    parseUsageQuery({ from: 'now-2h', step: '5m' }, NOW).from,
    Math.floor((NOW - 7200) / 300) * 300,
  );
});

test('parseUsageQuery: each bad field is refused with its name', () => {
  const cases: [Record<string, string>, string, RegExp][] = [
    [{ from: 'now', to: 'now-1h' }, 'from', /from must be before to/],
    [{ by: 'host' }, 'by', /by 'host' is unknown: use one of network, app, scope, region-pair, peer/],
    [{ step: '30s' }, 'step', /at least 1m/],
    [{ step: '90s' }, 'step', /whole number of minutes/],
    [{ step: 'soon' }, 'step', /not a duration/],
    [{ from: 'yesterday' }, 'from', /not a time/],
    [{ from: 'now-800d' }, 'from', /older than the retention/],
    [{ from: 'now-30d', step: '1m' }, 'step', /more than 10000 steps/],
  ];
  for (const [raw, field, message] of cases) {
    assert.throws(
      () => parseUsageQuery(raw, NOW),
      (e: unknown) =>
        e instanceof SixpnError &&
        e.code === 'invalid_argument' &&
        e.details?.field === field &&
        message.test(e.message),
      JSON.stringify(raw),
    );
  }
});

test('granularityFor: the coarsest table that answers exactly and still holds the range', () => {
  const q = (from: number, step: number) => ({ from, to: NOW, step, by: 'app' as const });
  const day0 = Math.floor(NOW / DAY) * DAY;
  assert.equal(granularityFor(q(day0 - 30 * DAY, DAY), NOW, DEFAULT_RETENTION), DAY);
  assert.equal(granularityFor(q(day0 - 30 * DAY, HOUR), NOW, DEFAULT_RETENTION), HOUR);
  assert.equal(granularityFor(q(day0, 5 * MINUTE), NOW, DEFAULT_RETENTION), MINUTE);
  assert.equal(
    granularityFor(q(day0 - 10 * DAY, 5 * MINUTE), NOW, DEFAULT_RETENTION),
    HOUR,
    'minutes are gone',
  );
});

test('toSeries: points every step with zeros, totals per key and overall', () => {
  const q = { from: 0, to: 180, step: 60, by: 'app' as const };
  const r = (t: number, key: string, tx: number) => ({
    t,
    key,
    tx_bytes: tx,
    tx_packets: 1,
    rx_bytes: 0,
    rx_packets: 0,
  });
  const { series, total } = toSeries(q, [r(0, 'web', 5), r(120, 'web', 7), r(60, 'db', 1), r(999, 'db', 1)]);
  assert.deepEqual(
    series.map((s) => [s.key, s.total.tx_bytes, s.points.map((p) => p.tx_bytes)]),
    [
      ['db', 1, [0, 1, 0]],
      ['web', 12, [5, 0, 7]],
    ],
  );
  assert.equal(series[0]?.points[0]?.t, '1970-01-01T00:00:00Z');
  assert.equal(total.tx_bytes, 13);
});

test('parseRetention: a subset of tables; bad names and orders refused', () => {
  assert.deepEqual(parseRetention('minute=1d,day=400d'), {
    ...DEFAULT_RETENTION,
    minute: DAY,
    day: 400 * DAY,
  });
  assert.throws(() => parseRetention('week=1d'), /unknown table 'week'/);
  assert.throws(() => parseRetention('hour=1h'), /hour ≥ minute/);
  assert.throws(() => parseRetention('minute=soon'), /not a duration/);
});
