// Two namespaces, one wireguard-go each, configured only through the UAPI driver: a real tunnel.
// Checks: ping over it; re-applying the same plan sends nothing and keeps the session; removing a peer stops it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
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
import { cannotRun, cleanupFor, eventually, netns, ping, suffix, wire } from './support.ts';

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
  const c = cleanupFor(t);
  const s = suffix();
  const net = asNetworkId(1);
  const side = (n: 1 | 2) => {
    const host = asHostId(n);
    return {
      ns: `sixpn-wgt-${s}-${n}`,
      wg: `sxwt${s}${n}`,
      underlay: `198.18.0.${n}`,
      addr: formatIPv6(instanceAddress(defaultPlan, net, host, asInstanceNum(1))),
      slot: formatCidr(hostPrefix(defaultPlan, net, host)),
      keys: generateKeyPair(),
    };
  };
  const a = side(1);
  const b = side(2);
  for (const x of [a, b]) await netns(c, x.ns);
  await wire(
    { ns: a.ns, name: 'sxu0', addrs: [`${a.underlay}/24`] },
    { ns: b.ns, name: 'sxu0', addrs: [`${b.underlay}/24`] },
  );
  const devices: Spy[] = [];
  for (const x of [a, b]) {
    const wg = await WireguardGo.start({ ns: x.ns, iface: x.wg });
    c.add(() => wg.stop());
    devices.push(new Spy(wg.device));
    await syncAddresses(x.ns, x.wg, [`${x.addr}/128`]);
    await ensureLinkState(x.ns, x.wg, { up: true, mtu: 1420 });
  }
  const [devA, devB] = devices as [Spy, Spy];
  await ensureRoute(a.ns, { dst: b.slot, dev: a.wg });
  await ensureRoute(b.ns, { dst: a.slot, dev: b.wg });

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
