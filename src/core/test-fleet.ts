// The one fleet builder of the unit tests: orgs, networks, regions, hosts, gateways, apps, instances and peers as
// the control plane would store them, with every address from the address plan and deterministic keys per name.

import { createHash } from 'node:crypto';
import {
  type AddressPlan,
  asHostId,
  asInstanceNum,
  asNetworkId,
  asPeerIndex,
  asServiceNum,
  defaultPlan,
  formatCidr,
  formatIPv6,
  instanceAddress,
  instanceIdOf,
  networkDnsAddress,
  networkPrefix,
  peerAddress,
  serviceAddress,
} from './address.ts';
import type { App, Host, Instance, InstanceState, Network, Org, Peer, Region, Snapshot } from './model.ts';
import { LocalState } from './state.ts';
import { endpointOf } from './wg/endpoint.ts';
import { publicKeyOf, type WgKeyPair, type WgPrivateKey } from './wg/keys.ts';

const KEYS = new Map<string, WgKeyPair>();

/** The key pair of a name: the same in every test run (derived from the name), so expectations can name it. */
export function testKey(name: string): WgKeyPair {
  let pair = KEYS.get(name);
  if (!pair) {
    const privateKey = createHash('sha256').update(`sixpn test key ${name}`).digest('base64') as WgPrivateKey;
    pair = { privateKey, publicKey: publicKeyOf(privateKey) };
    KEYS.set(name, pair);
  }
  return pair;
}

/** The name whose `testKey` has this public key, if one was made. */
export function testKeyName(publicKey: string): string | undefined {
  for (const [name, pair] of KEYS) if (pair.publicKey === publicKey) return name;
  return undefined;
}

/** Where an instance runs: a host of the fleet by name, or any slot (a host the snapshot need not list). */
export type HostRef = string | Pick<Host, 'name' | 'num' | 'region'>;

export interface FleetOptions {
  plan?: AddressPlan;
  /** Every created_at / updated_at / registered_at. */
  at?: string;
  revision?: number;
}

export interface HostOptions {
  /** false: not yet registered (no endpoint, no mesh key). */
  registered?: boolean;
  role?: Host['role'];
  /** The underlay endpoint once registered; default 198.18.1.NUM:51820. */
  endpoint?: string;
}

/**
 * A fleet declared step by step; `snapshot()` gives a fresh Snapshot each call. The `make*` methods build one
 * entity of this fleet without adding it (for watch-stream changes and variants); the others add it.
 */
export class Fleet {
  readonly plan: AddressPlan;
  readonly at: string;
  readonly revision: number;
  readonly orgs = new Map<string, Org>();
  /** By org name: one network per org. */
  readonly networks = new Map<string, Network>();
  readonly regions = new Map<string, Region>();
  readonly hosts = new Map<string, Host>();
  /** By app name, or `org/name` when two orgs have an app of that name. */
  readonly apps = new Map<string, App>();
  readonly instances: Instance[] = [];
  readonly peers: Peer[] = [];

  constructor(o: FleetOptions = {}) {
    this.plan = o.plan ?? defaultPlan;
    this.at = o.at ?? '2026-01-01T00:00:00Z';
    this.revision = o.revision ?? 10;
  }

  /** The org's network number `num`; adds the org too. */
  network(org: string, num: number, id = `net-${org}`): this {
    if (!this.orgs.has(org)) this.orgs.set(org, { id: `org-${org}`, name: org, created_at: this.at });
    const n = asNetworkId(num);
    this.networks.set(org, {
      id,
      org,
      name: 'default',
      num,
      prefix: formatCidr(networkPrefix(this.plan, n)),
      dns: formatIPv6(networkDnsAddress(this.plan, n)),
      created_at: this.at,
    });
    return this;
  }

  region(code: string, lat: number, lon: number): this {
    this.regions.set(code, this.makeRegion(code, lat, lon));
    return this;
  }

  makeRegion(code: string, lat: number, lon: number): Region {
    return { code, name: code.toUpperCase(), lat, lon, created_at: this.at };
  }

  /** A host with its underlay endpoint and the mesh key `testKey(name)` once registered. */
  host(name: string, num: number, region: string, o: HostOptions = {}): this {
    const registered = o.registered ?? true;
    this.hosts.set(name, {
      id: `host-${name}`,
      name,
      region,
      role: o.role ?? 'host',
      num,
      endpoint: registered ? (o.endpoint ?? endpointOf(`198.18.1.${num}`, 51820)) : null,
      mesh_key: registered ? testKey(name).publicKey : null,
      peer_key: null,
      peer_endpoint: null,
      created_at: this.at,
      registered_at: registered ? this.at : null,
    });
    return this;
  }

  gateway(name: string, num: number, region: string): this {
    return this.host(name, num, region, { role: 'gateway' });
  }

  /** App `name` of the org's network; `service`: its service number (a service address `fdaa:N:N::S:2`). */
  app(org: string, name: string, privateNetwork = true, service?: number): this {
    const a = this.makeApp(org, name, privateNetwork, service);
    this.apps.set(this.apps.has(name) ? `${org}/${name}` : name, a);
    return this;
  }

  makeApp(org: string, name: string, privateNetwork = true, service?: number): App {
    const net = asNetworkId(this.net(org).num);
    return {
      id: `app-${name}`,
      org,
      network: 'default',
      network_num: this.net(org).num,
      name,
      private_network: privateNetwork,
      service_address:
        service === undefined ? null : formatIPv6(serviceAddress(this.plan, net, asServiceNum(service))),
      created_at: this.at,
    };
  }

  /** Instance number `num` (its id is `instanceIdOf(num)`) of an app on a host. */
  instance(num: number, app: string | App, host: HostRef, state: InstanceState = 'started'): this {
    this.instances.push(this.makeInstance(num, app, host, state));
    return this;
  }

  makeInstance(num: number, app: string | App, host: HostRef, state: InstanceState = 'started'): Instance {
    const a = typeof app === 'string' ? this.get(this.apps, app) : app;
    const h = typeof host === 'string' ? this.get(this.hosts, host) : host;
    const inst = asInstanceNum(num);
    const address = instanceAddress(this.plan, asNetworkId(a.network_num), asHostId(h.num), inst);
    return {
      id: instanceIdOf(inst),
      app: a.name,
      org: a.org,
      network: a.network,
      network_num: a.network_num,
      region: h.region,
      host: h.name,
      host_num: h.num,
      state,
      address: a.private_network ? formatIPv6(address) : null,
      created_at: this.at,
      updated_at: this.at,
    };
  }

  /** Peer `name` of the org's network at slot `index` of a gateway; its key is `testKey(name)`. */
  peer(name: string, org: string, gateway: string, index = 1): this {
    this.peers.push(this.makePeer(name, org, gateway, index));
    return this;
  }

  makePeer(name: string, org: string, gateway: string, index = 1): Peer {
    const net = this.net(org);
    const gw = this.get(this.hosts, gateway);
    const address = peerAddress(this.plan, asNetworkId(net.num), asHostId(gw.num), asPeerIndex(index));
    return {
      id: `peer-${name}`,
      org,
      network: net.name,
      network_num: net.num,
      name,
      region: gw.region,
      gateway: gw.name,
      gateway_num: gw.num,
      public_key: testKey(name).publicKey,
      address: formatIPv6(address),
      created_at: this.at,
    };
  }

  net(org: string): Network {
    return this.get(this.networks, org);
  }

  /** A fresh copy of the fleet as a Snapshot; `replace` swaps whole collections (e.g. another peer list). */
  snapshot(replace: Partial<Snapshot> = {}): Snapshot {
    return {
      ...structuredClone({
        revision: this.revision,
        orgs: [...this.orgs.values()],
        networks: [...this.networks.values()],
        regions: [...this.regions.values()],
        hosts: [...this.hosts.values()],
        apps: [...this.apps.values()],
        instances: this.instances,
        peers: this.peers,
      }),
      ...replace,
    };
  }

  state(replace: Partial<Snapshot> = {}): LocalState {
    return new LocalState(this.snapshot(replace));
  }

  private get<T>(m: Map<string, T>, key: string): T {
    const v = m.get(key);
    if (v === undefined) throw new Error(`test fleet: no ${key}`);
    return v;
  }
}

// --- the fleets the tests share

/**
 * The agent's: acme (network 1) and globex (2); hosts h1 h2 (ord), h3 (nrt), gateway gw1 (ord); web on h1 and
 * h3, db on h2, vault on h1.
 */
export function agentFleet(): Fleet {
  return new Fleet()
    .network('acme', 1)
    .network('globex', 2)
    .host('h1', 1, 'ord')
    .host('h2', 2, 'ord')
    .host('h3', 3, 'nrt')
    .gateway('gw1', 4, 'ord')
    .app('acme', 'web')
    .app('acme', 'db')
    .app('globex', 'vault')
    .instance(0xa1, 'web', 'h1')
    .instance(0xa3, 'web', 'h3')
    .instance(0xb2, 'db', 'h2')
    .instance(0xc1, 'vault', 'h1');
}

export const ACME = 0x18;
export const GLOBEX = 0x2a;

/** The gateway's: acme and globex; hosts h1 (ord), h2 (nrt); gateways gw1, gw2 (ord); peers laptop, ci on gw1. */
export function gatewayFleet(): Fleet {
  return new Fleet()
    .network('acme', ACME)
    .network('globex', GLOBEX)
    .host('h1', 1, 'ord')
    .host('h2', 2, 'nrt')
    .gateway('gw1', 9, 'ord')
    .gateway('gw2', 10, 'ord')
    .app('acme', 'web')
    .app('globex', 'web')
    .instance(0xa1, 'web', 'h1')
    .instance(0xb1, 'globex/web', 'h1')
    .instance(0xa2, 'web', 'h2')
    .peer('laptop', 'acme', 'gw1', 1)
    .peer('ci', 'acme', 'gw1', 2);
}

export const NET_A = 0x18;
export const NET_B = 0x2a;

/**
 * The DNS tests' and README examples': apps with and without private networking, started and stopped
 * instances, peers; see the table tests in core/dns/zone-index.test.ts for what each name answers.
 */
export function dnsFleet(): Fleet {
  return new Fleet({ at: '2025-01-01T00:00:00.000Z', revision: 100 })
    .network('acme', NET_A, 'net-a')
    .network('globex', NET_B, 'net-b')
    .region('ord', 41.978, -87.905)
    .region('iad', 38.944, -77.456)
    .region('nrt', 35.772, 140.393)
    .region('ams', 52.309, 4.764)
    .host('host-1', 1, 'ord')
    .host('host-2', 2, 'ord')
    .host('host-3', 3, 'nrt')
    .host('host-4', 4, 'iad')
    .host('host-5', 5, 'ams')
    .host('host-7', 7, 'ams')
    .host('host-8', 8, 'ams')
    .gateway('gw-1', 9, 'ord')
    .app('acme', 'web')
    .app('acme', 'db')
    .app('acme', 'worker', false)
    .app('acme', 'idle')
    .app('globex', 'vault')
    .instance(0xa0000001, 'web', 'host-1')
    .instance(0xa0000002, 'web', 'host-2')
    .instance(0xb0000003, 'web', 'host-3')
    .instance(0xc0000004, 'web', 'host-4', 'stopped')
    .instance(0x0d000005, 'db', 'host-1')
    .instance(0xe0000006, 'worker', 'host-1')
    .instance(0xf0000007, 'vault', 'host-1')
    .peer('laptop', 'acme', 'gw-1', 1)
    .peer('ci', 'globex', 'gw-1', 1);
}
