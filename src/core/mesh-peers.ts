// The host mesh as every member computes it: each other registered host or gateway is a WireGuard peer allowed
// exactly its /80 slots (a host: of the networks it runs started instances of; a gateway: of the networks it has
// peers in). Host agents and gateways both call this, so the two ends of every mesh link agree. Pure.

import { type AddressPlan, asHostId, asNetworkId, formatCidr, hostPrefix } from './address.ts';
import { compareText } from './compare.ts';
import type { Host } from './model.ts';
import type { LocalState } from './state.ts';
import { parseEndpoint, type WgEndpoint } from './wg/endpoint.ts';
import type { WgPublicKey } from './wg/keys.ts';
import type { PeerConfig } from './wg/plan.ts';

/** Per host name, the networks whose /80 slot it holds: by started instances (hosts) and by peers (gateways). */
export interface SlotNetworks {
  instances: Map<string, Set<number>>;
  peers: Map<string, Set<number>>;
}

export function slotNetworks(state: LocalState): SlotNetworks {
  const out: SlotNetworks = { instances: new Map(), peers: new Map() };
  for (const i of state.all('instance')) {
    if (!(i.state === 'started' && i.address)) continue;
    const s = out.instances.get(i.host);
    if (s) s.add(i.network_num);
    else out.instances.set(i.host, new Set([i.network_num]));
  }
  // Gateways: from the state's count of peers (not a walk over thousands of them on every change).
  for (const gw of state.all('host')) {
    const nets = state.peerNetworks(gw.name);
    if (nets.length > 0) out.peers.set(gw.name, new Set(nets));
  }
  return out;
}

/** The /80s mesh peer `h` is allowed, sorted by network: where it runs started instances, or has peers. */
export function slotsOf(h: Host, nets: SlotNetworks, plan: AddressPlan): string[] {
  const mine = (h.role === 'gateway' ? nets.peers : nets.instances).get(h.name);
  return [...(mine ?? [])]
    .sort((a, b) => a - b)
    .map((n) => formatCidr(hostPrefix(plan, asNetworkId(n), asHostId(h.num))));
}

/**
 * The mesh peers of host (or gateway) `self`: every other host and gateway that has registered an endpoint and
 * a mesh key, sorted by name, each with a handshake when added. One with an endpoint that does not parse is
 * skipped rather than block the mesh.
 */
export function meshPeers(state: LocalState, self: string, plan: AddressPlan): PeerConfig[] {
  const nets = slotNetworks(state);
  const out: PeerConfig[] = [];
  const hosts = state
    .all('host')
    .filter((h) => h.name !== self && h.endpoint && h.mesh_key)
    .sort((a, b) => compareText(a.name, b.name));
  for (const h of hosts) {
    let endpoint: WgEndpoint;
    try {
      endpoint = parseEndpoint(h.endpoint ?? '');
    } catch {
      continue;
    }
    // A host that joined (or restarted its device) lost the initiations its peers sent before it listened, which
    // they retry only after 5 s: each end starts a handshake when it adds the other, so the later one succeeds.
    const allowedIps = slotsOf(h, nets, plan);
    out.push({ publicKey: h.mesh_key as WgPublicKey, endpoint, allowedIps, handshakeOnAdd: true });
  }
  return out;
}
