// Reads the gateway as it is (links, routes, forwarding, both WireGuard devices, the nft table) and performs a
// plan's steps through the seams, in order. A failed step is logged and reported; the rest still run.

import { isSixpnError } from '../core/errors.ts';
import type { ObservedLink } from '../core/iproute.ts';
import type { DeviceState } from '../core/wg/uapi.ts';
import type { Logger } from '../lib/log.ts';
import { applyIsolation } from '../runtime/nft.ts';
import { NFT_TABLE } from './desired.ts';
import type { GatewayAction, GatewayObserved } from './plan.ts';
import { describeGatewayAction } from './plan.ts';
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

async function step(s: GatewaySeams, a: GatewayAction, ctx: GatewayRunContext, signal?: AbortSignal) {
  switch (a.do) {
    case 'register':
      return s.register(a.body, signal);
    case 'enable-forwarding':
      return s.net.enableForwarding();
    case 'nft':
      await applyIsolation(s.nft, a.spec, signal);
      return s.files.write(ctx.nftHashFile, `${a.hash}\n`, 0o600);
    case 'wg-create':
      return a.dev === 'mesh' ? s.mesh.create(signal) : s.peerCache.create(signal);
    case 'wg-set':
      return a.dev === 'mesh' ? s.mesh.set(a.op, signal) : s.peerCache.set(a.op, signal);
    default:
      return s.net.batch(undefined, [a]);
  }
}

export interface GatewayApplyResult {
  applied: number;
  failed: { action: Record<string, unknown>; error: string }[];
}

/** Runs every step; never throws (failures are in the result). Stops early only when `signal` aborts. */
export async function applyGateway(
  s: GatewaySeams,
  actions: readonly GatewayAction[],
  ctx: GatewayRunContext,
  logger: Logger,
  signal?: AbortSignal,
): Promise<GatewayApplyResult> {
  const out: GatewayApplyResult = { applied: 0, failed: [] };
  for (const a of actions) {
    if (signal?.aborted) break;
    const what = describeGatewayAction(a);
    try {
      await step(s, a, ctx, signal);
      out.applied++;
      logger.debug(what, 'applied');
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      out.failed.push({ action: what, error });
      logger.warn({ ...what, err: error }, 'reconcile step failed');
    }
  }
  return out;
}
