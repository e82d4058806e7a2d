// Reads the gateway as it is, through its seams: links and routes (`ip -j`), forwarding, both WireGuard devices
// (the peer device from its cache unless a fresh read is asked for), the nft table (`nft -j list`).

import { isSixpnError } from '../core/errors.ts';
import type { ObservedLink } from '../core/iproute.ts';
import type { DeviceState } from '../core/wg/uapi.ts';
import { NFT_TABLE } from './desired.ts';
import type { GatewayObserved } from './plan.ts';
import type { GatewaySeams } from './seams.ts';

export interface GatewayRunContext {
  meshIface: string;
  peerIface: string;
  manageForwarding: boolean;
  /** Where the fingerprint of the last applied nft batch is kept. */
  nftHashFile: string;
}

async function peerState(
  s: GatewaySeams,
  fresh: boolean,
  signal?: AbortSignal,
): Promise<DeviceState | undefined> {
  try {
    return fresh ? await s.peerCache.refresh(signal) : await s.peerCache.get(signal);
  } catch (e) {
    if (isSixpnError(e) && e.code === 'unavailable') return undefined;
    throw e;
  }
}

/**
 * Observes the gateway. `fresh` re-reads the peer device (a `get=1` of every peer); otherwise its cache is used,
 * which every `set` keeps current.
 */
export async function observeGateway(
  s: GatewaySeams,
  registered: GatewayObserved['registered'],
  ctx: GatewayRunContext,
  fresh: boolean,
  signal?: AbortSignal,
): Promise<GatewayObserved> {
  const [here, forwarding, mesh, peer, listing, hash] = await Promise.all([
    s.net.readNs(),
    ctx.manageForwarding ? s.net.readForwarding() : Promise.resolve(undefined),
    s.mesh.get(signal),
    peerState(s, fresh, signal),
    s.nft.list(NFT_TABLE, signal),
    s.files.read(ctx.nftHashFile),
  ]);
  const links = new Map<string, ObservedLink>();
  const [meshLink, peerLink] = [here.links.get(ctx.meshIface), here.links.get(ctx.peerIface)];
  if (meshLink) links.set(ctx.meshIface, meshLink);
  if (peerLink) links.set(ctx.peerIface, peerLink);
  return {
    registered,
    forwarding,
    links,
    routes: here.routes,
    mesh,
    // The cache outlives a device whose process died: the missing link tells.
    peer: peerLink ? peer : undefined,
    nft: { listing, appliedHash: hash?.trim() },
  };
}
