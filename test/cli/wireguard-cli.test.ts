// `sixpn wireguard …` in-process against the real control-plane API (no port): the file it writes, region choice,
// never overwriting, stdout and QR output, list/status/remove, and what a peer-only token may and may not do.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runInProcess } from '../../src/cli/test-support.ts';
import { defaultConfigFile } from '../../src/cli/wireguard/peer-config.ts';
import { ApiClient } from '../../src/client/api-client.ts';
import { type TestApi, testApi } from '../../src/control/api/test-support.ts';
import { generateKeyPair, publicKeyOf } from '../../src/core/wg/keys.ts';
import { parseWgQuick } from '../../src/core/wg/wg-quick.ts';

describe('sixpn wireguard against the real API', { timeout: 60_000 }, () => {
  let t: TestApi;
  let dir: string;
  let admin: ApiClient;
  const gatewayKeys: Record<string, string> = {};
  const gatewayTokens: Record<string, string> = {};
  const cli = (argv: string[], env: Record<string, string> = {}, token?: string) =>
    runInProcess(argv, {
      env: { SIXPN_API_URL: 'http://cp.test', SIXPN_TOKEN: token ?? t.admin, USER: 'ana', ...env },
      cwd: dir,
      home: dir,
      fetch: (input, init) => t.raw(input, init),
    });

  before(async () => {
    t = await testApi();
    dir = await mkdtemp(join(tmpdir(), 'sixpn-wgcli-'));
    admin = new ApiClient({
      baseUrl: 'http://cp.test',
      token: t.admin,
      fetch: (input, init) => t.raw(input, init),
    });
    await admin.createOrg('acme');
    await admin.createOrg('globex');
    for (const [code, lat, lon] of [
      ['ord', 41.98, -87.9],
      ['nrt', 35.77, 140.39],
      ['ams', 52.31, 4.77],
      ['iad', 38.94, -77.46],
    ] as const) {
      await admin.createRegion({ code, name: code, lat, lon });
    }
    for (const [name, region, ip] of [
      ['ord-gw1', 'ord', '198.18.1.4'],
      ['nrt-gw1', 'nrt', '198.18.1.5'],
    ] as const) {
      const { token } = await admin.createGateway({ name, region });
      gatewayTokens[name] = token;
      const gw = new ApiClient({ baseUrl: 'http://cp.test', token, fetch: (i, n) => t.raw(i, n) });
      const peerKey = generateKeyPair().publicKey;
      gatewayKeys[name] = peerKey;
      await gw.registerGateway(name, {
        endpoint: `${ip}:51820`,
        mesh_key: generateKeyPair().publicKey,
        peer_key: peerKey,
        peer_endpoint: `${ip}:51821`,
      });
    }
  });
  after(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('create writes a 0600 wg-quick file whose key pair matches the registered public key', async () => {
    const r = await cli(['wireguard', 'create', 'acme', 'ord', 'laptop', 'laptop.conf']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /peer laptop of acme\/default: address fdaa:\S+, gateway ord-gw1 in ord \(as asked\)/,
    );
    assert.match(
      r.stdout,
      /wrote laptop\.conf \(mode 0600\); bring it up with: wg-quick up \/.*laptop\.conf/,
    );
    const path = join(dir, 'laptop.conf');
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const cfg = parseWgQuick(await readFile(path, 'utf8'));
    const peer = await admin.getPeer('acme', 'laptop');
    const net = await admin.getNetwork('acme', 'default');
    assert.equal(publicKeyOf(cfg.interface.privateKey), peer.public_key, 'the file holds the private key');
    assert.deepEqual(cfg.interface.address, [`${peer.address}/120`]);
    assert.deepEqual(cfg.interface.dns, [net.dns]);
    assert.deepEqual(cfg.peers[0]?.allowedIps, [net.prefix]);
    assert.equal(cfg.peers[0]?.publicKey, gatewayKeys['ord-gw1']);
    assert.equal(cfg.peers[0]?.endpoint, '198.18.1.4:51821');
    assert.equal(cfg.peers[0]?.persistentKeepalive, 15);
  });

  test('an existing file is never overwritten, and then no peer is created', async () => {
    await writeFile(join(dir, 'taken.conf'), 'mine');
    const r = await cli(['wireguard', 'create', 'acme', 'ord', 'other', 'taken.conf']);
    assert.equal(r.code, 5);
    assert.match(r.stderr, /taken\.conf already exists; sixpn never overwrites/);
    assert.equal(await readFile(join(dir, 'taken.conf'), 'utf8'), 'mine');
    await assert.rejects(admin.getPeer('acme', 'other'), { code: 'not_found' });
  });

  test('a failed create removes the file it reserved', async () => {
    const r = await cli(['wireguard', 'create', 'acme', 'ord', 'laptop', 'dup.conf']);
    assert.equal(r.code, 5, 'laptop exists already');
    await assert.rejects(stat(join(dir, 'dup.conf')), { code: 'ENOENT' });
  });

  test('a region without a gateway names the regions that have one', async () => {
    const r = await cli(['wireguard', 'create', 'acme', 'ams', 'x', 'x.conf']);
    assert.equal(r.code, 5);
    assert.equal(
      r.stderr,
      "error: region 'ams' has no WireGuard gateway; regions with a gateway: nrt, ord\n",
    );
    const env = await cli(['wireguard', 'create', 'acme'], { SIXPN_WG_REGION: 'ams' });
    assert.match(env.stderr, /region 'ams' has no WireGuard gateway; regions with a gateway: nrt, ord/);
  });

  test('region: SIXPN_WG_REGION, else nearest to SIXPN_REGION; default name and file', async () => {
    const near = await cli(['wireguard', 'create', 'acme'], { SIXPN_REGION: 'iad' });
    assert.equal(near.code, 0, near.stderr);
    assert.match(near.stdout, /gateway ord-gw1 in ord \(nearest to iad \(945 km\)\)/);
    const name = /peer (ana-[a-z0-9-]+-[0-9a-f]{4}) of/.exec(near.stdout)?.[1];
    assert.ok(name, near.stdout);
    assert.equal((await stat(join(dir, defaultConfigFile(name)))).mode & 0o777, 0o600);
    const env = await cli(['wireguard', 'create', 'acme', '', 'tokyo', 'tokyo.conf'], {
      SIXPN_WG_REGION: 'nrt',
    });
    assert.equal(env.code, 2, 'an empty region argument is a usage error');
    const viaEnv = await cli(['wireguard', 'create', 'acme'], {
      SIXPN_WG_REGION: 'nrt',
      SIXPN_REGION: 'iad',
    });
    assert.match(viaEnv.stdout, /gateway nrt-gw1 in nrt \(from SIXPN_WG_REGION\)/);
    const none = await cli(['wireguard', 'create', 'acme']);
    assert.equal(none.code, 2);
    assert.match(
      none.stderr,
      /no SIXPN_REGION is set; pass REGION \(or set SIXPN_WG_REGION\), one of: nrt, ord/,
    );
  });

  test("'stdout' prints the config alone on stdout; --qr adds a QR code", async () => {
    const r = await cli(['wireguard', 'create', 'acme', 'nrt', 'ci-1', 'stdout', '--qr']);
    assert.equal(r.code, 0, r.stderr);
    const cfg = parseWgQuick(r.stdout);
    assert.equal(cfg.peers[0]?.endpoint, '198.18.1.5:51821');
    assert.match(r.stderr, /peer ci-1 of acme\/default/);
    assert.match(r.stderr, /[▀▄█]/, 'the QR code goes to stderr when stdout is the config');
    const q = await cli(['wireguard', 'create', 'acme', 'nrt', 'phone', 'phone.conf', '--qr']);
    assert.equal(q.code, 0, q.stderr);
    assert.ok(q.stdout.split('\n').filter((l) => /[▀▄█]/.test(l)).length > 20, 'a QR code of many lines');
  });

  test('--network joins another network of the org: its /48 and its DNS address', async () => {
    const blue = await admin.createNetwork('acme', 'blue');
    const r = await cli(['wireguard', 'create', 'acme', 'ord', 'blue-1', 'stdout', '--network', 'blue']);
    assert.equal(r.code, 0, r.stderr);
    const cfg = parseWgQuick(r.stdout);
    assert.deepEqual(cfg.peers[0]?.allowedIps, [blue.prefix]);
    assert.deepEqual(cfg.interface.dns, [blue.dns]);
    assert.match(r.stderr, /peer blue-1 of acme\/blue/);
    const bad = await cli(['wireguard', 'create', 'acme', 'ord', 'x', 'stdout', '--network', 'nope']);
    assert.equal(bad.code, 4);
  });

  test('list, status, remove', async () => {
    const list = await cli(['wireguard', 'list', 'acme', '--json']);
    const names = (JSON.parse(list.stdout) as { name: string }[]).map((p) => p.name);
    assert.ok(names.includes('laptop') && names.includes('ci-1'), names.join());
    const table = await cli(['wireguard', 'list', 'acme']);
    assert.match(table.stdout, /^NAME +NETWORK +REGION +GATEWAY +ADDRESS +CREATED\n/);
    // an admin token and no org: every org's peers, with an ORG column (and the same rows as JSON)
    const every = await cli(['wireguard', 'list']);
    assert.equal(every.code, 0, every.stderr);
    assert.match(every.stdout, /^ORG +NAME +NETWORK +REGION +GATEWAY +ADDRESS +CREATED\n/);
    assert.match(every.stdout, /^acme +laptop +default +ord +ord-gw1 /m);
    const everyJson = JSON.parse((await cli(['wireguard', 'list', '--json'])).stdout) as { org: string }[];
    assert.ok(everyJson.length >= names.length && everyJson.every((p) => typeof p.org === 'string'));

    const before = await cli(['wireguard', 'status', 'acme', 'laptop']);
    assert.equal(before.code, 0, before.stderr);
    assert.match(before.stdout, /gateway: +ord-gw1 \(ord\)/);
    assert.match(before.stdout, /last handshake: +never/);

    const peer = await admin.getPeer('acme', 'laptop');
    const gw = new ApiClient({
      baseUrl: 'http://cp.test',
      token: gatewayTokens['ord-gw1'] ?? '',
      fetch: (i, n) => t.raw(i, n),
    });
    const at = new Date(Date.now() - 5_000).toISOString();
    await gw.reportPeerStatus('ord-gw1', [
      {
        peer: peer.public_key,
        endpoint: '198.18.0.3:40000',
        last_handshake: at,
        rx_bytes: 2048,
        tx_bytes: 100,
        installed_at: at,
      },
    ]);
    const st = await cli(['wireguard', 'status', 'laptop'], { SIXPN_REGION: 'ord' }, undefined);
    assert.equal(st.code, 2, 'one argument is the name, and an admin token has no org');
    const s = await cli(['wireguard', 'status', 'acme', 'laptop', '--json']);
    const js = JSON.parse(s.stdout);
    assert.equal(js.rx_bytes, 2048);
    assert.equal(js.endpoint, '198.18.0.3:40000');
    const human = await cli(['wireguard', 'status', 'acme', 'laptop']);
    assert.match(human.stdout, /endpoint: +198\.18\.0\.3:40000/);
    assert.match(human.stdout, /received: +2\.0 KiB \(2048 bytes\)/);
    assert.match(human.stdout, /last handshake: +\S+ \(\d+ s ago\)/);

    const rm_ = await cli(['wireguard', 'remove', 'acme', 'laptop']);
    assert.equal(rm_.code, 0, rm_.stderr);
    assert.equal(rm_.stdout, 'removed peer laptop of org acme\n');
    assert.equal((await cli(['wireguard', 'status', 'acme', 'laptop'])).code, 4);
  });

  test('a peer-only token creates and removes peers of its org, and nothing else', async () => {
    const made = await cli(['wireguard', 'token', 'create', 'acme', 'ci', '--expires', '1h', '--json']);
    assert.equal(made.code, 0, made.stderr);
    const { secret, token } = JSON.parse(made.stdout) as {
      secret: string;
      token: { id: string; kind: string };
    };
    assert.equal(token.kind, 'peer');
    const listed = await cli(['wireguard', 'token', 'list', 'acme', '--json']);
    assert.ok((JSON.parse(listed.stdout) as { id: string }[]).some((x) => x.id === token.id));

    const create = await cli(['wireguard', 'create', 'acme', 'ord', 'job-1', 'stdout'], {}, secret);
    assert.equal(create.code, 0, create.stderr);
    const create2 = await cli(['wireguard', 'create', 'ord', 'job-2', 'stdout'], {}, secret);
    assert.equal(
      create2.code,
      2,
      'positional order is fixed: ord is taken as the org… and job-2 is no region',
    );
    const own = await cli(['wireguard', 'remove', 'job-1'], {}, secret);
    assert.equal(own.code, 0, `the org comes from the token: ${own.stderr}`);

    const other = await cli(['wireguard', 'create', 'globex', 'ord', 'x', 'stdout'], {}, secret);
    assert.equal(other.code, 4, 'another org is not found');
    for (const argv of [
      ['orgs', 'list'],
      ['apps', 'list', '-o', 'acme'],
      ['tokens', 'create', 'more', '--kind', 'peer', '-o', 'acme'],
      ['wireguard', 'token', 'list', 'acme'],
    ]) {
      const r = await cli(argv, {}, secret);
      assert.ok(r.code === 3 || r.code === 4, `${argv.join(' ')} → ${r.code} ${r.stderr}`);
    }
    assert.equal((await cli(['orgs', 'show', 'globex'], {}, secret)).code, 3);

    t.now.value = new Date(Date.now() + 2 * 3600_000);
    try {
      const expired = await cli(['wireguard', 'create', 'acme', 'ord', 'late', 'stdout'], {}, secret);
      assert.equal(expired.code, 3);
      assert.match(expired.stderr, /expired/);
    } finally {
      t.now.value = new Date();
    }
    const del = await cli(['wireguard', 'token', 'delete', token.id]);
    assert.equal(del.code, 0, del.stderr);
    assert.equal((await cli(['wireguard', 'create', 'acme', 'ord', 'gone', 'stdout'], {}, secret)).code, 3);
  });
});
