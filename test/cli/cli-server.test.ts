// End to end through the real executable: `sixpn server` on SQLite in a child process, then the CLI creates an
// org, a region, a host, a private-network app (from sixpn.toml) and two instances whose addresses follow the
// address plan; bad input gives one error line, a non-zero exit, and changes nothing.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ApiClient } from '../../src/client/api-client.ts';
import {
  asHostId,
  asNetworkId,
  classify,
  contains,
  defaultPlan,
  hostPrefix,
  networkPrefix,
  parseCidr,
  parseIPv6,
} from '../../src/core/address.ts';
import { cleanEnv } from '../support/child-process.ts';
import { runSixpn, type ServerProcess, startServer } from './helpers.ts';

describe('sixpn server + CLI', { timeout: 120_000 }, () => {
  let dir: string;
  let server: ServerProcess;
  let url: string;
  let admin: string;
  let env: NodeJS.ProcessEnv;

  const sixpn = (args: string[], opts: { cwd?: string; stdin?: string; env?: NodeJS.ProcessEnv } = {}) =>
    runSixpn(args, {
      cwd: opts.cwd ?? dir,
      env: opts.env ?? env,
      ...(opts.stdin ? { stdin: opts.stdin } : {}),
    });

  /** Runs a command that must succeed; returns stdout. */
  const ok = async (args: string[], opts?: { cwd?: string }) => {
    const r = await sixpn(args, opts);
    assert.equal(r.code, 0, `sixpn ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r.stdout;
  };
  const okJson = async (args: string[], opts?: { cwd?: string }) =>
    JSON.parse(await ok([...args, '--json'], opts));

  /** Runs a command that must fail with one clear line and no stack trace. */
  const fails = async (args: string[], code: number, msg: RegExp, opts?: { cwd?: string }) => {
    const r = await sixpn(args, opts);
    assert.equal(r.code, code, `sixpn ${args.join(' ')}: exit ${r.code}, stderr ${r.stderr}`);
    assert.equal(r.stdout, '', `sixpn ${args.join(' ')} printed to stdout`);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `one line expected, got: ${r.stderr}`);
    assert.match(lines[0] ?? '', /^error: /);
    assert.match(lines[0] ?? '', msg);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sixpn-cli-e2e-'));
    server = await startServer(dir);
    url = server.url;
    admin = server.admin;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    env = cleanEnv({ HOME: dir, SIXPN_API_URL: url, SIXPN_TOKEN: admin });
  });

  after(async () => {
    await server.kill();
    await rm(dir, { recursive: true, force: true });
  });

  test('org, region, host, private app from sixpn.toml, two instances with plan addresses', async () => {
    assert.match(await ok(['orgs', 'create', 'acme']), /^created org acme/);
    assert.match(
      await ok(['regions', 'create', 'ord', '--name', 'Chicago', '--lat', '41.9', '--lon', '-87.6']),
      /ord/,
    );
    const host = await okJson(['hosts', 'create', 'h1', '--region', 'ord']);
    assert.equal(host.host.name, 'h1');
    assert.match(host.token, /\S{20,}/);

    const appDir = join(dir, 'web');
    await mkdir(appDir);
    await writeFile(
      join(appDir, 'sixpn.toml'),
      'app = "web"\norg = "acme"\n\n[experimental]\nprivate_network = true\n',
    );
    const app = await okJson(['apps', 'create'], { cwd: appDir });
    assert.equal(app.name, 'web');
    assert.equal(app.private_network, true);

    assert.match(
      await ok(['instances', 'create', '--app', 'web', '--region', 'ord', '-o', 'acme']),
      /^created instance [0-9a-f]{8} of app web/,
    );
    assert.match(await ok(['instances', 'create', '--region', 'ord'], { cwd: appDir }), /address fdaa:/);

    const rows = await okJson(['instances', 'list', '-o', 'acme']);
    assert.ok(Array.isArray(rows));
    assert.equal(rows.length, 2);
    const net = await okJson(['networks', 'show', 'default', '-o', 'acme']);
    const h1 = await okJson(['hosts', 'show', 'h1']);
    const net48 = parseCidr(net.prefix);
    assert.equal(net48.length, 48);
    assert.equal(net48.base, networkPrefix(defaultPlan, asNetworkId(net.num)).base);
    const host80 = hostPrefix(defaultPlan, asNetworkId(net.num), asHostId(h1.num));
    for (const row of rows) {
      for (const f of ['id', 'app', 'org', 'network', 'region', 'host', 'state', 'address'])
        assert.ok(f in row, f);
      assert.deepEqual(
        [row.app, row.org, row.network, row.region, row.host, row.state],
        ['web', 'acme', 'default', 'ord', 'h1', 'started'],
      );
      assert.match(row.address, /:2$/);
      const addr = parseIPv6(row.address);
      assert.ok(contains(net48, addr), `${row.address} in ${net.prefix}`);
      assert.ok(contains(host80, addr), `${row.address} in the host's /80`);
      assert.equal(
        classify(defaultPlan, addr)?.instance,
        Number.parseInt(row.id, 16),
        'the id is the instance number',
      );
    }
    const human = await ok(['instances', 'list', '-o', 'acme']);
    assert.match(human.split('\n')[0] ?? '', /^ID\s+APP\s+ORG\s+REGION\s+HOST\s+STATE\s+ADDRESS\s+CHECKS$/);
    assert.equal(human.trimEnd().split('\n').length, 3);
  });

  test('login saves the token; later commands need no environment', async () => {
    const home = join(dir, 'home');
    const loginEnv = cleanEnv({ HOME: home });
    const r = await sixpn(['login', '--api', url], { env: loginEnv, stdin: `${admin}\n` });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^logged in to ${url} with admin token`));
    const list = await sixpn(['orgs', 'list', '--json'], { env: loginEnv });
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(
      JSON.parse(list.stdout).map((o: { name: string }) => o.name),
      ['acme'],
    );
  });

  test('bad input: one line, non-zero exit, nothing changed', async () => {
    const client = new ApiClient({ baseUrl: url, token: admin });
    const before = await client.snapshot();
    const instancesBefore = await ok(['instances', 'list', '--json']);

    const badToml = join(dir, 'bad-toml');
    await mkdir(badToml);
    await writeFile(join(badToml, 'sixpn.toml'), 'app = "api"\norg = \n');

    await fails(
      ['regions', 'create', 'nrt', '--name', 'Tokyo', '--lat', 'abc', '--lon', '139.7'],
      2,
      /--lat.*'abc'.*latitude must be a number/,
    );
    await fails(
      ['regions', 'create', 'nrt', '--name', 'Tokyo', '--lat', '35.7', '--lon', '999'],
      2,
      /--lon.*longitude must be a number from -180 to 180/,
    );
    await fails(
      ['regions', 'create', 'NRT', '--name', 'Tokyo', '--lat', '35.7', '--lon', '139.7'],
      2,
      /region 'NRT' is not a region code/,
    );
    await fails(['regions', 'create', 'nrt', '--lat', '35.7', '--lon', '139.7'], 2, /--name/);
    await fails(['apps', 'create', 'Web_1', '-o', 'acme'], 2, /app name 'Web_1' is not a valid name/);
    await fails(['apps', 'create'], 2, /sixpn\.toml:2:7: TOML syntax error/, { cwd: badToml });
    await fails(['apps', 'create', 'api', '-o', 'nosuch'], 4, /org 'nosuch' not found/);
    await fails(['instances', 'create', '--app', 'web', '--region', 'ord', '-o', 'nosuch'], 4, /nosuch/);
    await fails(['instances', 'create', '--app', 'web', '--region', 'nrt', '-o', 'acme'], 4, /nrt/);
    await fails(['instances', 'create', '--app', 'nope', '--region', 'ord', '-o', 'acme'], 4, /nope/);
    await fails(['orgs', 'create', 'acme'], 5, /acme/);
    await fails(['instances', 'show', 'zzzz'], 2, /instance id 'zzzz' must be 8 hex digits/);
    await fails(['orgs', 'list', '--token', 'sixpn_wrong'], 3, /./);
    await fails(
      ['orgs', 'list', '--api', 'http://127.0.0.1:1'],
      8,
      /^error: cannot reach the control plane at http:\/\/127\.0\.0\.1:1: .*is `sixpn server` running\?$/,
    );

    assert.equal((await client.snapshot()).revision, before.revision, 'no change was committed');
    assert.equal(await ok(['instances', 'list', '--json']), instancesBefore);
    assert.deepEqual(
      (await client.listRegions()).map((r) => r.code),
      ['ord'],
    );
    assert.deepEqual(
      (await client.listApps('acme')).map((a) => a.name),
      ['web'],
    );
  });

  test('SIGTERM stops the server cleanly', async () => {
    const child = server.child;
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    assert.ok(child.pid);
    process.kill(child.pid, 'SIGTERM');
    assert.equal(await exited, 0, server.stderr());
    assert.match(server.stderr(), /sixpn server: stopped/);
  });
});
