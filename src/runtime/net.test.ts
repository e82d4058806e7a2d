// The iproute2 side of the network seam: the `ip -batch` line each step becomes (its `ip -j` parsers are tested in
// core/iproute.test.ts).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipLine, type NetStep } from './net.ts';

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
  [{ do: 'route-del', dst: 'fdaa:0:2a:0:9::/80', dev: 'sxp9' }, 'route del fdaa:0:2a:0:9::/80 dev sxp9'],
];
for (const [step, line] of rows) test(`ipLine ${step.do}: ${line}`, () => assert.equal(ipLine(step), line));
