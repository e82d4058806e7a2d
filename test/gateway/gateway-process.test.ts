// The gateway process (runGateway) against the real control-plane API in-process, over in-memory device seams:
// it registers, installs a created peer within milliseconds and removes a deleted one, reports status, restarts.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiClient } from '../../src/client/api-client.ts';
import { type TestApi, testApi } from '../../src/control/api/test-support.ts';
import { generateKeyPair } from '../../src/core/wg/keys.ts';
import { runGateway } from '../../src/gateway/gateway.ts';
import { type FakeGatewaySeams, fakeGatewaySeams } from '../../src/gateway/test-fakes.ts';
import { silentLogger } from '../../src/lib/log.ts';

async function until<T>(
  what: string,
  f: () => Promise<T | undefined> | T | undefined,
  ms = 5_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(1);
  }
}

describe('gateway process over fake devices', { timeout: 60_000 }, () => {
  let t: TestApi;
  let dir: string;
  let admin: ApiClient;
  let token: string;
  let seams: FakeGatewaySeams;
  let abort: AbortController;
  let done: Promise<void>;

  const start = async () => {
    abort = new AbortController();
    const g = await runGateway({
      name: 'ord-gw1',
      region: 'ord',
      api: 'http://cp.test',
      token,
      endpoint: '198.18.1.9:51820',
      peerEndpoint: '198.18.1.9:51821',
      stateDir: dir,
      meshIface: 'sxm9',
      peerIface: 'sxp9',
      wireguard: 'userspace',
      upstreams: [],
      reportMs: 50,
      logger: silentLogger,
      signal: abort.signal,
      seams,
      fetch: (input, init) => t.raw(input, init),
      dnsListen: { address: '::1', port: 0 },
    });
    done = g.done;
  };

  before(async () => {
    t = await testApi();
    dir = await mkdtemp(join(tmpdir(), 'sixpn-gwproc-'));
    admin = new ApiClient({ baseUrl: 'http://cp.test', token: t.admin, fetch: (i, n) => t.raw(i, n) });
    await admin.createOrg('acme');
    await admin.createRegion({ code: 'ord', name: 'Chicago', lat: 41.98, lon: -87.9 });
    token = (await admin.createGateway({ name: 'ord-gw1', region: 'ord' })).token;
    seams = fakeGatewaySeams({ meshIface: 'sxm9', peerIface: 'sxp9' });
    seams.register = async (body, signal) => {
      seams.registrations.push(body);
      await new ApiClient({ baseUrl: 'http://cp.test', token, fetch: (i, n) => t.raw(i, n) }).registerGateway(
        'ord-gw1',
        body,
        signal,
      );
    };
    await start();
  });
  after(async () => {
    abort.abort();
    await done;
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('registers its keys and endpoints, and reports ready in status.json', async () => {
    const gw = await until('registration', async () => {
      const g = await admin.getGateway('ord-gw1');
      return g.peer_key ? g : undefined;
    });
    assert.equal(gw.peer_endpoint, '198.18.1.9:51821');
    assert.equal(gw.endpoint, '198.18.1.9:51820');
    const head = (await admin.snapshot()).revision;
    const st = await until('status', async () => {
      const s = JSON.parse(await readFile(join(dir, 'status.json'), 'utf8').catch(() => '{}'));
      return s.revision >= head ? s : undefined;
    });
    assert.equal(st.dns, 'listening');
    assert.equal((await readFile(join(dir, 'peer.key'), 'utf8')).trim().length, 44);
  });

  test('a created peer is on the device within milliseconds, a deleted one gone', async () => {
    const key = generateKeyPair().publicKey;
    const created = await admin.createPeer('acme', { name: 'laptop', region: 'ord', public_key: key });
    const returned = performance.now();
    const peerOnDevice = async () =>
      (await seams.peer.get())?.peers.find((p) => p.publicKey === key) ?? undefined;
    const p = await until('peer installed', peerOnDevice);
    const installedMs = performance.now() - returned;
    assert.deepEqual(p.allowedIps, [`${created.peer.address.replace(/::102$/, '::100')}/120`]);
    assert.ok(installedMs < 500, `installed ${installedMs.toFixed(1)} ms after the API returned`);

    await admin.deletePeer('acme', 'laptop');
    await until('peer removed', async () => ((await peerOnDevice()) ? undefined : true));
  });

  test('peer status is reported: endpoint, handshake, traffic, installed-at', async () => {
    const key = generateKeyPair().publicKey;
    await admin.createPeer('acme', { name: 'phone', region: 'ord', public_key: key });
    await until('installed', async () => (await seams.peer.get())?.peers.some((p) => p.publicKey === key));
    const dev = seams.peer;
    const was = dev.state!;
    dev.state = {
      ...was,
      peers: was.peers.map((p) =>
        p.publicKey === key
          ? {
              ...p,
              endpoint: '198.18.0.3:40000' as typeof p.endpoint,
              lastHandshakeTimeSec: Math.floor(Date.now() / 1000),
              rxBytes: 4096,
              txBytes: 512,
            }
          : p,
      ),
    };
    const st = await until('status report', async () => {
      const s = await admin.peerStatus('acme', 'phone');
      return s.rx_bytes === 4096 ? s : undefined;
    });
    assert.equal(st.endpoint, '198.18.0.3:40000');
    assert.equal(st.tx_bytes, 512);
    assert.ok(st.installed_at && Date.parse(st.installed_at) <= Date.now());
    assert.ok(st.last_handshake);
  });

  test('a restart adopts the device: no peer is removed or re-added', async () => {
    abort.abort();
    await done;
    const sets = seams.peer.sets.length;
    await start();
    const head = (await admin.snapshot()).revision;
    await until('caught up', async () => {
      const s = JSON.parse(await readFile(join(dir, 'status.json'), 'utf8').catch(() => '{}'));
      return s.revision >= head ? s : undefined;
    });
    await sleep(200);
    assert.equal(seams.peer.sets.length, sets, 'nothing sent to the peer device');
  });
});
