// Address parsing for listen, upstream and server flags.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatHostPort, ipFamily, parseHostPort } from './host-port.ts';

const ok: [string, string, number, 4 | 6][] = [
  ['127.0.0.1', '127.0.0.1', 53, 4],
  ['127.0.0.1:5353', '127.0.0.1', 5353, 4],
  ['::1', '::1', 53, 6],
  ['[::1]:5300', '::1', 5300, 6],
  ['[fdaa:0:18::3]', 'fdaa:0:18::3', 53, 6],
  ['fdaa::3', 'fdaa::3', 53, 6],
  ['fe80::1%eth0', 'fe80::1%eth0', 53, 6],
  ['0.0.0.0:0', '0.0.0.0', 0, 4],
];
for (const [text, host, port, family] of ok) {
  test(`parse ${text}`, () => assert.deepEqual(parseHostPort(text), { host, port, family }));
}
for (const bad of ['', 'localhost', 'example.test:53', '[::1]:99999', '1.2.3.4:x', '[nope]:53']) {
  test(`reject '${bad}'`, () => assert.throws(() => parseHostPort(bad), { code: 'invalid_argument' }));
}
test('format brackets IPv6', () => {
  assert.equal(formatHostPort({ host: '::1', port: 53 }), '[::1]:53');
  assert.equal(formatHostPort({ host: '10.0.0.1', port: 5353 }), '10.0.0.1:5353');
});

test('ipFamily', () => {
  const rows: [string, number][] = [
    ['192.0.2.1', 4],
    ['255.255.255.255', 4],
    ['256.1.1.1', 0],
    ['01.2.3.4', 0],
    ['::', 6],
    ['fdaa:0:18::3', 6],
    ['fe80::1%eth0', 6],
    ['fe80::1%', 0],
    ['::ffff:1.2.3.4', 6],
    ['example.test', 0],
    ['1:2', 0],
  ];
  for (const [text, fam] of rows) assert.equal(ipFamily(text), fam, text);
});
