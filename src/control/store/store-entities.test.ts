// Store suite, part 1: create / list / get / delete of every entity, validation, duplicates, not-found and
// in-use errors, on SQLite (memory and file) and PostgreSQL.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachBackend } from '../../../test/support/postgres.ts';
import { deterministic, rejectsWith, rejectsWithoutWrite, seedFleet, wgKey } from './test-fixtures.ts';

forEachBackend('store entities', (b) => {
  test('orgs: create makes a default network; list, get, delete', async () => {
    const s = await b.open(deterministic());
    const org = await s.createOrg('acme');
    assert.match(org.id, /^o_[0-9a-f]{12}$/);
    assert.equal(org.created_at, '2030-01-01T00:00:00.000Z');
    await s.createOrg('beta');
    assert.deepEqual(
      (await s.listOrgs()).map((o) => o.name),
      ['acme', 'beta'],
    );
    assert.deepEqual(await s.listOrgs({ org: 'beta' }), [await s.getOrg('beta')]);
    assert.deepEqual(await s.getOrg('acme'), org);
    const nets = await s.listNetworks('acme');
    assert.deepEqual(
      nets.map((n) => [n.org, n.name, n.num, n.prefix, n.dns]),
      [['acme', 'default', 1, 'fdaa:0:1::/48', 'fdaa:0:1::3']],
    );
    await s.deleteOrg('beta');
    await rejectsWith(s.getOrg('beta'), 'not_found', /org 'beta' not found/);
    assert.deepEqual(
      (await s.listNetworks()).map((n) => n.org),
      ['acme'],
    );
  });

  test('networks: create, list, get, delete; prefix and dns follow the plan', async () => {
    const s = await b.open({ ...deterministic(), plan: { prefix: 0xfd00 } });
    await s.createOrg('acme');
    const staging = await s.createNetwork('acme', 'staging');
    assert.match(staging.id, /^n_[0-9a-f]{12}$/);
    assert.equal(staging.num, 2);
    assert.equal(staging.prefix, 'fd00:0:2::/48');
    assert.equal(staging.dns, 'fd00:0:2::3');
    assert.deepEqual(await s.getNetwork('acme', 'staging'), staging);
    assert.deepEqual(
      (await s.listNetworks('acme')).map((n) => n.name),
      ['default', 'staging'],
    );
    await s.deleteNetwork('acme', 'staging');
    await rejectsWith(s.getNetwork('acme', 'staging'), 'not_found', /network 'acme\/staging' not found/);
    await rejectsWithoutWrite(s, () => s.deleteNetwork('acme', 'default'), 'failed_precondition', /default/);
  });

  test('regions and hosts: create, list, get, register (idempotent), delete', async () => {
    const s = await b.open(deterministic());
    const ord = await s.createRegion({ code: 'ord', name: 'Chicago', lat: 41.98, lon: -87.9 });
    assert.deepEqual(await s.getRegion('ord'), ord);
    assert.deepEqual(await s.listRegions(), [ord]);
    const h = await s.createHost({ name: 'ord-1', region: 'ord', role: 'host' });
    const g = await s.createHost({ name: 'gw-1', region: 'ord', role: 'gateway' });
    assert.match(h.id, /^h_[0-9a-f]{12}$/);
    assert.deepEqual([h.num, g.num], [1, 2]);
    assert.equal(h.endpoint, null);
    assert.deepEqual(await s.listHosts('host'), [h]);
    assert.deepEqual(await s.listHosts('gateway'), [g]);
    assert.deepEqual(
      (await s.listHosts()).map((x) => x.name),
      ['gw-1', 'ord-1'],
    );
    const reg = { endpoint: '198.18.0.2:51820', mesh_key: wgKey(1) };
    const r1 = await s.registerHost('ord-1', reg);
    assert.equal(r1.endpoint, '198.18.0.2:51820');
    assert.equal(r1.mesh_key, wgKey(1));
    assert.ok(r1.registered_at);
    const head = await s.headRevision();
    assert.deepEqual(await s.registerHost('ord-1', reg), r1);
    assert.equal(await s.headRevision(), head, 'registering the same values writes no revision');
    const r2 = await s.registerHost('gw-1', {
      ...reg,
      peer_key: wgKey(2),
      peer_endpoint: 'gw.example.net:51820',
    });
    assert.equal(r2.peer_key, wgKey(2));
    assert.deepEqual(await s.getHost('gw-1'), r2);
    await rejectsWithoutWrite(s, () => s.deleteRegion('ord'), 'failed_precondition', /hosts gw-1, ord-1/);
    await s.deleteHost('gw-1');
    await s.deleteHost('ord-1');
    await s.deleteRegion('ord');
    assert.deepEqual(await s.listRegions(), []);
    await rejectsWith(s.getHost('ord-1'), 'not_found', /host 'ord-1'/);
  });

  test('apps: create in a network, list, get, delete', async () => {
    const s = await b.open(deterministic());
    await s.createOrg('acme');
    await s.createNetwork('acme', 'staging');
    const web = await s.createApp({ org: 'acme', name: 'web', private_network: true });
    const api = await s.createApp({ org: 'acme', name: 'api', network: 'staging', private_network: false });
    assert.match(web.id, /^a_[0-9a-f]{12}$/);
    assert.deepEqual([web.network, web.network_num, web.private_network], ['default', 1, true]);
    assert.deepEqual([api.network, api.network_num, api.private_network], ['staging', 2, false]);
    assert.deepEqual(await s.getApp('acme', 'web'), web);
    assert.deepEqual(await s.listApps('acme'), [api, web]);
    await rejectsWithoutWrite(s, () => s.deleteNetwork('acme', 'staging'), 'failed_precondition', /apps api/);
    await s.deleteApp('acme', 'api');
    await s.deleteNetwork('acme', 'staging');
    assert.deepEqual(await s.listApps(), [web]);
    await rejectsWithoutWrite(
      s,
      () => s.createApp({ org: 'acme', name: 'x', network: 'nope', private_network: true }),
      'not_found',
      /network 'acme\/nope'/,
    );
  });

  test('instances: create, list with filters, get, start/stop, delete', async () => {
    const s = await b.open(deterministic());
    await seedFleet(s);
    const a = await s.createInstance({ org: 'acme', app: 'web', region: 'ord' });
    const c = await s.createInstance({ org: 'acme', app: 'web', region: 'ams', state: 'stopped' });
    const d = await s.createInstance({ org: 'acme', app: 'batch', region: 'ord' });
    assert.match(a.id, /^[0-9a-f]{8}$/);
    assert.equal(a.state, 'started');
    assert.equal(c.state, 'stopped');
    assert.equal(d.address, null);
    assert.deepEqual(await s.getInstance(a.id), a);
    const ids = async (f: Parameters<typeof s.listInstances>[0]) =>
      (await s.listInstances(f)).map((i) => i.id).sort();
    assert.deepEqual(await ids({}), [a.id, c.id, d.id].sort());
    assert.deepEqual(await ids({ org: 'acme', app: 'web' }), [a.id, c.id].sort());
    assert.deepEqual(await ids({ region: 'ams' }), [c.id]);
    assert.deepEqual(await ids({ host: c.host }), [c.id]);
    const stopped = await s.setInstanceState(a.id, 'stopped');
    assert.equal(stopped.state, 'stopped');
    assert.notEqual(stopped.updated_at, a.updated_at);
    assert.deepEqual(await s.getInstance(a.id), stopped);
    await rejectsWithoutWrite(s, () => s.deleteHost(a.host), 'failed_precondition', new RegExp(a.id));
    await s.deleteInstance(a.id);
    await rejectsWith(s.getInstance(a.id), 'not_found', new RegExp(`instance '${a.id}'`));
    await s.deleteApp('acme', 'web');
    assert.deepEqual(await ids({}), [d.id]);
  });

  test('peers: create, list, get, delete; status reports upsert without revisions', async () => {
    const s = await b.open(deterministic());
    await seedFleet(s);
    const p = await s.createPeer({
      org: 'acme',
      network: 'default',
      name: 'Laptop',
      region: 'ord',
      public_key: wgKey(1),
    });
    assert.match(p.id, /^p_[0-9a-f]{12}$/);
    assert.equal(p.name, 'laptop');
    assert.equal(p.region, 'ord');
    assert.deepEqual(await s.getPeer('acme', 'LAPTOP'), p);
    assert.deepEqual(await s.listPeers({ org: 'acme' }), [p]);
    assert.deepEqual(await s.listPeers({ gateway: p.gateway }), [p]);
    const head = await s.headRevision();
    const seen = {
      endpoint: '203.0.113.9:40000',
      last_handshake: '2030-01-01T00:00:05Z',
      installed_at: null,
    };
    await s.reportPeerStatus(p.gateway, [
      { peer: p.public_key, ...seen, rx_bytes: 10, tx_bytes: 20 },
      {
        peer: 'p_unknown00000',
        endpoint: null,
        last_handshake: null,
        rx_bytes: 0,
        tx_bytes: 0,
        installed_at: null,
      },
    ]);
    await s.reportPeerStatus(p.gateway, [{ peer: p.id, ...seen, rx_bytes: 11, tx_bytes: 22 }]);
    const [st, ...rest] = await s.listPeerStatus('acme', 'laptop');
    assert.equal(rest.length, 0);
    assert.deepEqual(
      { ...st, reported_at: undefined },
      {
        peer: 'laptop',
        ...seen,
        last_handshake: '2030-01-01T00:00:05.000Z',
        rx_bytes: 11,
        tx_bytes: 22,
        reported_at: undefined,
      },
    );
    assert.equal(await s.headRevision(), head, 'status reports are not revisioned');
    await rejectsWithoutWrite(s, () => s.deleteHost(p.gateway), 'failed_precondition', /peers acme\/laptop/);
    await s.deletePeer('acme', 'laptop');
    assert.deepEqual(await s.listPeers(), []);
    assert.deepEqual(await s.listPeerStatus('acme'), []);
  });

  test('tokens: only the hash is stored, lists never show it, delete', async () => {
    const s = await b.open(deterministic());
    await seedFleet(s);
    const head = await s.headRevision();
    const admin = await s.createToken({ kind: 'admin', name: 'first admin' }, 'h'.repeat(64));
    const peer = await s.createToken(
      { kind: 'peer', name: 'ci', org: 'acme', network: 'default', expires_at: '2030-02-01T00:00:00Z' },
      'p'.repeat(64),
    );
    const host = await s.createToken({ kind: 'host', name: 'ord-1 agent', host: 'ord-1' }, 'o'.repeat(64));
    assert.match(admin.id, /^t_[0-9a-f]{12}$/);
    assert.equal(peer.expires_at, '2030-02-01T00:00:00.000Z');
    assert.equal(await s.headRevision(), head, 'tokens are not revisioned');
    const listed = await s.listTokens();
    assert.deepEqual(listed, [admin, peer, host]);
    for (const t of listed) assert.ok(!('hash' in t), 'listTokens must not return hashes');
    assert.deepEqual(await s.listTokens({ org: 'acme' }), [peer]);
    assert.deepEqual(await s.listTokens({ kind: 'host' }), [host]);
    assert.deepEqual(await s.getTokenByHash('p'.repeat(64)), { ...peer, hash: 'p'.repeat(64) });
    assert.equal(await s.getTokenByHash('x'.repeat(64)), undefined);
    await rejectsWith(
      s.createToken({ kind: 'org', name: 'x' }, 'q'.repeat(64)),
      'invalid_argument',
      /needs an org/,
    );
    await rejectsWith(
      s.createToken({ kind: 'gateway', name: 'x', host: 'ord-1' }, 'q'.repeat(64)),
      'failed_precondition',
      /is a host, not a gateway/,
    );
    await rejectsWith(s.createToken({ kind: 'admin', name: 'again' }, 'h'.repeat(64)), 'already_exists');
    await s.deleteToken(admin.id);
    await rejectsWith(s.deleteToken(admin.id), 'not_found', /token/);
    await s.deleteOrg('acme');
    assert.deepEqual(await s.listTokens(), [host], "an org's tokens go with it");
  });
});
