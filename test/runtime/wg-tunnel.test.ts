// Two namespaces, one wireguard-go each, configured only through the UAPI driver: a real tunnel.
// Checks: ping over it; re-applying the same plan sends nothing and keeps the session; removing a peer stops it;
// a peer added with handshakeOnAdd is greeted at once, so the end whose first initiation was lost (sent before
// this one listened) does not wait for its retry 5 s later.

import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import {
  asHostId,
  asInstanceNum,
  asNetworkId,
  defaultPlan,
  formatCidr,
  formatIPv6,
  hostPrefix,
  instanceAddress,
} from '../../src/core/address.ts';
import { endpointOf } from '../../src/core/wg/endpoint.ts';
import { generateKeyPair, publicKeyOf } from '../../src/core/wg/keys.ts';
import type { DeviceConfig } from '../../src/core/wg/plan.ts';
import type { DeviceState, UapiSet } from '../../src/core/wg/uapi.ts';
import { run } from '../../src/runtime/exec.ts';
import { ensureLinkState, ensureRoute, syncAddresses } from '../../src/runtime/link.ts';
import { reconcileDevice, type UapiClient, type WgDevice } from '../../src/runtime/wg-device.ts';
import { WireguardGo } from '../../src/runtime/wireguard-go.ts';
import { type Cleanup, cannotRun, cleanupFor, eventually, netns, ping, suffix, wire } from './support.ts';

const skip = cannotRun(['ip', 'wireguard-go', 'wg', 'ping']);

/** Counts the operations that reach the device, to prove "nothing to do" sends nothing. */
class Spy implements Pick<WgDevice, 'iface' | 'get' | 'set'> {
  sets: UapiSet[] = [];
  constructor(private readonly inner: UapiClient) {}
  get iface() {
    return this.inner.iface;
  }
  get(signal?: AbortSignal): Promise<DeviceState> {
    return this.inner.get(signal);
  }
  set(op: UapiSet, signal?: AbortSignal): Promise<void> {
    this.sets.push(op);
    return this.inner.set(op, signal);
  }
}

/** One end of a tunnel: its namespace, interface, underlay address, 6PN address and /80 slot, keys. */
function side(s: string, n: 1 | 2) {
  const net = asNetworkId(1);
  const host = asHostId(n);
  return {
    ns: `sixpn-wgt-${s}-${n}`,
    wg: `sxwt${s}${n}`,
    underlay: `198.18.0.${n}`,
    addr: formatIPv6(instanceAddress(defaultPlan, net, host, asInstanceNum(1))),
    slot: formatCidr(hostPrefix(defaultPlan, net, host)),
    keys: generateKeyPair(),
  };
}

type End = ReturnType<typeof side>;

/** Two ends in their namespaces, wired on the underlay; removed after the test. */
async function twoEnds(t: TestContext) {
  const c = cleanupFor(t);
  const s = suffix();
  const a = side(s, 1);
  const b = side(s, 2);
  for (const x of [a, b]) await netns(c, x.ns);
  await wire(
    { ns: a.ns, name: 'sxu0', addrs: [`${a.underlay}/24`] },
    { ns: b.ns, name: 'sxu0', addrs: [`${b.underlay}/24`] },
  );
  return { c, a, b };
}

/** wireguard-go on end `x`, its address set and link up, `peer`'s slot routed into it. */
async function startEnd(c: Cleanup, x: End, peer: End) {
  const wg = await WireguardGo.start({ ns: x.ns, iface: x.wg });
  c.add(() => wg.stop());
  await syncAddresses(x.ns, x.wg, [`${x.addr}/128`]);
  await ensureLinkState(x.ns, x.wg, { up: true, mtu: 1420 });
  await ensureRoute(x.ns, { dst: peer.slot, dev: x.wg });
  return wg.device;
}

test('keys.ts derives the same public keys as `wg pubkey`', { skip }, async () => {
  for (let i = 0; i < 5; i++) {
    const kp = generateKeyPair();
    const { stdout } = await run('wg', ['pubkey'], { input: `${kp.privateKey}\n` });
    assert.equal(stdout.trim(), kp.publicKey);
    assert.equal(publicKeyOf(kp.privateKey), kp.publicKey);
  }
});

test('a WireGuard tunnel between two namespaces, driven through UAPI', {
  skip,
  timeout: 60_000,
}, async (t) => {
  const { c, a, b } = await twoEnds(t);
  const devA = new Spy(await startEnd(c, a, b));
  const devB = new Spy(await startEnd(c, b, a));

  const wantA: DeviceConfig = {
    privateKey: a.keys.privateKey,
    listenPort: 51820,
    peers: [{ publicKey: b.keys.publicKey, endpoint: endpointOf(b.underlay, 51820), allowedIps: [b.slot] }],
  };
  const wantB: DeviceConfig = {
    privateKey: b.keys.privateKey,
    listenPort: 51820,
    peers: [{ publicKey: a.keys.publicKey, allowedIps: [a.slot] }],
  };
  assert.ok(await reconcileDevice(devA, wantA));
  assert.ok(await reconcileDevice(devB, wantB));

  assert.ok(await eventually(() => ping(a.ns, b.addr), 10_000), 'ping over the tunnel');
  const before = (await devA.get()).peers[0]!;
  assert.ok(before.lastHandshakeTimeSec > 0, 'a handshake happened');
  assert.equal((await devB.get()).peers[0]?.endpoint, endpointOf(a.underlay, 51820), 'B learned A');

  // Same desired state again: no operation reaches either device, and A's session is the same one.
  const setsBefore = devA.sets.length + devB.sets.length;
  assert.equal(await reconcileDevice(devA, wantA), null);
  assert.equal(await reconcileDevice(devB, wantB), null);
  assert.equal(devA.sets.length + devB.sets.length, setsBefore);
  assert.ok(await ping(a.ns, b.addr));
  const after = (await devA.get()).peers[0]!;
  assert.equal(after.lastHandshakeTimeSec, before.lastHandshakeTimeSec);
  assert.equal(after.lastHandshakeTimeNsec, before.lastHandshakeTimeNsec);
  assert.ok(after.txBytes > before.txBytes, 'counters kept growing (not reset)');

  // B drops A: the tunnel stops passing traffic.
  const op = await reconcileDevice(devB, { ...wantB, peers: [] });
  assert.deepEqual(op, { peers: [{ publicKey: a.keys.publicKey, remove: true }] });
  assert.equal((await devB.get()).peers.length, 0);
  assert.equal(await ping(a.ns, b.addr), false, 'no traffic after the peer is removed');
});

test('a peer added with handshakeOnAdd gets a handshake at once, not at its 5 s retry', {
  skip,
  timeout: 60_000,
}, async (t) => {
  const { c, a, b } = await twoEnds(t);
  const config = (x: End, peer: End): DeviceConfig => ({
    privateKey: x.keys.privateKey,
    listenPort: 51820,
    peers: [
      {
        publicKey: peer.keys.publicKey,
        endpoint: endpointOf(peer.underlay, 51820),
        allowedIps: [peer.slot],
        handshakeOnAdd: true,
      },
    ],
  });
  // B knows A, and its traffic to A starts a handshake before A's device exists: that initiation is lost.
  const devB = await startEnd(c, b, a);
  await reconcileDevice(devB, config(b, a));
  assert.equal(await ping(b.ns, a.addr), false, 'A is not there yet');
  const peerOfB = async () => (await devB.get()).peers[0]!;
  assert.equal((await peerOfB()).lastHandshakeTimeSec, 0);

  // A comes up and adds B: its own initiation is answered now. Without it B would retry 5 s after its first.
  const devA = await startEnd(c, a, b);
  const t0 = Date.now();
  await reconcileDevice(devA, config(a, b));
  const shook = await eventually(async () => {
    await new Promise((r) => setTimeout(r, 20));
    return (await peerOfB()).lastHandshakeTimeSec > 0;
  }, 2_500);
  assert.ok(shook, `B saw a handshake ${Date.now() - t0} ms after A added it (wanted < 2.5 s)`);
  assert.ok(await ping(b.ns, a.addr), 'B reaches A');
  const peerOfA = (await devA.get()).peers[0]!;
  assert.equal(peerOfA.persistentKeepaliveInterval, 0, 'the keepalive that started it is off again');
  assert.equal(await reconcileDevice(devA, config(a, b)), null, 'and the next plan has nothing to do');
});
