// iproute2's JSON parsed: `ip -j link|addr|route show` (real output of iproute2 6.1, inline and golden files) and
// canonical addresses.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  canonicalAddr,
  parseAddresses,
  parseAddrShow,
  parseLinks,
  parseRouteShow,
  parseRoutes,
} from './iproute.ts';

const golden = (name: string) => readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8');

// Taken from `ip -j` (iproute2 6.1) in a namespace.
const LINK = `[{"ifindex":3,"link":"sxb","ifname":"sxa","flags":["NO-CARRIER","BROADCAST","MULTICAST","UP","M-DOWN"],"mtu":1420,"qdisc":"noqueue","operstate":"LOWERLAYERDOWN","linkmode":"DEFAULT","group":"default","txqlen":1000,"link_type":"ether","address":"da:3f:20:f6:a1:84","broadcast":"ff:ff:ff:ff:ff:ff"}]`;
const ADDR = `[{"ifindex":3,"link":"sxb","ifname":"sxa","flags":["UP"],"mtu":1420,"addr_info":[{"family":"inet","local":"198.18.0.1","prefixlen":24,"scope":"global","label":"sxa","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet6","local":"fdaa:0:1:0:1:0:1:2","prefixlen":112,"scope":"global","nodad":true,"valid_life_time":4294967295,"preferred_life_time":4294967295}]}]`;
const ROUTE6 = `[{"dst":"fdaa:0:1:0:1:0:1:0/112","dev":"sxa","protocol":"kernel","metric":256,"flags":["linkdown"],"pref":"medium"},{"dst":"fdaa:0:2::5","dev":"sxa","metric":1024,"flags":["linkdown"],"pref":"medium"},{"dst":"fdaa::/16","gateway":"fe80::1","dev":"sxa","metric":1024,"flags":["linkdown"],"pref":"medium"}]`;
const ROUTE4 = `[{"dst":"198.18.0.0/24","dev":"sxa","protocol":"kernel","scope":"link","prefsrc":"198.18.0.1","flags":["linkdown"]}]`;

test('parseLinks', () => {
  assert.deepEqual(parseLinks(LINK), [
    { name: 'sxa', index: 3, mtu: 1420, up: true, operstate: 'LOWERLAYERDOWN' },
  ]);
  assert.deepEqual(parseLinks(''), []);
});

test('parseAddresses', () => {
  assert.deepEqual(parseAddresses(ADDR), [
    { family: 'inet', local: '198.18.0.1', prefixlen: 24, scope: 'global' },
    { family: 'inet6', local: 'fdaa:0:1:0:1:0:1:2', prefixlen: 112, scope: 'global' },
  ]);
});

test('parseRoutes', () => {
  assert.deepEqual(parseRoutes(ROUTE6), [
    { dst: 'fdaa:0:1:0:1:0:1:0/112', dev: 'sxa' },
    { dst: 'fdaa:0:2::5', dev: 'sxa' },
    { dst: 'fdaa::/16', gateway: 'fe80::1', dev: 'sxa' },
  ]);
  assert.deepEqual(parseRoutes(ROUTE4), [{ dst: '198.18.0.0/24', dev: 'sxa', prefsrc: '198.18.0.1' }]);
});

test('canonicalAddr', () => {
  assert.equal(canonicalAddr('FDAA:0000:0001::0002/112'), 'fdaa:0:1::2/112');
  assert.equal(canonicalAddr('198.18.0.1/24'), '198.18.0.1/24');
  assert.throws(() => canonicalAddr('fdaa::1'), /prefix length/);
  assert.throws(() => canonicalAddr('fdaa::1/129'), /prefix length/);
});

test('parseAddrShow: links with up flag, MTU, all and global addresses in canonical form', () => {
  const links = parseAddrShow(golden('ip-addr-show.json'));
  assert.deepEqual([...links.keys()], ['lo', 'sxb', 'sxa']);
  assert.deepEqual(links.get('sxa'), {
    name: 'sxa',
    up: true,
    mtu: 1500,
    addrs: ['fdaa:0:1:0:1:0:a1:2/112', 'fe80::1/64'],
    globalAddrs: ['fdaa:0:1:0:1:0:a1:2/112'],
  });
  assert.equal(links.get('sxb')?.up, false);
  assert.deepEqual(links.get('lo')?.globalAddrs, [], 'host-scope addresses are not global');
  assert.equal(parseAddrShow('').size, 0);
});

test('parseRouteShow: canonical destinations (host routes as /128), device and gateway', () => {
  assert.deepEqual(parseRouteShow(golden('ip-route-show.json')), [
    { dst: 'fdaa:0:1:0:1:0:a1:0/112', dev: 'sxa' },
    { dst: 'fdaa:0:2::5/128', dev: 'sxa' },
    { dst: 'fdaa::/16', dev: 'sxa', via: 'fe80::9' },
    { dst: 'fe80::/64', dev: 'sxa' },
  ]);
});
