// In-memory seams and the gateway's identity for its unit tests: the fake network of runtime/net-fake.ts (the
// agent's too), fake WireGuard devices, MemoryNft; the fleet comes from core/test-fleet.ts.

import { gatewayFleet, testKey } from '../core/test-fleet.ts';
import { parseEndpoint } from '../core/wg/endpoint.ts';
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
