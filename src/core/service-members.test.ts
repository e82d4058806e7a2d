// Who a service address is balanced over on one machine: serving instances of the app, the machine's region
// first when any serve there, else every region; only networks present; untrusted records skipped.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatIPv6, parseIPv6 } from './address.ts';
import type { ServiceBalance } from './nft/service-lb.ts';
import { serviceBalances } from './service-members.ts';
import { LocalState } from './state.ts';
import { Fleet } from './test-fleet.ts';

const NET_A = 0x18;
const NET_B = 0x2a;

function fleet(): Fleet {
  return new Fleet()
    .network('acme', NET_A)
    .network('globex', NET_B)
    .region('ord', 41.9, -87.9)
    .region('ams', 52.3, 4.7)
    .region('nrt', 35.7, 140.3)
    .host('o1', 1, 'ord')
    .host('o2', 2, 'ord')
    .host('a1', 3, 'ams')
    .app('acme', 'web', true, 1)
    .app('acme', 'db', true)
    .app('globex', 'vault', true, 1)
    .instance(0x11, 'web', 'o1')
    .instance(0x12, 'web', 'o2')
    .instance(0x13, 'web', 'a1')
    .instance(0x14, 'web', 'o1', 'stopped')
    .instance(0x21, 'db', 'o1')
    .instance(0x31, 'vault', 'a1');
}

const show = (bs: ServiceBalance[]) => bs.map((b) => [formatIPv6(b.address), b.members.map(formatIPv6)]);
const balances = (f: Fleet, region: string, nets: number[]) =>
  show(serviceBalances(new LocalState(f.snapshot()), f.plan, region, nets as never));

test('region first: ord hosts balance over ord instances only; started ones only', () => {
  assert.deepEqual(balances(fleet(), 'ord', [NET_A]), [
    ['fdaa:0:18::1:2', ['fdaa:0:18:0:1:0:11:2', 'fdaa:0:18:0:2:0:12:2']],
  ]);
});

test('a region where none serve: every serving instance', () => {
  const all = ['fdaa:0:18:0:1:0:11:2', 'fdaa:0:18:0:2:0:12:2', 'fdaa:0:18:0:3:0:13:2'];
  assert.deepEqual(balances(fleet(), 'nrt', [NET_A]), [['fdaa:0:18::1:2', all]]);
  const f = fleet();
  // ams's only web instance stops: ams falls back to every region
  f.instances[2] = f.makeInstance(0x13, 'web', 'a1', 'stopped');
  assert.deepEqual(balances(f, 'ams', [NET_A]), [['fdaa:0:18::1:2', all.slice(0, 2)]]);
});

test('only the networks present; each network its own services, sorted by address', () => {
  assert.deepEqual(balances(fleet(), 'ams', [NET_B]), [['fdaa:0:2a::1:2', ['fdaa:0:2a:0:3:0:31:2']]]);
  assert.deepEqual(balances(fleet(), 'ams', []), []);
  assert.deepEqual(
    balances(fleet(), 'ams', [NET_A, NET_B]).map(([a]) => a),
    ['fdaa:0:18::1:2', 'fdaa:0:2a::1:2'],
  );
});

test('a service with no serving instance is still listed, with no member (refused, not routed)', () => {
  const f = fleet();
  f.instances.splice(0, 4);
  assert.deepEqual(balances(f, 'ord', [NET_A]), [['fdaa:0:18::1:2', []]]);
});

test('records not to trust are skipped: an address of another network, not a service address, no private networking', () => {
  const f = fleet();
  const web = f.apps.get('web');
  assert.ok(web);
  for (const bad of ['fdaa:0:2a::1:2', 'fdaa:0:18:0:1:0:11:2', 'not an address']) {
    f.apps.set('web', { ...web, service_address: bad });
    assert.deepEqual(
      balances(f, 'ord', [NET_A, NET_B]).map(([a]) => a),
      ['fdaa:0:2a::1:2'],
      bad,
    );
  }
  f.apps.set('web', { ...web, private_network: false });
  assert.deepEqual(balances(f, 'ord', [NET_A]), []);
  assert.equal(parseIPv6('fdaa:0:18::1:2'), parseIPv6(web.service_address ?? ''));
});
