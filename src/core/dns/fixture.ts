// A small two-network Snapshot (org acme = network 0x18, org globex = network 0x2a) for the DNS tests and
// README examples: apps with and without private networking, started and stopped instances, peers.

import type { App, Instance, Peer, Region, Snapshot } from '../model.ts';

const T0 = '2025-01-01T00:00:00.000Z';

export const NET_A = 0x18;
export const NET_B = 0x2a;

export function region(code: string, lat: number, lon: number): Region {
  return { code, name: code.toUpperCase(), lat, lon, created_at: T0 };
}

export function app(name: string, networkNum: number, privateNetwork = true): App {
  const org = networkNum === NET_B ? 'globex' : 'acme';
  return {
    id: `app-${name}`,
    org,
    network: 'default',
    network_num: networkNum,
    name,
    private_network: privateNetwork,
    created_at: T0,
  };
}

export function instance(
  id: string,
  appName: string,
  networkNum: number,
  regionCode: string,
  hostNum: number,
  state: 'started' | 'stopped' = 'started',
  address:
    | string
    | null = `fdaa:0:${networkNum.toString(16)}:0:${hostNum}:${id.slice(0, 4)}:${id.slice(4)}:2`,
): Instance {
  return {
    id,
    app: appName,
    org: networkNum === NET_B ? 'globex' : 'acme',
    network: 'default',
    network_num: networkNum,
    region: regionCode,
    host: `host-${hostNum}`,
    host_num: hostNum,
    state,
    address,
    created_at: T0,
    updated_at: T0,
  };
}

export function peer(name: string, networkNum: number, address: string): Peer {
  return {
    id: `peer-${name}`,
    org: networkNum === NET_B ? 'globex' : 'acme',
    network: 'default',
    network_num: networkNum,
    name,
    region: 'ord',
    gateway: 'gw-1',
    gateway_num: 9,
    public_key: 'x'.repeat(43) + '=',
    address,
    created_at: T0,
  };
}

/** The fixture: see the table tests in zone-index.test.ts for what each name answers. */
export function fixtureSnapshot(): Snapshot {
  return {
    revision: 100,
    orgs: [
      { id: 'org-acme', name: 'acme', created_at: T0 },
      { id: 'org-globex', name: 'globex', created_at: T0 },
    ],
    networks: [
      {
        id: 'net-a',
        org: 'acme',
        name: 'default',
        num: NET_A,
        prefix: 'fdaa:0:18::/48',
        dns: 'fdaa:0:18::3',
        created_at: T0,
      },
      {
        id: 'net-b',
        org: 'globex',
        name: 'default',
        num: NET_B,
        prefix: 'fdaa:0:2a::/48',
        dns: 'fdaa:0:2a::3',
        created_at: T0,
      },
    ],
    regions: [
      region('ord', 41.978, -87.905),
      region('iad', 38.944, -77.456),
      region('nrt', 35.772, 140.393),
      region('ams', 52.309, 4.764),
    ],
    hosts: [],
    apps: [
      app('web', NET_A),
      app('db', NET_A),
      app('worker', NET_A, false),
      app('idle', NET_A),
      app('vault', NET_B),
    ],
    instances: [
      instance('a0000001', 'web', NET_A, 'ord', 1),
      instance('a0000002', 'web', NET_A, 'ord', 2),
      instance('b0000003', 'web', NET_A, 'nrt', 3),
      instance('c0000004', 'web', NET_A, 'iad', 4, 'stopped'),
      instance('0d000005', 'db', NET_A, 'ord', 1),
      instance('e0000006', 'worker', NET_A, 'ord', 1, 'started', null),
      instance('f0000007', 'vault', NET_B, 'ord', 1),
    ],
    peers: [peer('laptop', NET_A, 'fdaa:0:18:0:9:0:0:102'), peer('ci', NET_B, 'fdaa:0:2a:0:9:0:0:102')],
  };
}
