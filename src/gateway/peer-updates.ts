// The fast path of a gateway: from one watched peer change, the WireGuard peers to add or remove at once, without
// looking at the other thousands. Pure; the full reconcile (desired.ts/plan.ts) stays the source of truth.

import type { AddressPlan } from '../core/address.ts';
import type { Change, Peer } from '../core/model.ts';
import type { WgPublicKey } from '../core/wg/keys.ts';
import type { PeerConfig } from '../core/wg/plan.ts';
import { peerConfigOf } from './desired.ts';

/** One peer of the device as wanted now (`want` undefined: remove it). */
export interface PeerUpdate {
  publicKey: WgPublicKey;
  want: PeerConfig | undefined;
}

/**
 * The updates a peer change means for gateway `me` (with host number `num`): a peer put here is installed, a peer
 * deleted here (or moved away, or whose key changed) is removed. `before` is the peer as the state had it before
 * the change. Changes of other kinds, or of other gateways' peers, give [].
 */
export function peerUpdates(
  change: Change,
  before: Peer | undefined,
  me: string,
  num: number | undefined,
  plan: AddressPlan,
): PeerUpdate[] {
  if (change.kind !== 'peer') return [];
  const out: PeerUpdate[] = [];
  const now = change.op === 'put' ? change.obj : undefined;
  const old = before ?? (change.op === 'delete' ? change.obj : undefined);
  const wanted = now && now.gateway === me && now.gateway_num === num ? peerConfigOf(now, plan) : undefined;
  if (old && old.gateway === me && old.public_key !== wanted?.publicKey) {
    out.push({ publicKey: old.public_key as WgPublicKey, want: undefined });
  }
  if (wanted) out.push({ publicKey: wanted.publicKey, want: wanted });
  return out;
}
