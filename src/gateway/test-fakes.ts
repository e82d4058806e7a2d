// In-memory seams and a small fleet for the gateway's unit tests: a network whose links, addresses and routes
// behave like the kernel's (a deleted link takes its addresses and routes), fake WireGuard interfaces, MemoryNft.

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
import { invalid } from '../core/errors.ts';
import type { Host, Instance, Network, Peer, Snapshot } from '../core/model.ts';
import { endpointOf, parseEndpoint } from '../core/wg/endpoint.ts';
import { generateKeyPair, type WgKeyPair } from '../core/wg/keys.ts';
import { MemoryFiles } from '../runtime/file-store.ts';
import { MemoryNft } from '../runtime/nft-fake.ts';
import { CachedWgDevice } from '../runtime/wg-device-cached.ts';
import { FakeWgDevice } from '../runtime/wg-device-fake.ts';
import { DEFAULT_DNS_PORT, type GatewayIdentity, type GatewayRegistrationBody } from './desired.ts';
import type { GatewayNet } from './net.ts';
import type { GatewayRunContext } from './observe-apply.ts';
import type { ObservedLink } from './plan.ts';
import type { GatewaySeams } from './seams.ts';

export class MemoryGatewayNet implements GatewayNet {
  /** Every mutation as a `verb args` line: a test of "nothing to do" asserts no new ones. */
  readonly calls: string[] = [];
  forwarding = '0';
  readonly links = new Map<string, ObservedLink>();
  routes: { dst: string; dev: string }[] = [];

  addLink(name: string): void {
    this.links.set(name, { up: false, mtu: 1500, addrs: [] });
  }
  delLink(name: string): void {
    this.links.delete(name);
    this.routes = this.routes.filter((r) => r.dev !== name);
  }
  private link(name: string): ObservedLink {
    const l = this.links.get(name);
    if (!l) throw invalid(`Cannot find device "${name}"`);
    return l;
  }
  async readLink(iface: string) {
    const l = this.links.get(iface);
    return l ? structuredClone(l) : undefined;
  }
  async readRoutes() {
    return this.routes.map((r) => ({ ...r }));
  }
  async readForwarding() {
    return this.forwarding;
  }
  async enableForwarding() {
    this.calls.push('forwarding 1');
    this.forwarding = '1';
  }
  async linkUp(iface: string, mtu: number) {
    this.calls.push(`link-up ${iface} ${mtu}`);
    Object.assign(this.link(iface), { up: true, mtu });
  }
  async addAddr(iface: string, addr: string) {
    this.calls.push(`addr-add ${iface} ${addr}`);
    const l = this.link(iface);
    if (!l.addrs.includes(addr)) l.addrs.push(addr);
  }
  async delAddr(iface: string, addr: string) {
    this.calls.push(`addr-del ${iface} ${addr}`);
    const l = this.link(iface);
    l.addrs = l.addrs.filter((a) => a !== addr);
  }
  async replaceRoute(dst: string, dev: string) {
    this.calls.push(`route-replace ${dst} ${dev}`);
    this.link(dev);
    this.routes = [...this.routes.filter((r) => r.dst !== dst), { dst, dev }];
  }
  async delRoute(dst: string, dev: string) {
    this.calls.push(`route-del ${dst} ${dev}`);
    const before = this.routes.length;
    this.routes = this.routes.filter((r) => !(r.dst === dst && r.dev === dev));
    if (this.routes.length === before) throw invalid(`RTNETLINK answers: No such process (${dst})`);
  }
}

export interface FakeGatewaySeams extends GatewaySeams {
  net: MemoryGatewayNet;
  files: MemoryFiles;
  mesh: FakeWgDevice;
  peer: FakeWgDevice;
  nft: MemoryNft;
  registrations: GatewayRegistrationBody[];
}

export function fakeGatewaySeams(id: Pick<GatewayIdentity, 'meshIface' | 'peerIface'>): FakeGatewaySeams {
  const net = new MemoryGatewayNet();
  const links = { add: (i: string) => net.addLink(i), remove: (i: string) => net.delLink(i) };
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
