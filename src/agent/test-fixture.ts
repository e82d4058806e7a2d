// A small fleet for the agent's unit tests: orgs acme (network 1) and globex (network 2), hosts h1 h2 (ord), h3
// (nrt), gateway gw1 (ord), apps web/db/vault, with addresses from the address plan. Plus fakes wired together.

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
import type { App, Host, Instance, Network, Peer, Snapshot } from '../core/model.ts';
import { LocalState } from '../core/state.ts';
import { endpointOf } from '../core/wg/endpoint.ts';
import { generateKeyPair, type WgKeyPair } from '../core/wg/keys.ts';
import { silentLogger } from '../lib/log.ts';
import { MemoryFiles } from '../runtime/file-store.ts';
import { MemoryNet } from '../runtime/net-fake.ts';
import { MemoryNft } from '../runtime/nft-fake.ts';
import { FakeWgDevice } from '../runtime/wg-device-fake.ts';
import type { AgentIdentity } from './desired.ts';
import type { AgentSeams, ReconcileContext } from './observe.ts';
import { reconcileOnce } from './reconcile.ts';

const T = '2026-01-01T00:00:00Z';
export const plan = defaultPlan;
export const keys: Record<string, WgKeyPair> = {
  h1: generateKeyPair(),
  h2: generateKeyPair(),
  h3: generateKeyPair(),
  gw1: generateKeyPair(),
};

export function network(org: string, num: number): Network {
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

export function host(name: string, num: number, region: string, registered = true): Host {
  return {
    id: `host-${name}`,
    name,
    region,
    role: name.startsWith('gw') ? 'gateway' : 'host',
    num,
    endpoint: registered ? endpointOf(`198.18.1.${num}`, 51820) : null,
    mesh_key: registered ? (keys[name]?.publicKey ?? null) : null,
    peer_key: null,
    peer_endpoint: null,
    created_at: T,
    registered_at: registered ? T : null,
  };
}

export function app(org: string, name: string, net: number): App {
  return {
    id: `app-${name}`,
    org,
    network: `net-${org}`,
    network_num: net,
    name,
    private_network: true,
    created_at: T,
  };
}

export function instance(num: number, a: App, h: Host, state: 'started' | 'stopped' = 'started'): Instance {
  return {
    id: instanceIdOf(asInstanceNum(num)),
    app: a.name,
    org: a.org,
    network: a.network,
    network_num: a.network_num,
    region: h.region,
    host: h.name,
    host_num: h.num,
    state,
    address: formatIPv6(
      instanceAddress(plan, asNetworkId(a.network_num), asHostId(h.num), asInstanceNum(num)),
    ),
    created_at: T,
    updated_at: T,
  };
}

export function peer(name: string, gw: Host, net: Network, index: number): Peer {
  return {
    id: `peer-${name}`,
    org: net.org,
    network: net.id,
    network_num: net.num,
    name,
    region: gw.region,
    gateway: gw.name,
    gateway_num: gw.num,
    public_key: generateKeyPair().publicKey,
    address: formatIPv6(peerAddress(plan, asNetworkId(net.num), asHostId(gw.num), asPeerIndex(index))),
    created_at: T,
  };
}

export const hosts = {
  h1: host('h1', 1, 'ord'),
  h2: host('h2', 2, 'ord'),
  h3: host('h3', 3, 'nrt'),
  gw1: host('gw1', 4, 'ord'),
};
export const nets = { acme: network('acme', 1), globex: network('globex', 2) };
export const apps = {
  web: app('acme', 'web', 1),
  db: app('acme', 'db', 1),
  vault: app('globex', 'vault', 2),
};

/** The demo: web on h1 and h3, db on h2, vault on h1; all hosts registered. */
export function demoSnapshot(): Snapshot {
  return {
    revision: 10,
    orgs: [],
    networks: [nets.acme, nets.globex],
    regions: [],
    hosts: Object.values(hosts),
    apps: Object.values(apps),
    instances: [
      instance(0xa1, apps.web, hosts.h1),
      instance(0xa3, apps.web, hosts.h3),
      instance(0xb2, apps.db, hosts.h2),
      instance(0xc1, apps.vault, hosts.h1),
    ],
    peers: [],
  };
}

export function identity(name = 'h1', over: Partial<AgentIdentity> = {}): AgentIdentity {
  const h = hosts[name as keyof typeof hosts];
  return {
    host: name,
    region: h.region,
    plan,
    meshIface: 'sxm1',
    endpoint: endpointOf(`198.18.1.${h.num}`, 51820),
    meshKey: keys[name]!.privateKey,
    lab: true,
    netnsTemplate: 'sixpn-i-{id}',
    envDir: '/state/instances',
    etcNetnsDir: '/etc/netns',
    ...over,
  };
}

export function context(id: AgentIdentity): ReconcileContext {
  return {
    lab: id.lab,
    meshIface: id.meshIface,
    netnsTemplate: id.netnsTemplate,
    envDir: id.envDir,
    etcNetnsDir: id.etcNetnsDir,
    manageForwarding: true,
    nftHashFile: '/state/nft.hash',
  };
}

/** An agent over in-memory fakes, with the registration calls it made. */
export function fakeAgent(name = 'h1', over: Partial<AgentIdentity> = {}) {
  const net = new MemoryNet();
  const id = identity(name, over);
  const registrations: { endpoint: string; mesh_key: string }[] = [];
  const seams: AgentSeams & { net: MemoryNet; files: MemoryFiles; mesh: FakeWgDevice; nft: MemoryNft } = {
    net,
    files: new MemoryFiles(),
    mesh: new FakeWgDevice(id.meshIface, {
      add: (i) => net.addLink(undefined, i, { mtu: 1420 }),
      remove: (i) => net.delLink(undefined, i),
    }),
    nft: new MemoryNft(),
    register: async (body) => {
      registrations.push(body);
    },
  };
  const ctx = context(id);
  return {
    id,
    seams,
    ctx,
    registrations,
    reconcile: (state: LocalState) => reconcileOnce(state, id, seams, ctx, silentLogger),
    /** Mutations the fakes have seen so far. */
    mutations: () => [
      ...net.calls,
      ...seams.files.calls,
      ...seams.mesh.sets.map((s) => `mesh-set ${JSON.stringify(s)}`),
      ...seams.nft.batches.map(() => 'nft'),
      ...registrations.map(() => 'register'),
    ],
  };
}

export const stateOf = (s: Snapshot) => new LocalState(s);
export const logger = silentLogger;
