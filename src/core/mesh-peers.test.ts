// Table tests of the host mesh both ends compute: hosts allowed the /80s of their started instances, gateways the
// /80s of the networks they have peers in; unregistered or unparsable members skipped; never oneself.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultPlan } from './address.ts';
import { meshPeers } from './mesh-peers.ts';
import { Fleet } from './test-fleet.ts';

const fleet = new Fleet()
  .network('acme', 0x18)
  .network('globex', 0x2a)
  .host('h1', 1, 'ord')
  .host('h2', 2, 'ord')
  .gateway('gw', 9, 'ord')
  .host('new', 3, 'ord', { registered: false })
  .host('bad', 4, 'ord', { endpoint: 'nonsense' })
  .app('acme', 'web')
  .app('globex', 'web')
  .instance(0xa1, 'web', 'h1')
  .instance(0xa2, 'globex/web', 'h1')
  .instance(0xa3, 'web', 'h2', 'stopped')
  .peer('laptop', 'acme', 'gw', 1)
  .peer('ci', 'acme', 'gw', 2)
  .peer('phone', 'globex', 'gw', 1);
const state = fleet.state();

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

test('every mesh peer is greeted with a handshake when added (its end may have tried before we listened)', () => {
  for (const self of ['h1', 'gw']) {
    assert.ok(meshPeers(state, self, defaultPlan).every((p) => p.handshakeOnAdd === true));
  }
});
