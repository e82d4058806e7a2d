// In-memory seams and the gateway's identity for its unit tests: a network whose links, addresses and routes
// behave like the kernel's (a deleted link takes its addresses and routes), fake WireGuard interfaces, MemoryNft.

import { invalid } from '../core/errors.ts';
import { gatewayFleet, testKey } from '../core/test-fleet.ts';
import { parseEndpoint } from '../core/wg/endpoint.ts';
import { MemoryFiles } from '../runtime/file-store.ts';
import { MemoryNft } from '../runtime/nft-fake.ts';
import { CachedWgDevice } from '../runtime/wg-device-cached.ts';
import { FakeWgInterface } from '../runtime/wg-interface-fake.ts';
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
  mesh: FakeWgInterface;
  peer: FakeWgInterface;
  nft: MemoryNft;
  registrations: GatewayRegistrationBody[];
}

export function fakeGatewaySeams(id: Pick<GatewayIdentity, 'meshIface' | 'peerIface'>): FakeGatewaySeams {
  const net = new MemoryGatewayNet();
  const links = { add: (i: string) => net.addLink(i), remove: (i: string) => net.delLink(i) };
  const peer = new FakeWgInterface(id.peerIface, links);
  const registrations: GatewayRegistrationBody[] = [];
  return {
    net,
    files: new MemoryFiles(),
    mesh: new FakeWgInterface(id.meshIface, links),
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

// --- the gateway's identity on a gateway of the gateway fleet (core/test-fleet.ts)

const fleet = gatewayFleet();

export function identity(name = 'gw1'): GatewayIdentity {
  const num = fleet.hosts.get(name)?.num;
  if (num === undefined) throw new Error(`no gateway ${name} in the gateway fleet`);
  return {
    name,
    region: 'ord',
    plan: fleet.plan,
    meshIface: 'sxm9',
    peerIface: 'sxp9',
    endpoint: parseEndpoint(`198.18.1.${num}:51820`),
    peerEndpoint: `198.18.1.${num}:51821`,
    peerPort: 51821,
    meshKey: testKey(name).privateKey,
    peerKey: testKey(`${name}-peer`).privateKey,
    dnsPort: DEFAULT_DNS_PORT,
  };
}

export const runContext = (id: GatewayIdentity): GatewayRunContext => ({
  meshIface: id.meshIface,
  peerIface: id.peerIface,
  manageForwarding: true,
  nftHashFile: '/state/nft.hash',
});
