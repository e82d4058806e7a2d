// Table tests of the host mesh both ends compute: hosts allowed the /80s of their started instances, gateways the
// /80s of the networks they have peers in; unregistered or unparsable members skipped; never oneself.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultPlan } from './address.ts';
import { meshPeers } from './mesh-peers.ts';
import type { Host, Instance, Peer } from './model.ts';
import { LocalState } from './state.ts';

const T = '2026-01-01T00:00:00Z';
const host = (
  name: string,
  num: number,
  role: Host['role'],
  endpoint: string | null = `198.18.1.${num}:51820`,
): Host => ({
  id: `h-${name}`,
  name,
  region: 'ord',
  role,
  num,
  endpoint,
  mesh_key: endpoint ? Buffer.alloc(32, num).toString('base64') : null,
  peer_key: null,
  peer_endpoint: null,
  created_at: T,
  registered_at: endpoint ? T : null,
});
const inst = (
  id: string,
  hostName: string,
  hostNum: number,
  net: number,
  state: Instance['state'] = 'started',
): Instance => ({
  id,
  app: 'web',
  org: 'acme',
  network: 'default',
  network_num: net,
  region: 'ord',
  host: hostName,
  host_num: hostNum,
  state,
  address: `fdaa:0:${net.toString(16)}:0:${hostNum.toString(16)}:0:${id.slice(-2)}:2`,
  created_at: T,
  updated_at: T,
});
const peer = (name: string, gw: string, gwNum: number, net: number): Peer => ({
  id: `p-${name}`,
  org: 'acme',
  network: 'default',
  network_num: net,
  name,
  region: 'ord',
  gateway: gw,
  gateway_num: gwNum,
  public_key: Buffer.alloc(32, 200).toString('base64'),
  address: `fdaa:0:${net.toString(16)}:0:${gwNum.toString(16)}::102`,
  created_at: T,
});

const state = new LocalState({
  revision: 1,
  orgs: [],
  networks: [],
  regions: [],
  apps: [],
  hosts: [
    host('h1', 1, 'host'),
    host('h2', 2, 'host'),
    host('gw', 9, 'gateway'),
    host('new', 3, 'host', null),
    host('bad', 4, 'host', 'nonsense'),
  ],
  instances: [
    inst('000000a1', 'h1', 1, 0x18),
    inst('000000a2', 'h1', 1, 0x2a),
    inst('000000a3', 'h2', 2, 0x18, 'stopped'),
  ],
  peers: [peer('laptop', 'gw', 9, 0x18), peer('ci', 'gw', 9, 0x18), peer('phone', 'gw', 9, 0x2a)],
});

const allowed = (self: string) =>
  Object.fromEntries(meshPeers(state, self, defaultPlan).map((p) => [p.endpoint, p.allowedIps]));

test('a host sees the other hosts and the gateway, each with its slots', () => {
  assert.deepEqual(allowed('h2'), {
    '198.18.1.1:51820': ['fdaa:0:18:0:1::/80', 'fdaa:0:2a:0:1::/80'],
    '198.18.1.9:51820': ['fdaa:0:18:0:9::/80', 'fdaa:0:2a:0:9::/80'],
  });
});

test('the gateway sees every host with its started instances, never itself', () => {
  assert.deepEqual(allowed('gw'), {
    '198.18.1.1:51820': ['fdaa:0:18:0:1::/80', 'fdaa:0:2a:0:1::/80'],
    '198.18.1.2:51820': [],
  });
});
