// The iproute2 side of the agent's network seam: `ip -j` parsing (golden output captured from `ip` 6.1) and the
// `ip -batch` lines each step becomes.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { NetStep } from './actions.ts';
import { ipLine, parseAddrShow, parseRouteShow } from './host-net.ts';

const golden = (name: string) => readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8');

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

const rows: [NetStep, string][] = [
  [
    { do: 'veth-add', iface: 'sxi000000a1', ns: 'sixpn-i-000000a1', peer: 'eth0', mtu: 1420 },
    'link add sxi000000a1 mtu 1420 type veth peer name eth0 mtu 1420 netns sixpn-i-000000a1',
  ],
  [{ do: 'link-del', iface: 'sxi000000a1' }, 'link del sxi000000a1'],
  [{ do: 'link-set', iface: 'lo', up: true }, 'link set dev lo up'],
  [{ do: 'link-set', iface: 'eth0', up: true, mtu: 1420 }, 'link set dev eth0 mtu 1420 up'],
  [{ do: 'addr-add', iface: 'lo', addr: 'fdaa::3/128' }, 'addr replace fdaa::3/128 dev lo nodad'],
  [{ do: 'addr-del', iface: 'eth0', addr: 'fdaa::9/112' }, 'addr del fdaa::9/112 dev eth0'],
  [{ do: 'route-replace', dst: 'fdaa::/16', dev: 'sxm1' }, 'route replace fdaa::/16 dev sxm1'],
  [
    { do: 'route-replace', dst: 'fdaa::/16', dev: 'eth0', via: 'fe80::1' },
    'route replace fdaa::/16 via fe80::1 dev eth0',
  ],
];
for (const [step, line] of rows) test(`ipLine ${step.do}: ${line}`, () => assert.equal(ipLine(step), line));
