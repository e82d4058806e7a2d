// A WgDevice wrapper that answers `get` from memory: the state last read, with every `set` since applied to it.
// For gateways with thousands of peers, where a real `get=1` costs ~100 ms: change peers one at a time against
// the cache (cost independent of the peer count), and refresh from the device now and then.

import { SixpnError } from '../core/errors.ts';
import { applySet } from '../core/wg/apply.ts';
import type { WgPublicKey } from '../core/wg/keys.ts';
import { type PeerConfig, planPeer } from '../core/wg/plan.ts';
import type { DeviceState, PeerState, UapiPeerUpdate, UapiSet } from '../core/wg/uapi.ts';
import type { WgDevice } from './wg-device.ts';

export class CachedWgDevice implements WgDevice {
  private device: Omit<DeviceState, 'peers'> | undefined;
  private peers = new Map<string, PeerState>();
  /** allowed IP → public key of the peer holding it. */
  private owner = new Map<string, string>();

  constructor(readonly inner: WgDevice) {}

  get iface(): string {
    return this.inner.iface;
  }

  /**
   * The cached state (read from the device the first time). Handshake times and byte counters in it are as
   * of the last {@link refresh}; keys, endpoints we set, keepalives and allowed IPs are current.
   */
  async get(signal?: AbortSignal): Promise<DeviceState> {
    if (!this.device) return this.refresh(signal);
    return { ...this.device, peers: [...this.peers.values()] };
  }

  /** Sends the operation; on success the cache follows. On failure the cache is dropped (next get re-reads). */
  async set(op: UapiSet, signal?: AbortSignal): Promise<void> {
    const before = this.device ? await this.get(signal) : undefined;
    await this.forward(op, signal);
    if (before) this.load(applySet(before, op));
  }

  /** Creates the device (see {@link WgDevice.create}) and reads it. */
  async create(signal?: AbortSignal): Promise<void> {
    await this.inner.create(signal);
    await this.refresh(signal);
  }

  /** Removes the device; the cache goes with it. */
  async destroy(): Promise<void> {
    this.device = undefined;
    await this.inner.destroy();
  }

  /** Reads the device again; fails with `unavailable` while an interface does not exist. */
  async refresh(signal?: AbortSignal): Promise<DeviceState> {
    const state = await this.inner.get(signal);
    if (state === undefined)
      throw new SixpnError('unavailable', `WireGuard interface ${this.inner.iface} is not running`);
    this.load(state);
    return state;
  }

  /**
   * Brings the listed peers to what is wanted (`want` undefined: remove the peer), in one `set`, planning each
   * against the cache. Cost grows with the number of changes, not of peers. Returns the operation sent, or null.
   * A range that moves from an unlisted peer invalidates the cache (the next get re-reads the device).
   */
  async setPeers(
    changes: readonly { publicKey: WgPublicKey; want: PeerConfig | undefined }[],
    signal?: AbortSignal,
  ): Promise<UapiSet | null> {
    if (!this.device) await this.refresh(signal);
    const ups: UapiPeerUpdate[] = [];
    for (const c of changes) {
      const up = planPeer(c.want, this.peers.get(c.publicKey));
      if (up) ups.push(up);
    }
    if (ups.length === 0) return null;
    const op: UapiSet = { peers: ups };
    await this.forward(op, signal);
    for (const up of ups) {
      const had = this.peers.get(up.publicKey);
      for (const a of had?.allowedIps ?? []) this.owner.delete(a);
      this.peers.delete(up.publicKey);
      if (up.remove) continue;
      const next = applySet(
        { privateKey: null, listenPort: 0, fwmark: 0, peers: had ? [had] : [] },
        { peers: [up] },
      ).peers[0];
      if (!next) continue;
      for (const a of next.allowedIps) {
        const holder = this.owner.get(a);
        if (holder !== undefined && holder !== up.publicKey) this.device = undefined;
        this.owner.set(a, up.publicKey);
      }
      this.peers.set(up.publicKey, next);
    }
    return op;
  }

  private async forward(op: UapiSet, signal?: AbortSignal): Promise<void> {
    try {
      await this.inner.set(op, signal);
    } catch (e) {
      this.device = undefined;
      throw e;
    }
  }

  private load(state: DeviceState): void {
    const { peers, ...device } = state;
    this.device = device;
    this.peers = new Map(peers.map((p) => [p.publicKey, p]));
    this.owner = new Map(peers.flatMap((p) => p.allowedIps.map((a) => [a, p.publicKey] as const)));
  }
}
