// Measurement (prints, not a test): UAPI set latency for adding/removing one peer on a wireguard-go device that
// already holds N peers (default 10,000), raw and through the reconciler (get + plan + set), and memory.
// Run as root: node --import tsx test/runtime/measure-wg-peers.ts [N] [ROUNDS]

import { readFileSync } from 'node:fs';
import {
  asHostId,
  asNetworkId,
  asPeerIndex,
  defaultPlan,
  formatCidr,
  peerPrefix,
} from '../../src/core/address.ts';
import { generateKeyPair, type WgPublicKey } from '../../src/core/wg/keys.ts';
import { type DeviceConfig, type PeerConfig, planDevice } from '../../src/core/wg/plan.ts';
import { reconcileDevice } from '../../src/runtime/wg-device.ts';
import { CachedWgDevice } from '../../src/runtime/wg-device-cached.ts';
import { WireguardGo } from '../../src/runtime/wireguard-go.ts';
import { Cleanup, netns, suffix } from './support.ts';

const N = Number(process.argv[2] ?? 10_000);
const ROUNDS = Number(process.argv[3] ?? 50);
const net = asNetworkId(1);
const gateway = asHostId(5);

const peer = (i: number, key: WgPublicKey): PeerConfig => ({
  publicKey: key,
  allowedIps: [formatCidr(peerPrefix(defaultPlan, net, gateway, asPeerIndex(i)))],
});

function stats(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!.toFixed(2);
  return `p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${s[s.length - 1]!.toFixed(2)} ms (n=${s.length})`;
}

function rssMiB(pid: number): string {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? `${(Number(m[1]) / 1024).toFixed(1)} MiB` : '?';
}

async function main() {
  const c = new Cleanup();
  try {
    const ns = await netns(c, `sixpn-msr-${suffix()}`);
    const wg = await WireguardGo.start({ ns, iface: `sxms${suffix()}` });
    c.add(() => wg.stop());
    const dev = wg.device;
    const keys = Array.from({ length: N + ROUNDS }, () => generateKeyPair().publicKey);
    const desired: DeviceConfig = {
      privateKey: generateKeyPair().privateKey,
      listenPort: 51820,
      peers: keys.slice(0, N).map((k, i) => peer(i + 1, k)),
    };
    console.log(`wireguard-go RSS with 0 peers: ${rssMiB(wg.pid)}`);
    let t = performance.now();
    const bulk = planDevice(desired, await dev.get())!;
    await dev.set(bulk);
    console.log(`bulk: ${N} peers in one set: ${(performance.now() - t).toFixed(0)} ms`);
    console.log(`wireguard-go RSS with ${N} peers: ${rssMiB(wg.pid)}`);
    t = performance.now();
    const state = await dev.get();
    console.log(`get=1 with ${state.peers.length} peers: ${(performance.now() - t).toFixed(1)} ms`);

    const addRaw: number[] = [];
    const removeRaw: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const p = peer(N + r + 1, keys[N + r]!);
      t = performance.now();
      await dev.set({
        peers: [{ publicKey: p.publicKey, replaceAllowedIps: true, allowedIps: p.allowedIps }],
      });
      addRaw.push(performance.now() - t);
      t = performance.now();
      await dev.set({ peers: [{ publicKey: p.publicKey, remove: true }] });
      removeRaw.push(performance.now() - t);
    }
    console.log(`raw UAPI set, add one peer to ${N}: ${stats(addRaw)}`);
    console.log(`raw UAPI set, remove one peer of ${N + 1}: ${stats(removeRaw)}`);

    const addRec: number[] = [];
    const removeRec: number[] = [];
    for (let r = 0; r < Math.min(ROUNDS, 20); r++) {
      const more = { ...desired, peers: [...desired.peers, peer(N + r + 1, keys[N + r]!)] };
      t = performance.now();
      const op = planDevice(more, await dev.get());
      if (op?.peers?.length !== 1) throw new Error('expected a one-peer operation');
      await dev.set(op);
      addRec.push(performance.now() - t);
      t = performance.now();
      const back = planDevice(desired, await dev.get());
      if (back?.peers?.length !== 1) throw new Error('expected a one-peer removal');
      await dev.set(back);
      removeRec.push(performance.now() - t);
    }
    console.log(`reconcile (get + plan + set), add one peer to ${N}: ${stats(addRec)}`);
    console.log(`reconcile (get + plan + set), remove one peer of ${N + 1}: ${stats(removeRec)}`);

    const cached = new CachedWgDevice({
      iface: dev.iface,
      get: (signal) => dev.get(signal),
      set: (op, signal) => dev.set(op, signal),
      create: async () => {},
      destroy: () => wg.stop(),
    });
    await cached.refresh();
    const addCached: number[] = [];
    const removeCached: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const more = { ...desired, peers: [...desired.peers, peer(N + r + 1, keys[N + r]!)] };
      t = performance.now();
      if ((await reconcileDevice(cached, more))?.peers?.length !== 1) throw new Error('expected one peer');
      addCached.push(performance.now() - t);
      t = performance.now();
      if ((await reconcileDevice(cached, desired))?.peers?.length !== 1) throw new Error('expected one peer');
      removeCached.push(performance.now() - t);
    }
    const addInc: number[] = [];
    const removeInc: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const p = peer(N + r + 1, keys[N + r]!);
      t = performance.now();
      if ((await cached.setPeers([{ publicKey: p.publicKey, want: p }]))?.peers?.length !== 1)
        throw new Error('add');
      addInc.push(performance.now() - t);
      t = performance.now();
      if ((await cached.setPeers([{ publicKey: p.publicKey, want: undefined }]))?.peers?.length !== 1) {
        throw new Error('remove');
      }
      removeInc.push(performance.now() - t);
    }
    console.log(`one peer through CachedWgDevice.setPeers, add to ${N}: ${stats(addInc)}`);
    console.log(`one peer through CachedWgDevice.setPeers, remove of ${N + 1}: ${stats(removeInc)}`);
    const real = planDevice(desired, await dev.get());
    if (real !== null) throw new Error('the cache drifted from the device');
    console.log(`reconcile against the cache (plan + set), add one peer to ${N}: ${stats(addCached)}`);
    console.log(
      `reconcile against the cache (plan + set), remove one peer of ${N + 1}: ${stats(removeCached)}`,
    );
  } finally {
    await c.run();
  }
}

await main();
