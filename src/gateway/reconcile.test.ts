// The gateway's reconcile over in-memory seams: from nothing, twice (nothing the second time), after changes, and
// repairing drift (a dead wireguard-go, a lost route or address, a flushed nft table); and the fast path.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Change } from '../core/model.ts';
import { LocalState } from '../core/state.ts';
import { gatewayFleet, testKey } from '../core/test-fleet.ts';
import { silentLogger } from '../lib/log.ts';
import { NFT_TABLE } from './desired.ts';
import { peerUpdates } from './peer-updates.ts';
import { reconcileGateway } from './reconcile.ts';
import { fakeGatewaySeams, identity, runContext } from './test-fakes.ts';

const F = gatewayFleet();

const id = identity('gw1');
const ctx = runContext(id);

async function setup(snapshot = F.snapshot()) {
  const state = new LocalState(snapshot);
  const s = fakeGatewaySeams(id);
  // The control plane records the registration and the watch stream brings it back.
  s.register = async (body) => {
    s.registrations.push(body);
    const me = state.all('host').find((h) => h.name === id.name)!;
    const obj = { ...me, ...body };
    state.applyChange({ rev: state.revision + 1, op: 'put', kind: 'host', id: me.id, org: null, obj });
  };
  const pass = (fresh = true) => reconcileGateway(state, id, s, ctx, silentLogger, fresh);
  return { state, s, pass };
}

describe('gateway reconcile from nothing', () => {
  test('registers, isolates, forwards, brings up both devices, address and routes, in order', async () => {
    const { s, pass } = await setup();
    const r = await pass();
    assert.deepEqual(r.failed, []);
    assert.deepEqual(
      r.actions.map((a) => (a.do === 'wg-set' || a.do === 'wg-create' ? `${a.do} ${a.dev}` : a.do)),
      [
        'register',
        'nft',
        'enable-forwarding',
        'wg-create mesh',
        'link-set',
        'wg-set mesh',
        'wg-create peer',
        'link-set',
        'wg-set peer',
        'addr-add',
        'route-replace',
        'route-replace',
      ],
    );
    assert.equal(s.registrations[0]?.peer_key, r.desired.registration.peer_key);
    const here = await s.net.readNs();
    assert.deepEqual(here.routes, [
      { dst: 'fdaa::/16', dev: 'sxm9' },
      { dst: 'fdaa:0:18:0:9::/80', dev: 'sxp9' },
    ]);
    const sxp9 = here.links.get('sxp9');
    assert.deepEqual([sxp9?.up, sxp9?.mtu, sxp9?.globalAddrs], [true, 1420, ['fdaa::3/128']]);
    const dev = await s.peer.get();
    assert.equal(dev?.listenPort, 51821);
    assert.deepEqual(dev?.peers.map((p) => p.allowedIps).sort(), [
      ['fdaa:0:18:0:9::100/120'],
      ['fdaa:0:18:0:9::200/120'],
    ]);
    assert.equal((await s.mesh.get())?.peers.length, 3);
    assert.ok(await s.nft.list(NFT_TABLE));
  });

  test('a second pass does nothing, cached or fresh', async () => {
    const { s, pass } = await setup();
    await pass();
    const calls = s.net.calls.length;
    const sets = s.peer.sets.length + s.mesh.sets.length;
    const batches = s.nft.batches.length;
    for (const fresh of [false, true]) {
      const r = await pass(fresh);
      assert.deepEqual(r.actions, [], `fresh=${fresh}`);
    }
    assert.equal(s.net.calls.length, calls);
    assert.equal(s.peer.sets.length + s.mesh.sets.length, sets);
    assert.equal(s.nft.batches.length, batches);
  });
});

describe('gateway reconcile after changes and drift', () => {
  test('a new network: its peer, slot route, nft networks; the network gone: route removed', async () => {
    const { state, s, pass } = await setup();
    await pass();
    const vault = F.makePeer('vault-ci', 'globex', 'gw1');
    state.applyChange({
      rev: state.revision + 1,
      op: 'put',
      kind: 'peer',
      id: vault.id,
      org: 'globex',
      obj: vault,
    });
    const r = await pass(false);
    assert.deepEqual(
      r.actions.map((a) => a.do),
      ['nft', 'wg-set', 'route-replace'],
    );
    assert.ok((await s.net.readNs()).routes.some((x) => x.dst === 'fdaa:0:2a:0:9::/80'));
    state.applyChange({
      rev: state.revision + 1,
      op: 'delete',
      kind: 'peer',
      id: vault.id,
      org: 'globex',
      obj: vault,
    });
    const gone = await pass(false);
    assert.deepEqual(
      gone.actions.map((a) => a.do),
      ['nft', 'wg-set', 'route-del'],
    );
    assert.ok(!(await s.net.readNs()).routes.some((x) => x.dst === 'fdaa:0:2a:0:9::/80'));
    assert.deepEqual((await pass()).actions, []);
  });

  test('a dead wireguard-go is started again with every peer, address and route', async () => {
    const { s, pass } = await setup();
    await pass();
    s.peer.crash();
    const r = await pass(false);
    assert.deepEqual(
      r.actions.map((a) => a.do),
      ['wg-create', 'link-set', 'wg-set', 'addr-add', 'route-replace'],
    );
    assert.equal((await s.peer.get())?.peers.length, 2);
    assert.deepEqual((await pass()).actions, []);
  });

  test('a lost route, a stray address, forwarding off, a deleted nft table are put right', async () => {
    const { s, pass } = await setup();
    await pass();
    const lost = (await s.net.readNs()).routes.filter((r) => r.dev === 'sxp9');
    await s.net.batch(undefined, [
      ...lost.map((r) => ({ do: 'route-del' as const, dst: r.dst, dev: 'sxp9' })),
      { do: 'addr-add', iface: 'sxp9', addr: 'fdaa:0:18::3/128' },
    ]);
    s.net.forwarding = '0';
    await s.nft.deleteTable(NFT_TABLE);
    const r = await pass(false);
    assert.deepEqual(r.actions.map((a) => a.do).sort(), [
      'addr-del',
      'enable-forwarding',
      'nft',
      'route-replace',
    ]);
    assert.deepEqual((await pass()).actions, []);
  });

  test('registration is sent once, and again when the control plane has something else', async () => {
    const { state, s, pass } = await setup();
    await pass();
    assert.equal(s.registrations.length, 1);
    await pass();
    assert.equal(s.registrations.length, 1);
    const me = state.all('host').find((h) => h.name === 'gw1')!;
    const obj = { ...me, peer_endpoint: '203.0.113.1:51821' };
    state.applyChange({ rev: state.revision + 1, op: 'put', kind: 'host', id: me.id, org: null, obj });
    const r = await pass(false);
    assert.deepEqual(
      r.actions.map((a) => a.do),
      ['register'],
    );
    assert.equal(s.registrations.length, 2);
  });
});

describe('gateway fast path', () => {
  test('one peer in and out in one set each, planned against the cache (no device read)', async () => {
    const { state, s, pass } = await setup();
    await pass();
    const gets = s.peer.gets;
    const ci2 = { ...F.makePeer('other', 'acme', 'gw1', 3) };
    const add: Change = {
      rev: state.revision + 1,
      op: 'put',
      kind: 'peer',
      id: ci2.id,
      org: 'acme',
      obj: ci2,
    };
    state.applyChange(add);
    const op = await s.peerCache.setPeers(peerUpdates(add, undefined, 'gw1', 9, F.plan));
    assert.equal(op?.peers?.length, 1);
    assert.deepEqual(s.peer.sets.at(-1)?.peers?.[0]?.allowedIps, ['fdaa:0:18:0:9::300/120']);
    const del: Change = {
      rev: state.revision + 2,
      op: 'delete',
      kind: 'peer',
      id: ci2.id,
      org: 'acme',
      obj: ci2,
    };
    const before = state.get('peer', ci2.id);
    state.applyChange(del);
    await s.peerCache.setPeers(peerUpdates(del, before, 'gw1', 9, F.plan));
    assert.equal(s.peer.sets.at(-1)?.peers?.[0]?.remove, true);
    assert.equal(s.peer.gets, gets, 'the cache answered');
    assert.equal(
      (await s.peer.get())?.peers.some((p) => p.publicKey === testKey('other').publicKey),
      false,
    );
    assert.deepEqual((await pass(false)).actions, [], 'the full pass agrees with the fast path');
    assert.deepEqual((await pass(true)).actions, []);
  });
});
