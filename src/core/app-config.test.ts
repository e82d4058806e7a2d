// Table tests of sixpn.toml parsing: good files, syntax errors with line and column, wrong types, unknown keys.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type AppConfig, lineOfArrayKey, lineOfKey, parseAppConfig } from './app-config.ts';
import { SixpnError } from './errors.ts';

describe('parseAppConfig: good files', () => {
  const rows: [string, string, AppConfig][] = [
    ['just the app', 'app = "web"\n', { app: 'web', private_network: false }],
    [
      'everything',
      'app = "web"\norg = "acme"\nnetwork = "staging"\n\n[experimental]\nprivate_network = true\n',
      { app: 'web', org: 'acme', network: 'staging', private_network: true },
    ],
    [
      'private_network false',
      'app = "api"\n[experimental]\nprivate_network = false\n',
      { app: 'api', private_network: false },
    ],
    ['empty [experimental]', 'app = "api"\n[experimental]\n', { app: 'api', private_network: false }],
    [
      'dotted key',
      "app = 'web-1'\nexperimental.private_network = true\n",
      { app: 'web-1', private_network: true },
    ],
    [
      'inline table',
      'app = "db"\nexperimental = { private_network = true }\n',
      { app: 'db', private_network: true },
    ],
    ['comments and CRLF', '# my app\r\napp = "web" # name\r\n', { app: 'web', private_network: false }],
    ['quoted key', '"app" = "web"\n', { app: 'web', private_network: false }],
    [
      'service address',
      'app = "web"\nservice_address = true\n[experimental]\nprivate_network = true\n',
      { app: 'web', private_network: true, service_address: true },
    ],
    [
      'no service address',
      'app = "web"\nservice_address = false\n',
      { app: 'web', private_network: false, service_address: false },
    ],
  ];
  for (const [name, text, want] of rows) test(name, () => assert.deepEqual(parseAppConfig(text), want));
});

describe('parseAppConfig: errors', () => {
  // [name, text, message regexp, details subset]
  const rows: [string, string, RegExp, Record<string, unknown>][] = [
    [
      'syntax: missing value',
      'app = "web"\norg = \n',
      /^sixpn\.toml:2:7: TOML syntax error: invalid value/,
      { line: 2, column: 7 },
    ],
    ['syntax: unterminated string', 'app = "web\n', /^sixpn\.toml:1:\d+: TOML syntax error: /, { line: 1 }],
    [
      'syntax: bad table header',
      'app = "web"\n\n[experimental\nprivate_network = true\n',
      /^sixpn\.toml:3:\d+: TOML syntax error: /,
      { line: 3 },
    ],
    [
      'syntax: duplicate key',
      'app = "a"\napp = "b"\n',
      /^sixpn\.toml:2:\d+: TOML syntax error: /,
      { line: 2 },
    ],
    ['syntax: bare word value', 'app = web\n', /^sixpn\.toml:1:\d+: TOML syntax error: /, { line: 1 }],
    [
      'missing app',
      'org = "acme"\n',
      /^sixpn\.toml: app is missing; add a line like: app = "web"$/,
      { field: 'app' },
    ],
    ['empty file', '', /app is missing/, { field: 'app' }],
    [
      'app is a number',
      'app = 5\n',
      /^sixpn\.toml:1: app must be a string, got the number 5$/,
      { field: 'app' },
    ],
    [
      'private_network is a string',
      'app = "web"\n[experimental]\nprivate_network = "yes"\n',
      /^sixpn\.toml:3: experimental\.private_network must be a boolean, got the string "yes"$/,
      { field: 'experimental.private_network' },
    ],
    [
      'private_network is an integer',
      'app = "web"\n[experimental]\nprivate_network = 1\n',
      /^sixpn\.toml:3: experimental\.private_network must be a boolean, got the number 1$/,
      {},
    ],
    [
      'experimental is not a table',
      'app = "web"\nexperimental = true\n',
      /^sixpn\.toml:2: experimental must be a table, got the boolean true$/,
      {},
    ],
    [
      'org is an array',
      'app = "web"\norg = ["a"]\n',
      /^sixpn\.toml:2: org must be a string, got an array$/,
      {},
    ],
    [
      'unknown top-level key',
      'app = "web"\nregion = "ord"\n',
      /^sixpn\.toml:2: unknown key 'region'; allowed keys: app, org, network, service_address, \[experimental\], \[\[checks\]\]$/,
      { field: 'region' },
    ],
    [
      'unknown table',
      'app = "web"\n[build]\nimage = "x"\n',
      /^sixpn\.toml:2: unknown key 'build'; allowed keys/,
      { field: 'build' },
    ],
    [
      'unknown key in [experimental]',
      'app = "web"\n[experimental]\nprivate_networks = true\n',
      /^sixpn\.toml:3: unknown key 'private_networks' in \[experimental\]; allowed keys: private_network$/,
      { field: 'experimental.private_networks' },
    ],
    [
      'invalid app name',
      'app = "Web_1"\n',
      /^sixpn\.toml:1: app name 'Web_1' is not a valid name/,
      { field: 'app' },
    ],
    [
      'app name too long',
      `app = "${'a'.repeat(64)}"\n`,
      /is 64 characters; the limit is 63/,
      { field: 'app' },
    ],
    [
      'reserved app name',
      'app = "internal"\n',
      /^sixpn\.toml:1: app name 'internal' is reserved/,
      { field: 'app' },
    ],
    [
      'invalid org name',
      'app = "web"\norg = "-acme"\n',
      /^sixpn\.toml:2: org name '-acme'/,
      { field: 'org' },
    ],
    [
      'service address without private networking',
      'app = "web"\nservice_address = true\n',
      /^sixpn\.toml:2: service_address needs private networking: add \[experimental\] private_network = true$/,
      { field: 'service_address' },
    ],
    [
      'service address not a boolean',
      'app = "web"\nservice_address = "yes"\n',
      /^sixpn\.toml:2: service_address must be a boolean, got the string "yes"$/,
      { field: 'service_address' },
    ],
    [
      'invalid network name',
      'app = "web"\nnetwork = ""\n',
      /^sixpn\.toml:2: network name '' .*empty/,
      { field: 'network' },
    ],
  ];
  for (const [name, text, msg, details] of rows) {
    test(name, () => {
      assert.throws(
        () => parseAppConfig(text),
        (e: unknown) => {
          assert.ok(e instanceof SixpnError, `a SixpnError, got ${String(e)}`);
          assert.equal(e.code, 'invalid_argument');
          assert.match(e.message, msg);
          assert.ok(!e.message.includes('\n'), 'one line');
          for (const [k, v] of Object.entries(details)) assert.equal(e.details?.[k], v, k);
          return true;
        },
      );
    });
  }

  test('the file name given is the one in the message', () => {
    assert.throws(
      () => parseAppConfig('app = 1', '/srv/web/sixpn.toml'),
      /^SixpnError: \/srv\/web\/sixpn\.toml:1: /,
    );
  });
});

describe('lineOfKey', () => {
  const text = 'app = "web"\n  org="a"\n[experimental]\nprivate_network = true\n[other]\napp = 1\n';
  const rows: [string, string, number | undefined][] = [
    ['', 'app', 1],
    ['', 'org', 2],
    ['', 'experimental', 3],
    ['experimental', 'private_network', 4],
    ['other', 'app', 6],
    ['', 'network', undefined],
    ['experimental', 'app', undefined],
  ];
  for (const [table, key, want] of rows)
    test(`[${table}] ${key} → ${want}`, () => assert.equal(lineOfKey(text, table, key), want));
});

const WITH_CHECKS = `app = "web"

[[checks]]
type = "http"
port = 8080
path = "/healthz"
interval = "5s"

[[checks]]
name = "tcp"
type = "tcp"
port = 9000
timeout = "5s"
`;

describe('parseAppConfig: [[checks]]', () => {
  test('parsed to the canonical form', () => {
    const cfg = parseAppConfig(WITH_CHECKS);
    assert.deepEqual(cfg.checks, [
      {
        name: 'http-8080',
        type: 'http',
        port: 8080,
        path: '/healthz',
        method: 'GET',
        status_min: 200,
        status_max: 399,
        interval_ms: 5000,
        timeout_ms: 2000,
        grace_period_ms: 0,
      },
      { name: 'tcp', type: 'tcp', port: 9000, interval_ms: 10_000, timeout_ms: 5000, grace_period_ms: 0 },
    ]);
  });
  test('a file without checks says nothing about them', () => {
    assert.equal(parseAppConfig('app = "web"\n').checks, undefined);
    assert.deepEqual(parseAppConfig('app = "web"\nchecks = []\n').checks, []);
  });
  const rows: [string, string, RegExp, string][] = [
    [
      'port 0',
      WITH_CHECKS.replace('8080', '0'),
      /^sixpn\.toml:5: checks\[0\]\.port must be/,
      'checks[0].port',
    ],
    [
      'timeout ≥ interval in the second table',
      WITH_CHECKS.replace('timeout = "5s"', 'timeout = "10s"'),
      /^sixpn\.toml:13: checks\[1\]\.timeout \(10s\) must be shorter than interval \(10s\)$/,
      'checks[1].timeout',
    ],
    [
      'path without /',
      WITH_CHECKS.replace('"/healthz"', '"healthz"'),
      /^sixpn\.toml:6: checks\[0\]\.path must start with/,
      'checks[0].path',
    ],
    [
      'unknown field',
      WITH_CHECKS.replace('port = 9000', 'port = 9000\nretries = 3'),
      /^sixpn\.toml:13: checks\[1\]\.retries: unknown field/,
      'checks[1].retries',
    ],
    [
      'missing type: the line of the table',
      'app = "web"\n[[checks]]\nport = 1\n',
      /^sixpn\.toml:2: checks\[0\]\.type is missing/,
      'checks[0].type',
    ],
    [
      'inline: no line',
      'app = "web"\nchecks = [{ type = "udp", port = 1 }]\n',
      /^sixpn\.toml: checks\[0\]\.type must be "tcp" or "http", got "udp"$/,
      'checks[0].type',
    ],
    ['checks not an array', 'app = "web"\nchecks = 1\n', /^sixpn\.toml:2: checks must be an array/, 'checks'],
  ];
  for (const [name, text, msg, field] of rows) {
    test(name, () =>
      assert.throws(
        () => parseAppConfig(text),
        (e: unknown) => {
          assert.ok(e instanceof SixpnError);
          assert.match(e.message, msg);
          assert.equal(e.details?.field, field);
          return true;
        },
      ),
    );
  }
  test('lineOfArrayKey', () => {
    assert.equal(lineOfArrayKey(WITH_CHECKS, 'checks', 0), 3);
    assert.equal(lineOfArrayKey(WITH_CHECKS, 'checks', 1, 'port'), 12);
    assert.equal(lineOfArrayKey(WITH_CHECKS, 'checks', 1, 'path'), 9);
    assert.equal(lineOfArrayKey(WITH_CHECKS, 'checks', 2, 'port'), undefined);
  });
});
