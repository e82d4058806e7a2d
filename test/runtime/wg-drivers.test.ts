// The WireGuard drivers against a real wireguard-go: process lifecycle by PID and by link, the `wg` tool driver
// reading and writing the same device the UAPI driver sees, and the kernel-interface helper.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { SixpnError } from '../../src/core/errors.ts';
import type { WgEndpoint } from '../../src/core/wg/endpoint.ts';
import { generateKeyPair, generatePresharedKey } from '../../src/core/wg/keys.ts';
import type { DeviceState, UapiSet } from '../../src/core/wg/uapi.ts';
import { getLink } from '../../src/runtime/link.ts';
import { socketPath, UapiClient } from '../../src/runtime/wg-device.ts';
import { ensureKernelWg, WgTool } from '../../src/runtime/wg-tool-device.ts';
import { stopWireguardGoByLink, WireguardGo } from '../../src/runtime/wireguard-go.ts';
import { cannotRun, cleanupFor, netns, suffix } from './support.ts';

const skip = cannotRun(['ip', 'wireguard-go', 'wg']);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('wireguard-go: start, refuse a second one, stop by PID, stop by link', {
  skip,
  timeout: 30_000,
}, async (t) => {
  const c = cleanupFor(t);
  const s = suffix();
  const ns = await netns(c, `sixpn-wgd-${s}`);
  const iface = `sxwd${s}`;
  const wg = await WireguardGo.start({ ns, iface });
  c.add(() => wg.stop());
  assert.ok(alive(wg.pid));
  assert.ok(await getLink(ns, iface), 'the TUN interface is in the namespace');
  assert.equal(await getLink(undefined, iface), undefined, 'and not in the machine namespace');
  await assert.rejects(
    WireguardGo.start({ ns, iface }),
    (e: unknown) => e instanceof SixpnError && e.code === 'already_exists',
  );
  await wg.stop();
  assert.equal(alive(wg.pid), false);
  assert.equal(existsSync(socketPath(iface)), false);
  await wg.stop();

  // A device found running (no PID known): deleting its link ends it.
  const again = await WireguardGo.start({ ns, iface });
  c.add(() => again.stop());
  await stopWireguardGoByLink(ns, iface);
  for (let i = 0; i < 100 && alive(again.pid); i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(alive(again.pid), false);
  assert.equal(await new UapiClient(iface).alive(), false);
});

test('the wg tool driver and the UAPI driver see the same device', { skip, timeout: 30_000 }, async (t) => {
  const c = cleanupFor(t);
  const s = suffix();
  const ns = await netns(c, `sixpn-wgd-${s}`);
  const wg = await WireguardGo.start({ ns, iface: `sxwd${s}` });
  c.add(() => wg.stop());
  const tool = new WgTool(wg.iface, ns);
  const [p1, p2] = [generateKeyPair().publicKey, generateKeyPair().publicKey];
  const psk = generatePresharedKey();
  const op: UapiSet = {
    privateKey: generateKeyPair().privateKey,
    listenPort: 51999,
    fwmark: 7,
    peers: [
      {
        publicKey: p1,
        presharedKey: psk,
        endpoint: '[fdaa::1]:51820' as WgEndpoint,
        persistentKeepaliveInterval: 25,
        replaceAllowedIps: true,
        allowedIps: ['fdaa:0:1::/48', '10.1.0.0/16'],
      },
      { publicKey: p2, endpoint: '198.18.0.9:1' as WgEndpoint, replaceAllowedIps: true, allowedIps: [] },
    ],
  };
  await tool.set(op);
  const viaUapi = await wg.device.get();
  const viaTool = await tool.get();
  // `wg show` orders peers its own way; compare as sets.
  const norm = (d: DeviceState) => ({
    ...d,
    peers: [...d.peers]
      .map((p) => ({ ...p, allowedIps: [...p.allowedIps].sort() }))
      .sort((a, b) => a.publicKey.localeCompare(b.publicKey)),
  });
  assert.deepEqual(norm(viaTool), norm(viaUapi));
  assert.equal(viaUapi.listenPort, 51999);
  assert.equal(viaUapi.fwmark, 7);
  const first = viaUapi.peers.find((p) => p.publicKey === p1);
  assert.equal(first?.presharedKey, psk);
  assert.deepEqual(new Set(first?.allowedIps), new Set(['fdaa:0:1::/48', '10.1.0.0/16']));

  // update_only on a missing peer creates nothing; remove and clearing work through `wg set`.
  const p3 = generateKeyPair().publicKey;
  await tool.set({
    peers: [
      { publicKey: p3, updateOnly: true, persistentKeepaliveInterval: 5 },
      { publicKey: p2, remove: true },
      { publicKey: p1, updateOnly: true, presharedKey: null, persistentKeepaliveInterval: 0 },
    ],
  });
  const after = await wg.device.get();
  assert.deepEqual(
    after.peers.map((p) => [p.publicKey, p.presharedKey, p.persistentKeepaliveInterval]),
    [[p1, null, 0]],
  );
});

test('ensureKernelWg: creates a kernel interface, or says the kernel has no WireGuard', {
  skip,
}, async (t) => {
  const c = cleanupFor(t);
  const ns = await netns(c, `sixpn-wgd-${suffix()}`);
  const kernelHasWg = existsSync('/sys/module/wireguard');
  try {
    await ensureKernelWg(ns, 'sxkwg0');
    assert.ok(await getLink(ns, 'sxkwg0'), 'created');
    await ensureKernelWg(ns, 'sxkwg0');
  } catch (e) {
    assert.equal(kernelHasWg, false, `unexpected failure: ${String(e)}`);
    assert.ok(e instanceof SixpnError);
    assert.equal(e.code, 'failed_precondition');
    assert.match(e.message, /wireguard-go/);
  }
});
