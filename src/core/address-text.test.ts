// Table tests of IPv6 text (RFC 4291 §2.2, RFC 5952) and CIDR blocks of the address module.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  cidr,
  contains,
  defaultPlan,
  formatCidr,
  formatIPv6,
  ipv6FromBytes,
  ipv6ToBytes,
  parseCidr,
  parseIPv6,
  tryParseIPv6,
} from './address.ts';
import { SixpnError } from './errors.ts';

const _plan = defaultPlan;
const ip = parseIPv6;
const isInvalid = (e: unknown) => e instanceof SixpnError && e.code === 'invalid_argument';

describe('parseIPv6 and formatIPv6', () => {
  // [input, canonical RFC 5952 text]
  const cases: [string, string][] = [
    ['::', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'], // RFC 5952 §4.2.1: compress the zero run
    ['2001:0db8:0000:0000:0000:0000:0002:0001', '2001:db8::2:1'], // §4.1: no leading zeros
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // §4.2.2: a single zero group is not compressed
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // §4.2.3: the longest run
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // §4.2.3: ties → the first run
    ['2001:DB8::ABCD', '2001:db8::abcd'], // §4.3: lowercase
    ['FDAA:0:18:A7B:7D:F066:B83B:2', 'fdaa:0:18:a7b:7d:f066:b83b:2'],
    ['fdaa:0000:0018:0a7b:007d:f066:b83b:0002', 'fdaa:0:18:a7b:7d:f066:b83b:2'],
    ['fdaa:0:18::3', 'fdaa:0:18::3'],
    ['fdaa:0:18:0:0:0:0:3', 'fdaa:0:18::3'],
    ['fdaa::', 'fdaa::'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['1::2:3:4:5:6:7', '1:0:2:3:4:5:6:7'], // `::` standing for one group parses; formatting keeps the 0
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
    ['::ffff:1.2.3.4', '::ffff:102:304'], // IPv4-embedded input; output stays hex
    ['::1.2.3.4', '::102:304'],
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
    ['1:2:3:4:5:6:255.255.255.255', '1:2:3:4:5:6:ffff:ffff'],
    ['0:0:1:0:0:0:0:0', '0:0:1::'],
    ['0:0:0:1:0:0:0:0', '0:0:0:1::'], // runs of 3 and 4: the longer one wins
    ['1:0:0:2:0:0:3:4', '1::2:0:0:3:4'],
  ];
  for (const [input, want] of cases) {
    test(`${input} → ${want}`, () => {
      const v = ip(input);
      assert.equal(formatIPv6(v), want);
      assert.equal(ip(want), v, 'the canonical form parses back to the same value');
    });
  }

  // Every shape of group (0, 1–4 digits) and every placement of zero runs, against RFC 5952 written out plainly
  // (group by group through BigInt, as formatIPv6 did before it went through one hex string).
  test('formatIPv6 agrees with a plain RFC 5952 formatter on 2000 mixed values', () => {
    const plain = (v: bigint) => {
      const gs = Array.from({ length: 8 }, (_, i) => Number((v >> BigInt((7 - i) * 16)) & 0xffffn));
      let best = [-1, 1];
      for (let i = 0, j = 0; i < 8; i = Math.max(j, i + 1)) {
        for (j = i; j < 8 && gs[j] === 0; j++);
        if (j - i > best[1]!) best = [i, j - i];
      }
      const hex = (xs: number[]) => xs.map((g) => g.toString(16)).join(':');
      const [at, len] = best as [number, number];
      return at < 0 ? hex(gs) : `${hex(gs.slice(0, at))}::${hex(gs.slice(at + len))}`;
    };
    const shapes = [0, 0, 0, 1, 0xa, 0xab, 0xabc, 0xabcd, 0x100, 0x10, 0xf000];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let n = 0; n < 2000; n++) {
      let v = 0n;
      for (let g = 0; g < 8; g++) v = (v << 16n) | BigInt(shapes[next() % shapes.length]!);
      assert.equal(formatIPv6(v), plain(v), `value 0x${v.toString(16)}`);
      assert.equal(ip(formatIPv6(v)), v);
    }
  });

  test('values', () => {
    assert.equal(ip('::'), 0n);
    assert.equal(ip('::1'), 1n);
    assert.equal(ip('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'), (1n << 128n) - 1n);
    assert.equal(ip('::ffff:1.2.3.4'), 0xffff_0102_0304n);
    assert.equal(ip('fdaa::'), 0xfdaan << 112n);
  });

  const bad = [
    '',
    ':',
    ':::',
    '::::',
    '1::2::3', // two `::`
    '::1::',
    '1:2:3:4:5:6:7:8:9', // too many groups
    '1:2:3:4:5:6:7', // too few, no `::`
    '1:2:3:4::5:6:7:8', // `::` with 8 groups given
    '12345::', // group longer than 4 digits
    'g::1', // bad hex
    '1:2:3:4:5:6:7:z',
    ':1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:',
    '0:0:0:0:0:0:0:1:',
    ' ::1',
    '::1 ',
    'fdaa::/48',
    'fe80::1%eth0',
    '[::1]',
    '1.2.3.4',
    '::1.2.3',
    '::1.2.3.4.5',
    '::256.1.1.1',
    '::01.2.3.4', // leading zero in a dotted quad
    '::1.2.3.4:5',
    '1:2:3:4:5:6:7:1.2.3.4', // 9 groups' worth
    '::ffff:1.2.3.4::',
    '+1::',
    '-1::',
    'x'.repeat(46),
  ];
  for (const input of bad) {
    test(`invalid ${JSON.stringify(input)}`, () => {
      assert.equal(tryParseIPv6(input), undefined);
      assert.throws(() => parseIPv6(input), isInvalid);
    });
  }

  test('the parse error names the input and gives an example', () => {
    assert.throws(() => parseIPv6('nope'), /'nope' is not an IPv6 address \(expected e\.g\. fdaa:0:18::3\)/);
  });

  test('formatIPv6 rejects values outside 128 bits', () => {
    assert.throws(() => formatIPv6(-1n), isInvalid);
    assert.throws(() => formatIPv6(1n << 128n), isInvalid);
  });

  test('bytes round-trip', () => {
    for (const text of [
      '::',
      '::1',
      'fdaa:0:18:a7b:7d:f066:b83b:2',
      'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    ]) {
      const v = ip(text);
      const b = ipv6ToBytes(v);
      assert.equal(b.length, 16);
      assert.equal(ipv6FromBytes(b), v);
    }
    assert.deepEqual([...ipv6ToBytes(ip('fdaa::3'))], [0xfd, 0xaa, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3]);
    assert.throws(() => ipv6FromBytes(new Uint8Array(4)), isInvalid);
  });
});

describe('CIDR', () => {
  const good: [string, string, number][] = [
    ['fdaa::/16', 'fdaa::', 16],
    ['fdaa:0:18::/48', 'fdaa:0:18::', 48],
    ['FDAA:0:18:A7B:7D::/80', 'fdaa:0:18:a7b:7d::', 80],
    ['::/0', '::', 0],
    ['::1/128', '::1', 128],
    ['fdaa:0:18:a7b:7d:f066:b83b:0/112', 'fdaa:0:18:a7b:7d:f066:b83b:0', 112],
  ];
  for (const [text, base, length] of good) {
    test(`parse ${text}`, () => {
      const c = parseCidr(text);
      assert.equal(c.base, ip(base));
      assert.equal(c.length, length);
      assert.equal(formatCidr(c), `${base}/${length}`);
    });
  }

  test('host bits set: an error that suggests the right block', () => {
    assert.throws(
      () => parseCidr('fdaa:0:18::3/48'),
      (e: unknown) => isInvalid(e) && /has host bits set; use fdaa:0:18::\/48/.test((e as Error).message),
    );
    assert.throws(() => cidr(1n, 127), isInvalid);
    assert.throws(() => parseCidr('::1/0'), isInvalid);
  });

  const bad = [
    'fdaa::',
    'fdaa::/',
    'fdaa::/129',
    'fdaa::/-1',
    'fdaa::/016',
    'fdaa::/1.5',
    'zz::/16',
    '/16',
    'fdaa::/16/1',
  ];
  for (const text of bad) {
    test(`invalid CIDR ${JSON.stringify(text)}`, () => assert.throws(() => parseCidr(text), isInvalid));
  }
  test('cidr() checks the length', () => {
    assert.throws(() => cidr(0n, 129), isInvalid);
    assert.throws(() => cidr(0n, -1), isInvalid);
    assert.throws(() => cidr(0n, 1.5), isInvalid);
  });

  const containment: [string, string, boolean][] = [
    ['fdaa::/16', 'fdaa:ffff:ffff:ffff:ffff:ffff:ffff:ffff', true],
    ['fdaa::/16', 'fdab::', false],
    ['fdaa:0:18::/48', 'fdaa:0:18:a7b:7d:f066:b83b:2', true],
    ['fdaa:0:18::/48', 'fdaa:0:19::2', false],
    ['fdaa:0:18:a7b:7d::/80', 'fdaa:0:18:a7b:7d:f066:b83b:2', true],
    ['fdaa:0:18:a7b:7d::/80', 'fdaa:0:18:a7b:7e::2', false],
    ['::/0', 'ffff::', true],
    ['::1/128', '::1', true],
    ['::1/128', '::2', false],
  ];
  for (const [block, addr, want] of containment) {
    test(`${block} contains ${addr}: ${want}`, () =>
      assert.equal(contains(parseCidr(block), ip(addr)), want));
  }
});
