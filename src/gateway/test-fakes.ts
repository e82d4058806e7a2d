// In-memory seams and a small fleet for the gateway's unit tests: the fake network of runtime/net-fake.ts (the
// agent's too), fake WireGuard interfaces, MemoryNft.

import {
  asHostId,
  asInstanceNum,
  asNetworkId,
  asPeerIndex,
  defaultPlan,
  formatCidr,
  formatIPv6,
  instanceAddress,
  instanceIdOf,
  networkDnsAddress,
  networkPrefix,
  peerAddress,
} from '../core/address.ts';
import type { Host, Instance, Network, Peer, Snapshot } from '../core/model.ts';
import { endpointOf, parseEndpoint } from '../core/wg/endpoint.ts';
import { generateKeyPair, type WgKeyPair } from '../core/wg/keys.ts';
import { MemoryFiles } from '../runtime/file-store.ts';
import { MemoryNet } from '../runtime/net-fake.ts';
import { MemoryNft } from '../runtime/nft-fake.ts';
import { CachedWgDevice } from '../runtime/wg-device-cached.ts';
import { FakeWgDevice } from '../runtime/wg-device-fake.ts';
import { DEFAULT_DNS_PORT, type GatewayIdentity, type GatewayRegistrationBody } from './desired.ts';
import type { GatewayRunContext } from './observe.ts';
import type { GatewaySeams } from './seams.ts';

export interface FakeGatewaySeams extends GatewaySeams {
  net: MemoryNet;
  files: MemoryFiles;
  mesh: FakeWgDevice;
  peer: FakeWgDevice;
  nft: MemoryNft;
  registrations: GatewayRegistrationBody[];
}

export function fakeGatewaySeams(id: Pick<GatewayIdentity, 'meshIface' | 'peerIface'>): FakeGatewaySeams {
  const net = new MemoryNet();
  const links = {
    add: (i: string) => net.addLink(undefined, i),
    remove: (i: string) => net.delLink(undefined, i),
  };
  const peer = new FakeWgDevice(id.peerIface, links);
  const registrations: GatewayRegistrationBody[] = [];
  return {
    net,
    files: new MemoryFiles(),
    mesh: new FakeWgDevice(id.meshIface, links),
    peer,
    peerCache: new CachedWgDevice(peer),
    nft: new MemoryNft(),
    peerStats: async () => (await peer.get())?.peers,
    registrations,
    register: async (body) => {
      registrations.push(body);
    },
  };
}

// --- a small fleet: acme (network 0x18) and globex (0x2a); hosts h1 (ord), h2 (nrt); gateways gw1, gw2 (ord)

const T = '2026-01-01T00:00:00Z';
export const plan = defaultPlan;
export const ACME = 0x18;
export const GLOBEX = 0x2a;
export const keys: Record<string, WgKeyPair> = Object.fromEntries(
  ['h1', 'h2', 'gw1', 'gw2', 'gw1-peer', 'laptop', 'ci', 'vault-ci', 'other'].map((k) => [
    k,
    generateKeyPair(),
  ]),
);

export function identity(name = 'gw1'): GatewayIdentity {
  const num = name === 'gw1' ? 9 : 10;
  return {
    name,
    region: 'ord',
    plan,
    meshIface: 'sxm9',
    peerIface: 'sxp9',
    endpoint: parseEndpoint(`198.18.1.${num}:51820`),
    peerEndpoint: `198.18.1.${num}:51821`,
    peerPort: 51821,
    meshKey: keys[name]!.privateKey,
    peerKey: keys[`${name}-peer`]?.privateKey ?? generateKeyPair().privateKey,
    dnsPort: DEFAULT_DNS_PORT,
  };
}

export const runContext = (id: GatewayIdentity): GatewayRunContext => ({
  meshIface: id.meshIface,
  peerIface: id.peerIface,
  manageForwarding: true,
  nftHashFile: '/state/nft.hash',
});

function network(org: string, num: number): Network {
  const n = asNetworkId(num);
  return {
    id: `net-${org}`,
    org,
    name: 'default',
    num,
    prefix: formatCidr(networkPrefix(plan, n)),
    dns: formatIPv6(networkDnsAddress(plan, n)),
    created_at: T,
  };
}

export function host(name: string, num: number, role: Host['role'] = 'host'): Host {
  return {
    id: `host-${name}`,
    name,
    region: name === 'h2' ? 'nrt' : 'ord',
    role,
    num,
    endpoint: endpointOf(`198.18.1.${num}`, 51820),
    mesh_key: keys[name]?.publicKey ?? null,
    peer_key: null,
    peer_endpoint: null,
    created_at: T,
    registered_at: T,
  };
}

export function instance(org: string, net: number, hostName: string, hostNum: number, n: number): Instance {
  const id = instanceIdOf(asInstanceNum(n));
  return {
    id,
    app: 'web',
    org,
    network: 'default',
    network_num: net,
    region: hostName === 'h2' ? 'nrt' : 'ord',
    host: hostName,
    host_num: hostNum,
    state: 'started',
    address: formatIPv6(instanceAddress(plan, asNetworkId(net), asHostId(hostNum), asInstanceNum(n))),
    created_at: T,
    updated_at: T,
  };
}

export function peer(name: string, org: string, net: number, gw = 'gw1', index = 1): Peer {
  const gwNum = gw === 'gw1' ? 9 : 10;
  return {
    id: `peer-${name}`,
    org,
    network: 'default',
    network_num: net,
    name,
    region: 'ord',
    gateway: gw,
    gateway_num: gwNum,
    public_key: (keys[name] ?? generateKeyPair()).publicKey,
    address: formatIPv6(peerAddress(plan, asNetworkId(net), asHostId(gwNum), asPeerIndex(index))),
    created_at: T,
  };
}

export function fleet(
  peers: Peer[] = [peer('laptop', 'acme', ACME), peer('ci', 'acme', ACME, 'gw1', 2)],
): Snapshot {
  return {
    revision: 10,
    orgs: [],
    networks: [network('acme', ACME), network('globex', GLOBEX)],
    regions: [],
    hosts: [host('h1', 1), host('h2', 2), host('gw1', 9, 'gateway'), host('gw2', 10, 'gateway')],
    apps: [],
    instances: [
      instance('acme', ACME, 'h1', 1, 0xa1),
      instance('globex', GLOBEX, 'h1', 1, 0xb1),
      instance('acme', ACME, 'h2', 2, 0xa2),
    ],
    peers,
  };
}
