// Tests of the pure result builders: `ip -j addr` parsing (golden output of iproute2 6.1), the ADD result alone
// and chained onto a prevResult, and every way CHECK finds an attachment wrong.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type AgentInstance, addResult, checkAttachment, parseIpAddrJson } from './result.ts';
import { CNI_ERR, CniError } from './spec.ts';

const IP_J_VETH =
  '[{"ifindex":3,"link":"sxcnib","ifname":"sxcnia","flags":["NO-CARRIER","BROADCAST","MULTICAST","UP","M-DOWN"],' +
  '"mtu":1500,"qdisc":"noqueue","operstate":"LOWERLAYERDOWN","group":"default","txqlen":1000,"link_type":"ether",' +
  '"address":"da:89:76:4b:d6:27","broadcast":"ff:ff:ff:ff:ff:ff","addr_info":[{"family":"inet6",' +
  '"local":"fdaa:0:1:a7b::2","prefixlen":112,"scope":"global","tentative":true,"valid_life_time":4294967295,' +
  '"preferred_life_time":4294967295}]}]';

const a = { cniVersion: '1.0.0', netns: '/run/netns/cni-1', ifname: 'eth0', route: 'fdaa::/16' };
const inst: AgentInstance = {
  id: '0a7b0002',
  address: 'fdaa:0:1:a7b::2',
  prefix_len: 112,
  gateway: 'fe80::1',
  dns: 'fdaa::3',
};
const link = { mac: 'da:89:76:4b:d6:27', addresses: ['fdaa:0:1:a7b::2/112'] };

describe('parseIpAddrJson', () => {
  test('a veth with one address', () => assert.deepEqual(parseIpAddrJson(IP_J_VETH), link));
  test('nothing', () => {
    assert.equal(parseIpAddrJson('[]'), undefined);
    assert.equal(parseIpAddrJson(''), undefined);
  });
});

describe('addResult', () => {
  test('alone', () =>
    assert.deepEqual(addResult(a, inst, link), {
      cniVersion: '1.0.0',
      interfaces: [{ name: 'eth0', mac: 'da:89:76:4b:d6:27', sandbox: '/run/netns/cni-1' }],
      ips: [{ address: 'fdaa:0:1:a7b::2/112', gateway: 'fe80::1', interface: 0 }],
      routes: [{ dst: 'fdaa::/16', gw: 'fe80::1' }],
      dns: { nameservers: ['fdaa::3'] },
    }));
  test('chained: appended to prevResult, index of the new interface, resolver first', () => {
    const prev = {
      cniVersion: '1.0.0',
      interfaces: [{ name: 'cni0' }, { name: 'eth1', sandbox: '/run/netns/cni-1' }],
      ips: [{ address: '10.1.0.5/16', interface: 1 }],
      routes: [{ dst: '0.0.0.0/0' }],
      dns: { nameservers: ['10.1.0.1', 'fdaa::3'], search: ['example.com'] },
    };
    const r = addResult(a, inst, link, prev);
    assert.equal(r.interfaces?.length, 3);
    assert.deepEqual(r.ips?.[1], { address: 'fdaa:0:1:a7b::2/112', gateway: 'fe80::1', interface: 2 });
    assert.deepEqual(r.routes, [{ dst: '0.0.0.0/0' }, { dst: 'fdaa::/16', gw: 'fe80::1' }]);
    assert.deepEqual(r.dns, { nameservers: ['fdaa::3', '10.1.0.1'], search: ['example.com'] });
  });
});

describe('checkAttachment', () => {
  const prev = addResult(a, inst, link);
  test('as ADD left it', () => checkAttachment(a, prev, inst, link));
  const bad: [string, Parameters<typeof checkAttachment>, number, RegExp][] = [
    ['no prevResult', [a, undefined, inst, link], CNI_ERR.invalidConfig, /prevResult is missing/],
    ['no instance', [a, prev, undefined, link], CNI_ERR.checkFailed, /no instance/],
    [
      'another namespace',
      [{ ...a, netns: '/run/netns/x' }, prev, inst, link],
      CNI_ERR.checkFailed,
      /no interface eth0/,
    ],
    [
      'another address',
      [a, prev, { ...inst, address: 'fdaa::9' }, link],
      CNI_ERR.checkFailed,
      /fdaa::9\/112/,
    ],
    ['interface gone', [a, prev, inst, undefined], CNI_ERR.checkFailed, /missing from CNI_NETNS/],
    ['address gone', [a, prev, inst, { ...link, addresses: [] }], CNI_ERR.checkFailed, /does not have/],
  ];
  for (const [what, args, code, msg] of bad)
    test(what, () =>
      assert.throws(
        () => checkAttachment(...args),
        (e: unknown) => e instanceof CniError && e.code === code && msg.test(e.message),
      ),
    );
});
