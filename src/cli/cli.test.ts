// The whole CLI in-process against a recording fake API: what each command sends, prints and exits with; bad
// flags send nothing; org and connection defaults.

import assert from 'node:assert/strict';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { SixpnError } from '../core/errors.ts';
import { CliContext } from './context.ts';
import { reportError } from './run.ts';
import { app, conn, fakeApi, instance, region, T, tmp, whoami } from './test-fixtures.ts';
import { runInProcess } from './test-support.ts';

describe('cli', () => {
  test('a bad flag is one line naming it, exit 2, nothing sent', async () => {
    const api = fakeApi({});
    for (const argv of [
      ['regions', 'create', 'ord', '--name', 'Chicago', '--lat', 'abc', '--lon', '1'],
      ['regions', 'create', 'ord', '--name', 'Chicago', '--lat', '1', '--lon', '200'],
      ['regions', 'create', 'ORD', '--name', 'Chicago', '--lat', '1', '--lon', '2'],
      ['regions', 'create', 'ord', '--lat', '1', '--lon', '2'],
      ['apps', 'create', 'Web_1', '-o', 'acme'],
      ['instances', 'show', 'nothex'],
      ['tokens', 'create', 'ci', '--kind', 'root', '-o', 'acme'],
      ['tokens', 'create', 'ci', '--kind', 'peer', '--expires', '1w', '-o', 'acme'],
      ['instances', 'create', '--app', 'web'],
      ['nonsense'],
      ['orgs'],
    ]) {
      const r = await runInProcess(argv, { env: conn, fetch: api.fetch });
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr.split('\n')[0] ?? '', /^(error: |Usage: )/, argv.join(' '));
      if (argv[0] !== 'orgs')
        assert.equal(r.stderr.trim().split('\n').length, 1, `${argv.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
    }
    assert.deepEqual(api.requests, []);
    const lat = await runInProcess(
      ['regions', 'create', 'ord', '--name', 'C', '--lat', 'abc', '--lon', '1'],
      { env: conn },
    );
    assert.equal(
      lat.stderr,
      "error: option '--lat <degrees>' argument 'abc' is invalid. latitude must be a number from -90 to 90\n",
    );
  });

  test('regions create sends the typed body and prints one line', async () => {
    const api = fakeApi({ 'POST /v1/regions': [201, region] });
    const r = await runInProcess(
      ['regions', 'create', 'ord', '--name', 'Chicago', '--lat', '41.9', '--lon', '-87.6'],
      {
        env: conn,
        fetch: api.fetch,
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'created region ord (Chicago, 41.9, -87.6)\n');
    assert.deepEqual(api.requests, [
      {
        method: 'POST',
        path: '/v1/regions',
        body: '{"code":"ord","name":"Chicago","lat":41.9,"lon":-87.6}',
        auth: 'Bearer tok',
      },
    ]);
  });

  test('--api/--token after the subcommand beat the environment', async () => {
    const api = fakeApi({ 'GET /v1/regions': { items: [region] } });
    const r = await runInProcess(['regions', 'list', '--api', 'http://flag.test', '--token', 'flagtok'], {
      env: conn,
      fetch: api.fetch,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(api.requests[0]?.auth, 'Bearer flagtok');
    assert.equal(r.stdout, 'CODE  NAME     LAT   LON\nord   Chicago  41.9  -87.6\n');
  });

  test('daemons refuse a token on their command line; the config of `join` is named when flags are missing', async () => {
    for (const argv of [
      ['agent', '--host', 'h1', '--region', 'ord', '--endpoint', '198.18.1.1:51820', '--token', 'sixpn_x'],
      [
        'gateway',
        '--name',
        'g1',
        '--region',
        'ord',
        '--endpoint',
        '198.18.1.1:51820',
        '--peer-endpoint',
        'g:51821',
        '--token',
        'sixpn_x',
      ],
      ['dns', '--listen', '127.0.0.1:0', '--token', 'sixpn_x'],
    ]) {
      const r = await runInProcess(argv, { env: conn });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /takes no --token on its command line/);
      assert.doesNotMatch(r.stderr, /sixpn_x/);
    }
    const none = await runInProcess(['agent', '--config-dir', '/nonexistent/sixpn'], { env: conn });
    assert.equal(none.code, 5, none.stderr);
    assert.match(
      none.stderr,
      /cannot read \/nonexistent\/sixpn\/agent\.toml \(ENOENT\): join first with `sixpn agent join URL`/,
    );
  });

  test('list --json prints the API objects as a JSON array', async () => {
    const api = fakeApi({ 'GET /v1/instances': { items: [instance] } });
    const r = await runInProcess(['instances', 'list', '--json', '--app', 'web'], {
      env: conn,
      fetch: api.fetch,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [instance]);
    assert.equal(api.requests[0]?.path, '/v1/instances?app=web');
  });

  test('show prints key: value lines', async () => {
    const api = fakeApi({ 'GET /v1/instances/0a7b007d': instance, 'GET /v1/checks': { items: [] } });
    const r = await runInProcess(['instances', 'show', '0A7B007D'], { env: conn, fetch: api.fetch });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^id: {10}0a7b007d\n/);
    assert.match(r.stdout, /\naddress: {5}fdaa:0:18:0:7:a7b:7d:2\n/);
  });

  test('server errors: the server message, the exit code of its code', async () => {
    const rows: [number, string, number][] = [
      [404, 'not_found', 4],
      [409, 'already_exists', 5],
      [401, 'unauthenticated', 3],
      [403, 'permission_denied', 3],
      [400, 'invalid_argument', 2],
      [503, 'unavailable', 8],
    ];
    for (const [status, code, exit] of rows) {
      const api = fakeApi({ 'GET /v1/orgs/x': [status, { error: { code, message: `${code} happened` } }] });
      const r = await runInProcess(['orgs', 'show', 'x'], { env: conn, fetch: api.fetch });
      assert.equal(r.code, exit, code);
      assert.equal(r.stderr, `error: ${code} happened\n`);
    }
  });

  test('an unexpected error is one line plus a hint; the stack only with SIXPN_LOG=debug', () => {
    let err = '';
    const io = (env: Record<string, string>) => ({
      stdout: () => undefined,
      stderr: (t: string) => {
        err += t;
      },
      env,
      cwd: '/',
      home: '/',
      readStdin: async () => undefined,
      promptSecret: async () => undefined,
    });
    assert.equal(reportError(new TypeError('x is not a function'), new CliContext(io({}))), 1);
    assert.equal(
      err,
      'error: x is not a function\nhint: this looks like a bug in sixpn; run again with SIXPN_LOG=debug for details\n',
    );
    err = '';
    assert.equal(reportError(new SixpnError('not_found', "app 'web' not found"), new CliContext(io({}))), 4);
    assert.equal(err, "error: app 'web' not found\n");
    err = '';
    reportError(new Error('boom'), new CliContext(io({ SIXPN_LOG: 'debug' })));
    assert.match(err, /^error: boom\nError: boom\n {4}at /);
  });

  describe('the org a command acts in', () => {
    test('--org wins and asks nothing else', async () => {
      const api = fakeApi({ 'GET /v1/orgs/globex/apps': { items: [] } });
      const r = await runInProcess(['apps', 'list', '-o', 'globex'], { env: conn, fetch: api.fetch });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(
        api.requests.map((q) => q.path),
        ['/v1/orgs/globex/apps'],
      );
    });
    test("then an org token's org (whoami)", async () => {
      const api = fakeApi({ 'GET /v1/whoami': whoami('acme'), 'GET /v1/orgs/acme/apps': { items: [app] } });
      const r = await runInProcess(['apps', 'list'], { env: conn, fetch: api.fetch });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(
        api.requests.map((q) => q.path),
        ['/v1/whoami', '/v1/orgs/acme/apps'],
      );
      assert.equal(
        r.stdout,
        'NAME  ORG   NETWORK  PRIVATE NETWORK  SERVICE ADDRESS\nweb   acme  default  yes              -\n',
      );
    });
    test('then org in sixpn.toml', async () => {
      const cwd = join(tmp, 'toml-org');
      await mkdir(cwd);
      await writeFile(join(cwd, 'sixpn.toml'), 'app = "web"\norg = "initech"\n');
      const api = fakeApi({ 'GET /v1/whoami': whoami(null), 'GET /v1/orgs/initech/apps': { items: [] } });
      const r = await runInProcess(['apps', 'list'], { env: conn, cwd, fetch: api.fetch });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(
        api.requests.map((q) => q.path),
        ['/v1/whoami', '/v1/orgs/initech/apps'],
      );
    });
    test('else a clear error', async () => {
      const api = fakeApi({ 'GET /v1/whoami': whoami(null) });
      const r = await runInProcess(['apps', 'list'], { env: conn, fetch: api.fetch });
      assert.equal(r.code, 2);
      assert.equal(
        r.stderr,
        'error: no org given: pass --org ORG, use an org token, or set org = "…" in sixpn.toml\n',
      );
    });
  });

  test('hosts create prints the token once; --json gives {host, token}', async () => {
    const host = {
      id: 'h',
      name: 'h1',
      region: 'ord',
      role: 'host',
      num: 7,
      endpoint: null,
      mesh_key: null,
      peer_key: null,
      peer_endpoint: null,
      created_at: T,
      registered_at: null,
    };
    const api = fakeApi({ 'POST /v1/hosts': [201, { host, token: 'sixpn_secret' }] });
    const r = await runInProcess(['hosts', 'create', 'h1', '--region', 'ord'], {
      env: conn,
      fetch: api.fetch,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.match(/sixpn_secret/g)?.length, 1);
    assert.match(
      r.stdout,
      /^created host h1 in ord \(host id 7\)\nhost token \(shown once\): sixpn_secret\n/,
    );
    const j = await runInProcess(['hosts', 'create', 'h1', '--region', 'ord', '--json'], {
      env: conn,
      fetch: api.fetch,
    });
    assert.deepEqual(JSON.parse(j.stdout), { host, token: 'sixpn_secret' });
  });

  test('tokens create --kind peer --expires 24h', async () => {
    const token = {
      id: 't1',
      kind: 'peer',
      name: 'ci',
      org: 'acme',
      network: null,
      host: null,
      expires_at: T,
      created_at: T,
    };
    const api = fakeApi({ 'POST /v1/tokens': [201, { token, secret: 'sixpn_peer' }] });
    const r = await runInProcess(
      ['tokens', 'create', 'ci', '--kind', 'peer', '--expires', '24h', '-o', 'acme'],
      { env: conn, fetch: api.fetch },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(api.requests[0]?.body, '{"kind":"peer","name":"ci","org":"acme","expires_in":"24h"}');
    assert.equal(
      r.stdout,
      `created peer token ci (id t1) for org acme, expires ${T}\ntoken (shown once): sixpn_peer\n`,
    );
  });

  describe('login', () => {
    test('token from stdin, checked with whoami, saved 0600 with its org', async () => {
      const path = join(tmp, 'login', 'config.json');
      const api = fakeApi({ 'GET /v1/whoami': whoami('acme') });
      const r = await runInProcess(['login', '--api', 'http://cp.test'], {
        env: { SIXPN_CONFIG: path },
        stdin: 'sixpn_tok\n',
        fetch: api.fetch,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(api.requests[0]?.auth, 'Bearer sixpn_tok');
      assert.equal(r.stdout, `logged in to http://cp.test with org token 'n' (org acme); saved to ${path}\n`);
      assert.equal((await stat(path)).mode & 0o777, 0o600);
      assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), {
        api: 'http://cp.test',
        token: 'sixpn_tok',
        org: 'acme',
        kind: 'org',
        name: 'n',
      });
      // later commands use it, and its org without asking whoami again
      const api2 = fakeApi({ 'GET /v1/orgs/acme/apps': { items: [] } });
      const l = await runInProcess(['apps', 'list'], { env: { SIXPN_CONFIG: path }, fetch: api2.fetch });
      assert.equal(l.code, 0, l.stderr);
      assert.deepEqual(api2.requests, [
        { method: 'GET', path: '/v1/orgs/acme/apps', body: '', auth: 'Bearer sixpn_tok' },
      ]);
    });
    test('a rejected token writes nothing', async () => {
      const path = join(tmp, 'login-bad', 'config.json');
      const api = fakeApi({
        'GET /v1/whoami': [401, { error: { code: 'unauthenticated', message: 'unknown token' } }],
      });
      const r = await runInProcess(['login', '--token', 'nope'], {
        env: { SIXPN_CONFIG: path },
        fetch: api.fetch,
      });
      assert.equal(r.code, 3);
      assert.equal(
        r.stderr,
        'error: the control plane at http://127.0.0.1:4280 does not accept this token: unknown token\n',
      );
      await assert.rejects(stat(path), { code: 'ENOENT' });
    });
    test('no token anywhere', async () => {
      const r = await runInProcess(['login'], { env: { SIXPN_CONFIG: join(tmp, 'x.json') }, stdin: '' });
      assert.equal(r.code, 2);
      assert.match(
        r.stderr,
        /^error: no token given: pass --token TOKEN, pipe it on stdin, or type it when asked\n$/,
      );
    });
  });
});
