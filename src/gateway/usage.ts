// The gateway's usage table: its peers' private traffic per far-end region, for the shared usage task
// (runtime/usage-task.ts). The spec has no peers (the kernel adds each peer's element on its first packet); the
// elements of a peer no longer on this gateway are deleted after the read that recorded their last values.

import {
  buildPeerUsage,
  PEER_USAGE_TABLE,
  type PeerUsageSpec,
  peerUsageCounters,
  planPeerUsagePrune,
  prunePeerUsageBatch,
} from '../core/nft/peer-usage.ts';
import type { LocalState } from '../core/state.ts';
import type { UsageTable } from '../runtime/usage-task.ts';
import { type GatewayIdentity, peersOf } from './desired.ts';

/** The usage table this gateway should have, or undefined while the state does not know it yet. Pure. */
export function peerUsageSpec(
  state: LocalState,
  id: Pick<GatewayIdentity, 'name' | 'region' | 'peerIface'>,
): PeerUsageSpec | undefined {
  const hosts = state.all('host');
  const me = hosts.find((h) => h.name === id.name);
  if (!me) return undefined;
  return {
    table: PEER_USAGE_TABLE,
    self: me.num,
    region: id.region,
    hosts: hosts.map((h) => ({ num: h.num, region: h.region })).sort((a, b) => a.num - b.num),
    peerIface: id.peerIface,
  };
}

/** The gateway's table for {@link runUsageTask}. */
export function gatewayUsageTable(
  state: LocalState,
  id: Pick<GatewayIdentity, 'name' | 'region' | 'peerIface'>,
): UsageTable<PeerUsageSpec> {
  return {
    name: PEER_USAGE_TABLE,
    spec: () => peerUsageSpec(state, id),
    build: buildPeerUsage,
    counters: peerUsageCounters,
    // Only while the state knows this gateway: an empty state would retire every peer (still exact, but pointless).
    prune: (listing, recorded) =>
      peerUsageSpec(state, id) === undefined
        ? undefined
        : prunePeerUsageBatch(
            PEER_USAGE_TABLE,
            planPeerUsagePrune(
              listing,
              peersOf(state, id.name).map((p) => p.address),
              recorded,
            ),
          ),
  };
}
