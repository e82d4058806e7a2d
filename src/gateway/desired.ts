// What a gateway should look like, from its copy of the state: the peer interface (each of its peers allowed
// exactly its /120), the host mesh (shared computation with the agents), routes, the local DNS address, the
// nftables table, and its registration. Pure.

import {
  type AddressPlan,
  asHostId,
  asNetworkId,
  contains,
  enclosing,
  formatCidr,
  formatIPv6,
  hostPrefix,
  hostResolverAddress,
  type NetworkId,
  networkDnsAddress,
  planCidr,
  tryParseIPv6,
} from '../core/address.ts';
import { compareText } from '../core/compare.ts';
import { meshPeers } from '../core/mesh-peers.ts';
import type { Peer } from '../core/model.ts';
import type { IsolationSpec } from '../core/nft/isolation.ts';
import { serviceBalances } from '../core/service-members.ts';
import type { LocalState } from '../core/state.ts';
import { endpointPort, type WgEndpoint } from '../core/wg/endpoint.ts';
import { publicKeyOf, type WgPrivateKey, type WgPublicKey } from '../core/wg/keys.ts';
import type { DeviceConfig, PeerConfig } from '../core/wg/plan.ts';

export const NFT_TABLE = 'sixpn_gateway';
/** WireGuard over the IPv4 underlay leaves 1420 of 1500 (the peers' wg-quick picks the same by default). */
export const WG_MTU = 1420;
/** Where DNS to every `fdaa:N:N::3` is redirected (nftables) and the gateway's DNS server listens. */
export const DEFAULT_DNS_PORT = 5353;

/** Who this gateway is and how it lays things out (from its flags and its key files). */
export interface GatewayIdentity {
  name: string;
  region: string;
  plan: AddressPlan;
  meshIface: string;
  peerIface: string;
  /** Underlay endpoint of the host mesh; its port is the mesh listen port. */
  endpoint: WgEndpoint;
  /** `HOST:PORT` peers connect to (written into their files; HOST may be a DNS name). */
  peerEndpoint: string;
  /** Listen port of the peer interface. */
  peerPort: number;
  meshKey: WgPrivateKey;
  peerKey: WgPrivateKey;
  dnsPort: number;
}

export interface GatewayRegistrationBody {
  endpoint: string;
  mesh_key: WgPublicKey;
  peer_key: WgPublicKey;
  peer_endpoint: string;
}

export interface GatewayDesired {
  registration: GatewayRegistrationBody;
  /** Networks with peers on this gateway, ascending. */
  networks: NetworkId[];
  peerDevice: DeviceConfig;
  meshDevice: DeviceConfig;
  /** The deployment's /16 into the mesh. */
  meshRoute: string;
  /** This gateway's /80 slot of each network, into the peer interface (longer than the mesh route). */
  peerRoutes: string[];
  /**
   * `fdaa::3/128` on the peer interface: where nftables redirects DNS for `fdaa:N:N::3` and the DNS server
   * listens (on `dnsPort`). Outside every network: no peer can address it, and conntrack makes the replies come
   * from the `fdaa:N:N::3` that was asked.
   */
  serviceAddress: string;
  nft: IsolationSpec;
}

/** The peers attached to gateway `name`, sorted by name for stable plans. */
export function peersOf(state: LocalState, name: string): Peer[] {
  return state
    .all('peer')
    .filter((p) => p.gateway === name)
    .sort((a, b) => compareText(a.name, b.name) || compareText(a.org, b.org));
}

/**
 * The WireGuard peer of a sixpn peer: its key, allowed exactly the /120 of its address, no endpoint (it roams;
 * the device learns it from the handshake), no keepalive (the peer keeps the NAT open). Undefined when the address
 * is not inside this gateway's slot of its network (a record the gateway must not trust).
 */
export function peerConfigOf(p: Peer, plan: AddressPlan): PeerConfig | undefined {
  const addr = tryParseIPv6(p.address);
  if (addr === undefined || p.network_num < 1 || p.gateway_num < 1) return undefined;
  const slot = hostPrefix(plan, asNetworkId(p.network_num), asHostId(p.gateway_num));
  if (!contains(slot, addr)) return undefined;
  return { publicKey: p.public_key as WgPublicKey, allowedIps: [formatCidr(enclosing(addr, 120))] };
}

/** The networks with peers on this gateway (records claiming our slot only), ascending, from the state's count. */
function networksOf(state: LocalState, name: string, num: number | undefined): NetworkId[] {
  return num === undefined ? [] : state.peerNetworks(name, num).map(asNetworkId);
}

/** Everything but the peer device's peers: cheap to compute on every change, even with 10,000 peers. */
export type GatewayInfra = Omit<GatewayDesired, 'peerDevice'> & { peerListenPort: number };

export function gatewayInfra(state: LocalState, id: GatewayIdentity): GatewayInfra {
  const plan = id.plan;
  const num = state.all('host').find((h) => h.name === id.name)?.num;
  const networks = networksOf(state, id.name, num);
  const slots = num === undefined ? [] : networks.map((n) => hostPrefix(plan, n, asHostId(num)));
  return {
    registration: {
      endpoint: id.endpoint,
      mesh_key: publicKeyOf(id.meshKey),
      peer_key: publicKeyOf(id.peerKey),
      peer_endpoint: id.peerEndpoint,
    },
    networks,
    meshDevice: {
      privateKey: id.meshKey,
      listenPort: endpointPort(id.endpoint),
      peers: meshPeers(state, id.name, plan),
    },
    meshRoute: formatCidr(planCidr(plan)),
    peerRoutes: slots.map(formatCidr),
    serviceAddress: `${formatIPv6(hostResolverAddress(plan))}/128`,
    peerListenPort: id.peerPort,
    nft: {
      table: NFT_TABLE,
      plan,
      networks,
      interfaces: [id.meshIface, id.peerIface],
      // Cryptokey routing already holds each peer to its /120; this holds the interface to our slots.
      guards: [{ iface: id.peerIface, allowed: slots }],
      resolvers: networks.map((n) => networkDnsAddress(plan, n)),
      dnsRedirectPort: id.dnsPort,
      // Peers of this gateway are the askers: the gateway's region first.
      services: serviceBalances(state, plan, id.region, networks),
    },
  };
}

/** The whole desired gateway: its infrastructure and every peer of the peer device. */
export function desiredGateway(state: LocalState, id: GatewayIdentity): GatewayDesired {
  const { peerListenPort, ...infra } = gatewayInfra(state, id);
  const num = state.all('host').find((h) => h.name === id.name)?.num;
  const peers: PeerConfig[] = [];
  const keys = new Set<string>();
  for (const p of peersOf(state, id.name)) {
    const cfg = num === p.gateway_num ? peerConfigOf(p, id.plan) : undefined;
    // A key listed twice would make the device merge two peers: the first one keeps it.
    if (!cfg || keys.has(cfg.publicKey)) continue;
    keys.add(cfg.publicKey);
    peers.push(cfg);
  }
  return { ...infra, peerDevice: { privateKey: id.peerKey, listenPort: peerListenPort, peers } };
}

/** The parts of the desired state that a peer change does not touch, as one string (to skip needless passes). */
export function infraFingerprint(d: GatewayInfra | GatewayDesired): string {
  return JSON.stringify(
    {
      registration: d.registration,
      networks: d.networks,
      mesh: d.meshDevice,
      routes: d.peerRoutes,
      nft: { ...d.nft, plan: d.nft.plan.prefix },
      listen: 'peerDevice' in d ? d.peerDevice.listenPort : d.peerListenPort,
    },
    (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v),
  );
}
