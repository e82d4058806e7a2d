// The fast query parser on well-formed and malformed input (RFC 1035 §4.1, RFC 6891 §6.1).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeQuery } from './client-query.ts';
import { isInternal, Parse, type ParseStatus, parseQuery, Query } from './query.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const HDR1 = '0001 0000 0001 0000 0000 0000';

const rows: [string, Buffer, ParseStatus][] = [
  ['plain query', encodeQuery('web.internal', 'AAAA'), Parse.OK],
  ['with OPT', encodeQuery('web.internal', 'AAAA', { udpSize: 1232, dnssecOk: true }), Parse.OK],
  ['root name', hex(`${HDR1} 00 0002 0001`), Parse.OK],
  ['11 bytes', hex('0001 0000 0001 0000 0000'), Parse.DROP],
  ['a response', hex('0001 8000 0001 0000 0000 0000 00 0001 0001'), Parse.DROP],
  ['opcode NOTIFY', hex('0001 2000 0001 0000 0000 0000 00 0006 0001'), Parse.NOTIMP],
  ['no question', hex('0001 0000 0000 0000 0000 0000'), Parse.FORMERR],
  ['question cut short', hex(`${HDR1} 03 7765`), Parse.FORMERR],
  ['no type and class', hex(`${HDR1} 03 776562 00 00`), Parse.FORMERR],
  [
    'label of 64',
    Buffer.concat([hex(`${HDR1} 40`), Buffer.alloc(64, 0x61), hex('00 0001 0001')]),
    Parse.FORMERR,
  ],
  ['reserved label type 0x40', hex(`${HDR1} 41 00 0001 0001`), Parse.FORMERR],
  [
    'name of 256 bytes',
    Buffer.concat([
      hex(HDR1),
      ...Array.from({ length: 4 }, () => Buffer.concat([hex('3f'), Buffer.alloc(63, 0x61)])),
      hex('00 0001 0001'),
    ]),
    Parse.FORMERR,
  ],
  [
    'name of 255 bytes',
    Buffer.concat([
      hex(HDR1),
      ...Array.from({ length: 3 }, () => Buffer.concat([hex('3f'), Buffer.alloc(63, 0x61)])),
      hex('3d'),
      Buffer.alloc(61, 0x61),
      hex('00 0001 0001'),
    ]),
    Parse.OK,
  ],
  [
    'answer record skipped',
    hex('0001 0000 0001 0001 0000 0000 00 0001 0001 c00c 0001 0001 00000005 0004 01020304'),
    Parse.OK,
  ],
  [
    'answer record cut short',
    hex('0001 0000 0001 0001 0000 0000 00 0001 0001 c00c 0001 0001 00000005 0004 0102'),
    Parse.FORMERR,
  ],
  [
    'OPT with a non-root owner',
    hex('0001 0000 0001 0000 0000 0001 00 0001 0001 01 61 00 0029 0200 00 00 0000 0000'),
    Parse.FORMERR,
  ],
  [
    'OPT option overruns',
    hex('0001 0000 0001 0000 0000 0001 00 0001 0001 00 0029 0200 00 00 0000 0004 000a 0008'),
    Parse.FORMERR,
  ],
  [
    'OPT with a cookie',
    hex('0001 0000 0001 0000 0000 0001 00 0001 0001 00 0029 0200 00 00 0000 000c 000a 0008 0102030405060708'),
    Parse.OK,
  ],
  [
    'additional count past the end',
    hex('0001 0000 0001 0000 0000 0002 00 0001 0001 00 0029 0200 00 00 0000 0000'),
    Parse.FORMERR,
  ],
];

for (const [name, msg, want] of rows) {
  test(`parse: ${name}`, () => assert.equal(parseQuery(msg, msg.length, new Query()), want));
}

test('parse fills the query fields', () => {
  const q = new Query();
  const msg = encodeQuery('Top1.Nearest.Of.web.INTERNAL', 'AAAA', { id: 99, udpSize: 4000, dnssecOk: true });
  assert.equal(parseQuery(msg, msg.length, q), Parse.OK);
  assert.equal(q.id, 99);
  assert.equal(q.qtype, 28);
  assert.equal(q.qclass, 1);
  assert.equal(q.labelCount, 5);
  assert.equal(q.edns, true);
  assert.equal(q.udpSize, 4000);
  assert.equal(q.dnssecOk, true);
  assert.equal(isInternal(msg, q), true);
  const other = encodeQuery('internal.example', 'A');
  assert.equal(parseQuery(other, other.length, q), Parse.OK);
  assert.equal(isInternal(other, q), false);
  assert.equal(q.edns, false);
});
