// `sixpn usage` output: human units, bars and sparklines, the empty case.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bar, formatUsage, humanBytes, sparkline } from './usage-format.ts';

test('humanBytes, bar and sparkline', () => {
  const cases: [number, string][] = [
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.50 KiB'],
    [10 * 1024 * 1024, '10.0 MiB'],
    [300 * 1024 ** 3, '300 GiB'],
  ];
  for (const [n, s] of cases) assert.equal(humanBytes(n), s);
  assert.equal(bar(10, 10, 4), '████');
  assert.equal(bar(1, 16, 4), '▎');
  assert.equal(bar(0, 10), '');
  assert.equal(sparkline([0, 1, 8]), ' ▁█');
});

test('formatUsage: a line per key, totals, or a note when nothing was counted', () => {
  const t = (tx: number, rx: number) => ({ tx_bytes: tx, rx_bytes: rx, tx_packets: 1, rx_packets: 1 });
  const u = {
    from: '2030-01-01T00:00:00Z',
    to: '2030-01-01T03:00:00Z',
    step: 3600,
    by: 'scope',
    total: t(3072, 1024),
    series: [
      {
        key: 'host',
        total: t(1024, 1024),
        points: [
          { t: 'a', ...t(1024, 1024) },
          { t: 'b', ...t(0, 0) },
        ],
      },
      {
        key: 'region',
        total: t(2048, 0),
        points: [
          { t: 'a', ...t(0, 0) },
          { t: 'b', ...t(2048, 0) },
        ],
      },
    ],
  };
  assert.equal(
    formatUsage('acme', u),
    'private traffic of acme, 2030-01-01T00:00:00Z → 2030-01-01T03:00:00Z, by scope, every 1h\n\n' +
      'KEY     SENT      RECEIVED  PACKETS                        OVER TIME\n' +
      'host    1.00 KiB  1.00 KiB  2        ████████████████████  |█ |\n' +
      'region  2.00 KiB  0 B       2        ████████████████████  | █|\n' +
      'total   3.00 KiB  1.00 KiB  2\n',
  );
  assert.match(formatUsage('acme', { ...u, series: [] }), /no traffic counted in this range/);
});
