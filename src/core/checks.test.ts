// Table tests of the checks' input form: good inputs with their canonical form, round trips, and every bad
// input the issue names (each error names the field).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkInput, describeCheck, formatDurationMs, parseChecks, parseDurationMs } from './checks.ts';
import { SixpnError } from './errors.ts';
import type { Check } from './model.ts';

const tcp8080: Check = {
  name: 'tcp-8080',
  type: 'tcp',
  port: 8080,
  interval_ms: 10_000,
  timeout_ms: 2000,
  grace_period_ms: 0,
};

describe('parseDurationMs / formatDurationMs', () => {
  const rows: [unknown, number | undefined][] = [
    ['10s', 10_000],
    ['500ms', 500],
    ['1m30s', 90_000],
    ['1h', 3_600_000],
    ['1.5s', 1500],
    [' 2s ', 2000],
    ['0', 0],
    [3, 3000],
    [0.25, 250],
    [5n, 5000],
    ['10', undefined],
    ['s', undefined],
    ['-1s', undefined],
    ['1d', undefined],
    ['0.0001s', undefined],
    [-2, undefined],
    [true, undefined],
    [null, undefined],
  ];
  for (const [v, want] of rows) test(`${String(v)} → ${want}`, () => assert.equal(parseDurationMs(v), want));
  for (const ms of [0, 1, 500, 1000, 10_000, 90_000, 3_600_000, 3_661_000, 1500])
    test(`round trip ${ms}`, () => assert.equal(parseDurationMs(formatDurationMs(ms)), ms));
});

describe('parseChecks: good input', () => {
  const rows: [string, unknown[], Check[]][] = [
    ['tcp with defaults', [{ type: 'tcp', port: 8080 }], [tcp8080]],
    ['none', [], []],
    [
      'http with defaults',
      [{ type: 'http', port: 80 }],
      [
        {
          name: 'http-80',
          type: 'http',
          port: 80,
          path: '/',
          method: 'GET',
          status_min: 200,
          status_max: 399,
          interval_ms: 10_000,
          timeout_ms: 2000,
          grace_period_ms: 0,
        },
      ],
    ],
    [
      'http with everything',
      [
        {
          name: 'ready',
          type: 'http',
          port: 8080n,
          path: '/healthz?x=1',
          method: 'head',
          expected_status: '200-299',
          interval: '1s',
          timeout: '200ms',
          grace_period: '30s',
        },
      ],
      [
        {
          name: 'ready',
          type: 'http',
          port: 8080,
          path: '/healthz?x=1',
          method: 'HEAD',
          status_min: 200,
          status_max: 299,
          interval_ms: 1000,
          timeout_ms: 200,
          grace_period_ms: 30_000,
        },
      ],
    ],
    [
      'short interval: the default time-out is half of it',
      [{ type: 'tcp', port: 1, interval: '1s' }],
      [{ ...tcp8080, name: 'tcp-1', port: 1, interval_ms: 1000, timeout_ms: 500 }],
    ],
    ['expected_status as a number', [{ type: 'http', port: 80, expected_status: 204 }], []],
    [
      'two checks on one port with names',
      [
        { type: 'tcp', port: 8080, name: 'a' },
        { type: 'tcp', port: 8080, name: 'b', interval: 30 },
      ],
      [
        { ...tcp8080, name: 'a' },
        { ...tcp8080, name: 'b', interval_ms: 30_000 },
      ],
    ],
  ];
  for (const [name, input, want] of rows) {
    test(name, () => {
      const got = parseChecks(input);
      if (name === 'expected_status as a number') {
        assert.equal(got[0]?.status_min, 204);
        assert.equal(got[0]?.status_max, 204);
      } else assert.deepEqual(got, want);
      // the canonical form written back as input parses to itself
      assert.deepEqual(parseChecks(got.map(checkInput)), got);
    });
  }
  test('describeCheck', () => {
    const [c] = parseChecks([{ type: 'http', port: 8080, path: '/healthz', grace_period: '5s' }]);
    assert.equal(
      describeCheck(c!),
      'http-8080: http GET :8080/healthz expect 200-399 every 10s, timeout 2s, grace 5s',
    );
  });
});

describe('parseChecks: bad input names the field', () => {
  const rows: [string, unknown, string, RegExp][] = [
    ['not an array', { type: 'tcp' }, 'checks', /must be an array/],
    ['not a table', ['tcp'], 'checks[0]', /must be a table/],
    ['port 0', [{ type: 'tcp', port: 0 }], 'checks[0].port', /1–65535, got 0/],
    ['port too big', [{ type: 'tcp', port: 65536 }], 'checks[0].port', /got 65536/],
    ['port a string', [{ type: 'tcp', port: '80' }], 'checks[0].port', /got "80"/],
    ['port missing', [{ type: 'tcp' }], 'checks[0].port', /missing/],
    [
      'interval under 1 s',
      [{ type: 'tcp', port: 1, interval: '999ms' }],
      'checks[0].interval',
      /at least 1s/,
    ],
    [
      'interval not a duration',
      [{ type: 'tcp', port: 1, interval: 'often' }],
      'checks[0].interval',
      /duration/,
    ],
    [
      'timeout equal to interval',
      [{ type: 'tcp', port: 1, interval: '5s', timeout: '5s' }],
      'checks[0].timeout',
      /\(5s\) must be shorter than interval \(5s\)/,
    ],
    [
      'timeout over interval (default interval)',
      [{ type: 'tcp', port: 1, timeout: '11s' }],
      'checks[0].timeout',
      /shorter than interval \(10s\)/,
    ],
    ['timeout 0', [{ type: 'tcp', port: 1, timeout: 0 }], 'checks[0].timeout', /at least 10ms/],
    [
      'grace over 1 h',
      [{ type: 'tcp', port: 1, grace_period: '2h' }],
      'checks[0].grace_period',
      /at most 1h/,
    ],
    [
      'path without /',
      [{ type: 'http', port: 1, path: 'healthz' }],
      'checks[0].path',
      /must start with '\/'/,
    ],
    ['path with a space', [{ type: 'http', port: 1, path: '/a b' }], 'checks[0].path', /printable/],
    ['path on tcp', [{ type: 'tcp', port: 1, path: '/' }], 'checks[0].path', /only for http/],
    ['unknown type', [{ type: 'udp', port: 1 }], 'checks[0].type', /"tcp" or "http", got "udp"/],
    ['type missing', [{ port: 1 }], 'checks[0].type', /missing/],
    ['unknown field', [{ type: 'tcp', port: 1, retries: 3 }], 'checks[0].retries', /unknown field 'retries'/],
    ['bad method', [{ type: 'http', port: 1, method: 'BREW' }], 'checks[0].method', /one of GET/],
    [
      'bad status',
      [{ type: 'http', port: 1, expected_status: '300-200' }],
      'checks[0].expected_status',
      /range/,
    ],
    ['status 600', [{ type: 'http', port: 1, expected_status: 600 }], 'checks[0].expected_status', /100–599/],
    ['bad name', [{ type: 'tcp', port: 1, name: 'Web_1' }], 'checks[0].name', /DNS label/],
    [
      'duplicate default name',
      [
        { type: 'tcp', port: 1 },
        { type: 'tcp', port: 1, interval: '20s' },
      ],
      'checks[1].name',
      /used by an earlier check/,
    ],
    [
      'too many',
      Array.from({ length: 17 }, (_, i) => ({ type: 'tcp', port: i + 1 })),
      'checks',
      /at most 16/,
    ],
  ];
  for (const [name, input, field, msg] of rows) {
    test(name, () => {
      assert.throws(
        () => parseChecks(input),
        (e: unknown) => {
          assert.ok(e instanceof SixpnError);
          assert.equal(e.code, 'invalid_argument');
          assert.equal(e.details?.field, field);
          assert.match(e.message, msg);
          assert.ok(e.message.startsWith(field), e.message);
          return true;
        },
      );
    });
  }
});
