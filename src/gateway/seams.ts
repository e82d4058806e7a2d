// The I/O a gateway reconciles through, and the real drivers behind it: iproute2, files on disk, two WireGuard
// interfaces (wireguard-go or kernel), nftables, and its registration with the control plane.

import { join } from 'node:path';
import { isSixpnError } from '../core/errors.ts';
import type { PeerState } from '../core/wg/uapi.ts';
import type { Logger } from '../lib/log.ts';
import { DiskFiles } from '../runtime/file-store.ts';
import { IpNet } from '../runtime/net.ts';
import { NftCli } from '../runtime/nft.ts';
import type { NodeSeams } from '../runtime/node-apply.ts';
import type { WgDevice } from '../runtime/wg-device.ts';
import { CachedWgDevice } from '../runtime/wg-device-cached.ts';
import { KernelWg, UserspaceWg, type WireguardMode } from '../runtime/wg-interface.ts';
import type { GatewayRegistrationBody } from './desired.ts';
import { readPeerStats } from './peer-stats.ts';

export interface GatewaySeams extends NodeSeams<GatewayRegistrationBody> {
  /** The host-mesh interface. */
  mesh: WgDevice;
  /** The peer interface (its lifecycle: create, destroy). */
  peer: WgDevice;
  /** The peer interface's device behind a cache: one-peer changes cost the same at any number of peers. */
  peerCache: CachedWgDevice;
  /** Every peer of the peer device with its counters (fresh, not cached), or undefined when it is not running. */
  peerStats(signal?: AbortSignal): Promise<readonly PeerState[] | undefined>;
}

export function realGatewaySeams(o: {
  meshIface: string;
  peerIface: string;
  wireguard: WireguardMode;
  stateDir: string;
  logger: Logger;
  register: GatewaySeams['register'];
}): GatewaySeams {
  const wg = (iface: string, log: string): WgDevice =>
    o.wireguard === 'kernel'
      ? new KernelWg(iface)
      : new UserspaceWg(iface, { logFile: join(o.stateDir, log), logger: o.logger });
  const peer = wg(o.peerIface, 'wireguard-go-peers.log');
  return {
    net: new IpNet(),
    files: new DiskFiles(),
    mesh: wg(o.meshIface, 'wireguard-go-mesh.log'),
    peer,
    peerCache: new CachedWgDevice(peer),
    nft: new NftCli(),
    peerStats: async (signal) => {
      // Userspace: the reply is parsed a slice at a time (see peer-stats.ts); kernel: `wg show dump`.
      if (o.wireguard === 'kernel') return (await peer.get(signal))?.peers;
      try {
        return await readPeerStats(o.peerIface, signal);
      } catch (e) {
        if (isSixpnError(e) && e.code === 'unavailable') return undefined;
        throw e;
      }
    },
    register: o.register,
  };
}
