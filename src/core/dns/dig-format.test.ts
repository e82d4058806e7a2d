// dig +short formatting of each record type, checked against what dig 9.18 prints.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type dnsPacket from 'dns-packet';
import { formatRecordData, quoteTxt } from './dig-format.ts';

const rows: [dnsPacket.Answer, string][] = [
  [{ type: 'AAAA', name: 'x', data: 'fdaa:0:18::3' }, 'fdaa:0:18::3'],
  [{ type: 'A', name: 'x', data: '192.0.2.1' }, '192.0.2.1'],
  [{ type: 'CNAME', name: 'x', data: 'www.example.test' }, 'www.example.test.'],
  [{ type: 'TXT', name: 'x', data: [Buffer.from('nrt,ord')] }, '"nrt,ord"'],
  [{ type: 'TXT', name: 'x', data: [Buffer.from('a'), Buffer.from('b c')] }, '"a" "b c"'],
  [
    { type: 'MX', name: 'x', data: { preference: 10, exchange: 'mail.example.test' } },
    '10 mail.example.test.',
  ],
  [
    { type: 'SRV', name: 'x', data: { priority: 1, weight: 2, port: 53, target: 'ns.test' } },
    '1 2 53 ns.test.',
  ],
  [
    {
      type: 'SOA',
      name: 'x',
      data: {
        mname: 'ns.internal',
        rname: 'hostmaster.internal',
        serial: 7,
        refresh: 1,
        retry: 2,
        expire: 3,
        minimum: 5,
      },
    },
    'ns.internal. hostmaster.internal. 7 1 2 3 5',
  ],
  [{ type: 'NULL', name: 'x', data: Buffer.from([1, 0xab]) }, '\\# 2 01AB'],
];

for (const [rr, want] of rows) {
  test(`+short ${rr.type} → ${want}`, () => assert.equal(formatRecordData(rr), want));
}

test('TXT quoting escapes quotes, backslashes and non-printable bytes', () => {
  assert.equal(quoteTxt(Buffer.from('say "hi"\\')), '"say \\"hi\\"\\\\"');
  assert.equal(quoteTxt(Uint8Array.from([0x41, 0x0a, 0xff])), '"A\\010\\255"');
});
