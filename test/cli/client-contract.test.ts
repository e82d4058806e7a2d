// The API client and the watch consumer against the real control-plane API in-process (app.request, no port):
// typed answers parse, errors keep the server's codes, and watchChanges resumes and resyncs on the real stream.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiClient } from '../../src/client/api-client.ts';
import type { WatchEvent } from '../../src/client/watch.ts';
import { type TestApi, testApi } from '../../src/control/api/test-support.ts';
import { SixpnError } from '../../src/core/errors.ts';

describe('client against the real API', { timeout: 30_000 }, () => {
  let t: TestApi;
  let client: ApiClient;
  before(async () => {
    t = await testApi();
    client = new ApiClient({
      baseUrl: 'http://cp.test',
      token: t.admin,
      fetch: (input, init) => t.raw(input, init),
    });
  });
  after(() => t.close());

  test('every typed call parses the real answers', async () => {
    assert.equal((await client.whoami()).kind, 'admin');
    await client.createOrg('acme');
    await client.createRegion({ code: 'ord', name: 'Chicago', lat: 41.9, lon: -87.6 });
    const { host, token } = await client.createHost({ name: 'h1', region: 'ord' });
    assert.equal(host.role, 'host');
    assert.ok(token.length > 20);
    const gw = await client.createGateway({ name: 'g1', region: 'ord' });
    assert.equal(gw.gateway.role, 'gateway');
    await client.createNetwork('acme', 'blue');
    assert.deepEqual((await client.listNetworks('acme')).map((n) => n.name).sort(), ['blue', 'default']);
    const app = await client.createApp('acme', { name: 'web', private_network: true });
    assert.equal(app.private_network, true);
    const inst = await client.createInstance('acme', 'web', { region: 'ord' });
    assert.match(inst.address ?? '', /:2$/);
    assert.equal((await client.stopInstance(inst.id)).state, 'stopped');
    assert.equal((await client.startInstance(inst.id)).state, 'started');
    assert.deepEqual(
      (await client.listInstances({ org: 'acme', app: 'web' })).map((i) => i.id),
      [inst.id],
    );
    const tok = await client.createToken({ kind: 'peer', name: 'ci', org: 'acme', expires_in: '24h' });
    assert.ok(tok.token.expires_at);
    assert.ok((await client.listTokens({ org: 'acme' })).some((x) => x.id === tok.token.id));
    await client.deleteToken(tok.token.id);
    const snap = await client.snapshot();
    assert.deepEqual(
      snap.orgs.map((o) => o.name),
      ['acme'],
    );
    assert.equal(snap.instances.length, 1);
  });

  const failures: [string, () => Promise<unknown>, string][] = [
    ['unknown org', () => client.getOrg('nosuch'), 'not_found'],
    ['duplicate', () => client.createOrg('acme'), 'already_exists'],
    ['bad name', () => client.createOrg('Bad_Name'), 'invalid_argument'],
    [
      'bad token',
      () => new ApiClient({ baseUrl: 'http://cp.test', token: 'x', fetch: (i, n) => t.raw(i, n) }).listOrgs(),
      'unauthenticated',
    ],
  ];
  for (const [name, call, code] of failures) {
    test(`error: ${name} → ${code}`, async () => {
      await assert.rejects(
        call(),
        (e: unknown) => e instanceof SixpnError && e.code === code && e.message.length > 0,
      );
    });
  }

  test('watchChanges: snapshot, live changes, resume with nothing missed or repeated, heartbeats', async () => {
    const ctl = new AbortController();
    const seen: WatchEvent[] = [];
    const gen = client.watchChanges(undefined, ctl.signal);
    const first = await gen.next();
    assert.ok(!first.done && first.value.type === 'snapshot');
    const start = first.value.snapshot.revision;
    await client.createOrg('w1'); // org + its default network
    await client.createRegion({ code: 'ams', name: 'Amsterdam', lat: 52.4, lon: 4.9 });
    while (seen.filter((e) => e.type === 'change').length < 3) {
      const r = await gen.next();
      assert.ok(!r.done);
      seen.push(r.value);
    }
    await gen.return(undefined); // closes the stream
    const revs = seen.flatMap((e) => (e.type === 'change' ? [e.change.rev] : []));
    assert.deepEqual(revs, [start + 1, start + 2, start + 3]);

    // resume: changes made while nobody watched arrive once, then heartbeats up to the head and no more
    await client.createOrg('w2');
    const again = client.watchChanges(start + 3, ctl.signal);
    const kinds: string[] = [];
    for await (const ev of again) {
      if (ev.type === 'change') {
        assert.ok(ev.change.rev > start + 3);
        kinds.push(`${ev.change.kind}:${ev.change.rev}`);
      }
      if (ev.type === 'heartbeat' && ev.revision >= start + 5) break;
    }
    assert.deepEqual(kinds, [`org:${start + 4}`, `network:${start + 5}`]);
    ctl.abort();
  });

  test('watchChanges: a revision the server does not have → resync with a fresh snapshot', async () => {
    const ctl = new AbortController();
    const head = (await client.snapshot()).revision;
    const gen = client.watchChanges(head + 1000, ctl.signal);
    const r = await gen.next();
    assert.ok(!r.done && r.value.type === 'snapshot' && r.value.reason === 'resync');
    assert.equal(r.value.snapshot.revision, head);
    ctl.abort();
    assert.deepEqual(await gen.next(), { done: true, value: undefined });
  });
});
