// Table tests of the address plan (DESIGN.md): plan prefix, network/host/instance/peer prefixes, classify, allocation.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  asHostId,
  asInstanceNum,
  asNetworkId,
  asPeerIndex,
  asServiceNum,
  classify,
  contains,
  defaultPlan,
  enclosing,
  formatCidr,
  formatIPv6,
  formatPlanPrefix,
  hostPrefix,
  hostResolverAddress,
  instanceAddress,
  instancePrefix,
  MAX_PEER_INDEX,
  MAX_U32,
  networkDnsAddress,
  networkOf,
  networkPrefix,
  parseCidr,
  parseIPv6,
  parsePlanPrefix,
  peerAddress,
  peerPrefix,
  sameNetwork,
  serviceAddress,
  serviceOf,
} from './address.ts';
import { SixpnError } from './errors.ts';

const plan = defaultPlan;
const ip = parseIPv6;
const isInvalid = (e: unknown) => e instanceof SixpnError && e.code === 'invalid_argument';

describe('plan prefix', () => {
  const good: [string, number, string][] = [
    ['fdaa::/16', 0xfdaa, 'fdaa::/16'],
    ['fd00::/16', 0xfd00, 'fd00::/16'],
    ['fc00::/16', 0xfc00, 'fc00::/16'],
    ['FDFF::/16', 0xfdff, 'fdff::/16'],
  ];
  for (const [text, prefix, formatted] of good) {
    test(`${text}`, () => {
      const p = parsePlanPrefix(text);
      assert.equal(p.prefix, prefix);
      assert.equal(formatPlanPrefix(p), formatted);
    });
  }
  const bad: [string, RegExp][] = [
    ['fdaa::/48', /must be a \/16, got \/48/],
    ['fd00::/8', /must be a \/16, got \/8/],
    ['2001::/16', /unique local address block \(fc00::\/7\)/],
    ['fe80::/16', /unique local/],
    ['fbff::/16', /unique local/],
    ['fdaa::1/16', /host bits set/],
    ['fdaa', /not a CIDR block/],
  ];
  for (const [text, msg] of bad) {
    test(`rejects ${text}`, () =>
      assert.throws(
        () => parsePlanPrefix(text),
        (e) => isInvalid(e) && msg.test((e as Error).message),
      ));
  }
});

describe('prefixes and addresses of the plan', () => {
  const n = asNetworkId;
  const h = asHostId;
  const i = asInstanceNum;
  const max = MAX_U32;
  const other = parsePlanPrefix('fd12::/16');
  type Row = [string, () => string, string];
  const rows: Row[] = [
    ['network 1', () => formatCidr(networkPrefix(plan, n(1))), 'fdaa:0:1::/48'],
    ['network 0x18', () => formatCidr(networkPrefix(plan, n(0x18))), 'fdaa:0:18::/48'],
    ['network max', () => formatCidr(networkPrefix(plan, n(max))), 'fdaa:ffff:ffff::/48'],
    ['network 0x12345678', () => formatCidr(networkPrefix(plan, n(0x1234_5678))), 'fdaa:1234:5678::/48'],
    ['network in fd12::/16', () => formatCidr(networkPrefix(other, n(0x18))), 'fd12:0:18::/48'],
    ['host', () => formatCidr(hostPrefix(plan, n(0x18), h(0x0a7b_007d))), 'fdaa:0:18:a7b:7d::/80'],
    ['host 1', () => formatCidr(hostPrefix(plan, n(1), h(1))), 'fdaa:0:1:0:1::/80'],
    ['host max', () => formatCidr(hostPrefix(plan, n(max), h(max))), 'fdaa:ffff:ffff:ffff:ffff::/80'],
    [
      'instance',
      () => formatCidr(instancePrefix(plan, n(0x18), h(0x0a7b_007d), i(0xf066_b83b))),
      'fdaa:0:18:a7b:7d:f066:b83b:0/112',
    ],
    [
      'instance max',
      () => formatCidr(instancePrefix(plan, n(max), h(max), i(max))),
      'fdaa:ffff:ffff:ffff:ffff:ffff:ffff:0/112',
    ],
    [
      'instance address (DESIGN.md example)',
      () => formatIPv6(instanceAddress(plan, n(0x18), h(0x0a7b_007d), i(0xf066_b83b))),
      'fdaa:0:18:a7b:7d:f066:b83b:2',
    ],
    [
      'instance address max',
      () => formatIPv6(instanceAddress(plan, n(max), h(max), i(max))),
      'fdaa:ffff:ffff:ffff:ffff:ffff:ffff:2',
    ],
    [
      'instance address 1/1/1',
      () => formatIPv6(instanceAddress(plan, n(1), h(1), i(1))),
      'fdaa:0:1:0:1:0:1:2',
    ],
    ['peer 1', () => formatCidr(peerPrefix(plan, n(0x18), h(7), asPeerIndex(1))), 'fdaa:0:18:0:7::100/120'],
    [
      'peer 1 address',
      () => formatIPv6(peerAddress(plan, n(0x18), h(7), asPeerIndex(1))),
      'fdaa:0:18:0:7::102',
    ],
    [
      'peer 0x1ff',
      () => formatIPv6(peerAddress(plan, n(0x18), h(7), asPeerIndex(0x1ff))),
      'fdaa:0:18:0:7:0:1:ff02',
    ],
    [
      'peer max',
      () => formatCidr(peerPrefix(plan, n(max), h(max), asPeerIndex(MAX_PEER_INDEX))),
      'fdaa:ffff:ffff:ffff:ffff:ffff:ffff:ff00/120',
    ],
    [
      'peer max address',
      () => formatIPv6(peerAddress(plan, n(max), h(max), asPeerIndex(MAX_PEER_INDEX))),
      'fdaa:ffff:ffff:ffff:ffff:ffff:ffff:ff02',
    ],
    ['network dns', () => formatIPv6(networkDnsAddress(plan, n(0x18))), 'fdaa:0:18::3'],
    ['network dns max', () => formatIPv6(networkDnsAddress(plan, n(max))), 'fdaa:ffff:ffff::3'],
    ['network dns other plan', () => formatIPv6(networkDnsAddress(other, n(1))), 'fd12:0:1::3'],
    ['host resolver', () => formatIPv6(hostResolverAddress(plan)), 'fdaa::3'],
    ['host resolver other plan', () => formatIPv6(hostResolverAddress(other)), 'fd12::3'],
  ];
  for (const [name, got, want] of rows) test(name, () => assert.equal(got(), want));

  test('nesting: instance ⊂ host ⊂ network ⊂ plan, and the instance address is inside its /112', () => {
    const net = n(0x18);
    const host = h(0x0a7b_007d);
    const inst = i(0xf066_b83b);
    const a = instanceAddress(plan, net, host, inst);
    assert.ok(contains(instancePrefix(plan, net, host, inst), a));
    assert.ok(contains(hostPrefix(plan, net, host), a));
    assert.ok(contains(networkPrefix(plan, net), a));
    assert.ok(contains(parseCidr(formatPlanPrefix(plan)), a));
    assert.ok(!contains(hostPrefix(plan, net, h(0x0a7b_007e)), a));
    assert.ok(!contains(networkPrefix(plan, n(0x19)), a));
    const p = peerAddress(plan, net, host, asPeerIndex(5));
    assert.ok(contains(peerPrefix(plan, net, host, asPeerIndex(5)), p));
    assert.ok(contains(hostPrefix(plan, net, host), p));
  });

  const badIds: [string, () => unknown][] = [
    ['network 0', () => asNetworkId(0)],
    ['network 2^32', () => asNetworkId(MAX_U32 + 1)],
    ['network -1', () => asNetworkId(-1)],
    ['network 1.5', () => asNetworkId(1.5)],
    ['network NaN', () => asNetworkId(Number.NaN)],
    ['host 0', () => asHostId(0)],
    ['host 2^32', () => asHostId(2 ** 32)],
    ['instance 0', () => asInstanceNum(0)],
    ['instance 2^32', () => asInstanceNum(2 ** 32)],
    ['peer 0', () => asPeerIndex(0)],
    ['peer 2^40', () => asPeerIndex(2 ** 40)],
    ['peer 0.5', () => asPeerIndex(0.5)],
  ];
  for (const [name, f] of badIds) test(`rejects ${name}`, () => assert.throws(f, isInvalid));
  test('accepts the largest ids', () => {
    assert.equal(asNetworkId(MAX_U32), 0xffff_ffff);
    assert.equal(asHostId(MAX_U32), 0xffff_ffff);
    assert.equal(asInstanceNum(MAX_U32), 0xffff_ffff);
    assert.equal(asPeerIndex(MAX_PEER_INDEX), 2 ** 40 - 1);
  });
});

describe('networkOf and classify', () => {
  test('the DESIGN.md example round-trips through classify', () => {
    const text = 'fdaa:0:18:a7b:7d:f066:b83b:2';
    const parts = classify(plan, ip(text));
    assert.deepEqual(parts, { network: 0x18, host: 0x0a7b_007d, instance: 0xf066_b83b, low: 2 });
    assert.ok(parts);
    const back = instanceAddress(
      plan,
      asNetworkId(parts.network),
      asHostId(parts.host),
      asInstanceNum(parts.instance),
    );
    assert.equal(formatIPv6(back), text);
  });

  const rows: [string, number | undefined][] = [
    ['fdaa:0:18:a7b:7d:f066:b83b:2', 0x18],
    ['fdaa:0:18::3', 0x18],
    ['fdaa:ffff:ffff:ffff:ffff:ffff:ffff:ffff', MAX_U32],
    ['fdaa:1234:5678::', 0x1234_5678],
    ['fdaa::3', undefined], // network 0: the host resolver, no network
    ['fdaa::', undefined],
    ['fdab:0:18::2', undefined], // foreign prefix
    ['fd12:0:18::2', undefined],
    ['2001:db8:0:18::2', undefined],
    ['::1', undefined],
  ];
  for (const [addr, want] of rows) {
    test(`networkOf ${addr} = ${want}`, () => {
      assert.equal(networkOf(plan, ip(addr)), want);
      if (want === undefined) assert.equal(classify(plan, ip(addr)), undefined);
      else assert.equal(classify(plan, ip(addr))?.network, want);
    });
  }

  test('classify of the service slot and of a peer', () => {
    assert.deepEqual(classify(plan, ip('fdaa:0:18::3')), { network: 0x18, host: 0, instance: 0, low: 3 });
    assert.deepEqual(classify(plan, peerAddress(plan, asNetworkId(2), asHostId(9), asPeerIndex(1))), {
      network: 2,
      host: 9,
      instance: 0,
      low: 0x102,
    });
  });

  test('networkOf honours a non-default plan', () => {
    const other = parsePlanPrefix('fd12::/16');
    assert.equal(networkOf(other, ip('fd12:0:18::2')), 0x18);
    assert.equal(networkOf(other, ip('fdaa:0:18::2')), undefined);
  });

  const same: [string, string, boolean][] = [
    ['fdaa:0:18:1::2', 'fdaa:0:18:2::2', true],
    ['fdaa:0:18:1::2', 'fdaa:0:19:1::2', false],
    ['fdaa::3', 'fdaa::3', false], // network 0 is no network
    ['fdab:0:18::2', 'fdab:0:18::2', false], // outside the plan
  ];
  for (const [a, b, want] of same)
    test(`sameNetwork ${a} ${b}`, () => assert.equal(sameNetwork(plan, ip(a), ip(b)), want));
});

describe('service addresses', () => {
  const rows: [number, number, string][] = [
    [0x18, 1, 'fdaa:0:18::1:2'],
    [0x18, 2, 'fdaa:0:18::2:2'],
    [0x18, 0x1_0000, 'fdaa:0:18::1:0:2'],
    [0x18, 0xabcd_ef01, 'fdaa:0:18::abcd:ef01:2'],
    [1, MAX_U32, 'fdaa:0:1::ffff:ffff:2'],
    [MAX_U32, 7, 'fdaa:ffff:ffff::7:2'],
    [0x1234_5678, 0x9abc_def0, 'fdaa:1234:5678::9abc:def0:2'],
  ];
  for (const [net, s, text] of rows) {
    test(`network ${net.toString(16)} service ${s} = ${text}`, () => {
      const a = serviceAddress(plan, asNetworkId(net), asServiceNum(s));
      assert.equal(formatIPv6(a), text);
      assert.deepEqual(classify(plan, a), { network: net, host: 0, instance: s, low: 2 });
      assert.deepEqual(serviceOf(plan, a), { network: net, service: s });
      assert.ok(contains(networkPrefix(plan, asNetworkId(net)), a));
      assert.ok(contains(hostPrefix(plan, asNetworkId(net), 0 as never), a), 'in host slot 0');
      assert.equal(
        sameNetwork(plan, a, instanceAddress(plan, asNetworkId(net), asHostId(5), asInstanceNum(9))),
        true,
      );
    });
  }

  test('the DESIGN.md layout: fdaa:N:N:0:0:S:S:2 under a non-default prefix', () => {
    const other = parsePlanPrefix('fd12::/16');
    assert.equal(formatIPv6(serviceAddress(other, asNetworkId(0x18), asServiceNum(3))), 'fd12:0:18::3:2');
    assert.deepEqual(serviceOf(other, ip('fd12:0:18::3:2')), { network: 0x18, service: 3 });
    assert.equal(serviceOf(plan, ip('fd12:0:18::3:2')), undefined);
  });

  const notService = [
    'fdaa:0:18::3', // the network's DNS
    'fdaa:0:18::2', // service number 0
    'fdaa:0:18::1:3', // not :2
    'fdaa:0:18::1:0', // not :2
    'fdaa:0:18:0:1::1:2', // host slot 1
    'fdaa:0:18:a7b:7d:f066:b83b:2', // an instance
    'fdaa::1:2', // network 0
    'fdab:0:18::1:2', // another prefix
    '::1',
  ];
  for (const text of notService)
    test(`${text} is no service address`, () => assert.equal(serviceOf(plan, ip(text)), undefined));

  test('a service address is never an instance or peer address of the same network', () => {
    const net = asNetworkId(0x18);
    const svc = serviceAddress(plan, net, asServiceNum(1));
    assert.notEqual(svc, networkDnsAddress(plan, net));
    assert.notEqual(svc, instanceAddress(plan, net, asHostId(1), asInstanceNum(1)));
    assert.notEqual(svc, peerAddress(plan, net, asHostId(1), asPeerIndex(1)));
  });

  for (const bad of [0, -1, 1.5, MAX_U32 + 1, Number.NaN]) {
    test(`asServiceNum(${bad}) is invalid and names the field`, () =>
      assert.throws(
        () => asServiceNum(bad),
        (e: unknown) => isInvalid(e) && /service number/.test(String(e)),
      ));
  }
});

describe('enclosing', () => {
  const rows: [string, number, string][] = [
    ['fdaa:0:18:a7b:7d:f066:b83b:2', 112, 'fdaa:0:18:a7b:7d:f066:b83b:0/112'],
    ['fdaa:0:18:a7b:7d:f066:b83b:2', 80, 'fdaa:0:18:a7b:7d::/80'],
    ['fdaa:0:18:a7b:7d:f066:b83b:2', 48, 'fdaa:0:18::/48'],
    ['fdaa::3', 128, 'fdaa::3/128'],
    ['fdaa::3', 0, '::/0'],
  ];
  for (const [addr, len, want] of rows) {
    test(`${addr} in a /${len} → ${want}`, () =>
      assert.equal(formatCidr(enclosing(parseIPv6(addr), len)), want));
  }
});
