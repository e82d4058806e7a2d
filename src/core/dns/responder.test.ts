// Wire tests: golden packets as hex (derived by hand from RFC 1035, 2308 and 6891), and the responder's
// handling of malformed, refused, truncated and EDNS queries.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import dnsPacket from 'dns-packet';
import type { Snapshot } from '../model.ts';
import { dnsFleet, NET_A } from '../test-fleet.ts';
import { decodeResponse, encodeQuery } from './client-query.ts';
import { DROP, FORWARD, NO_NETWORK, Responder } from './responder.ts';
import { ZoneIndex } from './zone-index.ts';

const D = dnsFleet();

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function tinyZone(): ZoneIndex {
  const s: Snapshot = {
    ...D.snapshot(),
    apps: [D.makeApp('acme', 'web')],
    instances: [D.makeInstance(0xa0000001, 'web', 'host-1')],
    peers: [],
  };
  const z = new ZoneIndex();
  z.applySnapshot(s);
  return z;
}

const Q_WEB = '1234 0100 0001 0000 0000 0000 03 776562 08 696e7465726e616c 00 001c 0001';
const Q_NOPE = '1234 0100 0001 0000 0000 0000 04 6e6f7065 08 696e7465726e616c 00 001c 0001';
/** The SOA with every name compressed to `internal.` at offset `at` (the question's last label). */
const soa = (at: string) =>
  `${at} 0006 0001 00000005 0026 02 6e73 ${at} 0a 686f73746d6173746572 ${at}` +
  ' 00000064 00000e10 00000258 00015180 00000005';

const goldens: [name: string, query: string, response: string][] = [
  [
    'AAAA answer, owner compressed to the question',
    Q_WEB,
    '1234 8580 0001 0001 0000 0000 03 776562 08 696e7465726e616c 00 001c 0001' +
      ' c00c 001c 0001 00000005 0010 fdaa0000001800000001a00000010002',
  ],
  [
    'NXDOMAIN with the SOA in authority',
    Q_NOPE,
    `1234 8583 0001 0000 0001 0000 04 6e6f7065 08 696e7465726e616c 00 001c 0001 ${soa('c011')}`,
  ],
  [
    'NODATA (A on an app name) with the SOA',
    '1234 0100 0001 0000 0000 0000 03 776562 08 696e7465726e616c 00 0001 0001',
    `1234 8580 0001 0000 0001 0000 03 776562 08 696e7465726e616c 00 0001 0001 ${soa('c010')}`,
  ],
  [
    'question echoed as asked (0x20 case), answer points at it',
    '0001 0000 0001 0000 0000 0000 03 576542 08 496e5445524e616c 00 001c 0001',
    '0001 8480 0001 0001 0000 0000 03 576542 08 496e5445524e616c 00 001c 0001' +
      ' c00c 001c 0001 00000005 0010 fdaa0000001800000001a00000010002',
  ],
  [
    'EDNS: OPT echoed with our size and the DO bit',
    '1234 0100 0001 0000 0000 0001 03 776562 08 696e7465726e616c 00 001c 0001 00 0029 1000 00 00 8000 0000',
    '1234 8580 0001 0001 0000 0001 03 776562 08 696e7465726e616c 00 001c 0001' +
      ' c00c 001c 0001 00000005 0010 fdaa0000001800000001a00000010002 00 0029 04d0 00 00 8000 0000',
  ],
  [
    'BADVERS for EDNS version 1 (extended rcode 1 in OPT)',
    '1234 0100 0001 0000 0000 0001 03 776562 08 696e7465726e616c 00 001c 0001 00 0029 1000 00 01 0000 0000',
    '1234 8180 0001 0000 0000 0001 03 776562 08 696e7465726e616c 00 001c 0001 00 0029 04d0 01 00 0000 0000',
  ],
  [
    'FORMERR for two questions, header only',
    '1234 0100 0002 0000 0000 0000',
    '1234 8101 0000 0000 0000 0000',
  ],
  [
    'FORMERR for a compressed question name',
    '1234 0000 0001 0000 0000 0000 c0 0c 001c 0001',
    '1234 8001 0000 0000 0000 0000',
  ],
  [
    'FORMERR for a second OPT, question echoed',
    `${Q_WEB.replace('0000 0000 0000 03', '0000 0000 0002 03')} 00 0029 0200 00 00 0000 0000 00 0029 0200 00 00 0000 0000`,
    '1234 8101 0001 0000 0000 0000 03 776562 08 696e7465726e616c 00 001c 0001',
  ],
  ['NOTIMP for opcode STATUS (2)', '1234 1000 0001 0000 0000 0000', '1234 9004 0000 0000 0000 0000'],
  [
    'REFUSED for CHAOS class in .internal',
    '1234 0100 0001 0000 0000 0000 03 776562 08 696e7465726e616c 00 001c 0003',
    '1234 8185 0001 0000 0000 0000 03 776562 08 696e7465726e616c 00 001c 0003',
  ],
];

for (const [name, query, response] of goldens) {
  test(`golden: ${name}`, () => {
    const out = new Responder(tinyZone()).respond(hex(query), NET_A, false, -1);
    assert.ok(out instanceof Buffer);
    assert.equal(out.toString('hex'), hex(response).toString('hex'));
    // and every golden response is a valid DNS message
    assert.doesNotThrow(() => dnsPacket.decode(out));
  });
}

test('negative answers: the SOA names are compressed to the question, 50 bytes, as asked in any case', () => {
  const r = new Responder(tinyZone());
  const table: [name: string, type: string, rcode: string][] = [
    ['nope.internal', 'AAAA', 'NXDOMAIN'],
    ['NoPe.InTeRnAl', 'AAAA', 'NXDOMAIN'],
    ['a.b.c.d.e.f.internal', 'AAAA', 'NXDOMAIN'],
    ['web.internal', 'A', 'NOERROR'],
    ['web.internal', 'TXT', 'NOERROR'],
    ['internal', 'AAAA', 'NOERROR'],
  ];
  for (const [name, type, rcode] of table) {
    for (const udpSize of [undefined, 1232]) {
      const q = encodeQuery(name, type, { id: 7, ...(udpSize ? { udpSize } : {}) });
      const out = r.respond(q, NET_A, false, -1) as Buffer;
      const d = decodeResponse(out);
      const what = `${type} ${name} edns=${udpSize ?? 'no'}`;
      assert.equal(d.rcode, rcode, what);
      assert.equal(d.packet.answers?.length, 0, what);
      const [auth] = d.packet.authorities ?? [];
      assert.equal(auth?.type, 'SOA', what);
      assert.equal(auth?.name.toLowerCase(), 'internal', what);
      const data = auth?.type === 'SOA' ? auth.data : undefined;
      assert.equal(data?.mname.toLowerCase(), 'ns.internal', what);
      assert.equal(data?.rname.toLowerCase(), 'hostmaster.internal', what);
      assert.equal(data?.minimum, 5, what);
      // the query's header and question, the 50-byte SOA, the 11-byte OPT: what unbound sends for these
      const questionLen = q.length - (udpSize ? 11 : 0);
      assert.equal(out.length, questionLen + 50 + (udpSize ? 11 : 0), what);
    }
  }
});

test('the SOA of internal. itself: every name a pointer to the question', () => {
  const z = tinyZone();
  const out = new Responder(z).respond(encodeQuery('internal', 'SOA', { id: 1 }), NET_A, false, -1) as Buffer;
  assert.equal(
    out.subarray(12).toString('hex'),
    hex(
      '08 696e7465726e616c 00 0006 0001 c00c 0006 0001 00000005 0026 02 6e73 c00c 0a 686f73746d6173746572 c00c' +
        ` ${z.revision.toString(16).padStart(8, '0')} 00000e10 00000258 00015180 00000005`,
    ).toString('hex'),
  );
});

test('REFUSED for an asker outside every network', () => {
  const out = new Responder(tinyZone()).respond(hex(Q_WEB), NO_NETWORK, false, -1);
  assert.ok(out instanceof Buffer);
  assert.equal(
    out.toString('hex'),
    hex('1234 8105 0001 0000 0000 0000 03 776562 08 696e7465726e616c 00 001c 0001').toString('hex'),
  );
});

test('responses and short messages are dropped; other zones are forwarded', () => {
  const r = new Responder(tinyZone());
  assert.equal(r.respond(hex('1234 8100 0001 0000 0000 0000'), NET_A, false, -1), DROP);
  assert.equal(r.respond(hex('1234 0100 0001'), NET_A, false, -1), DROP);
  assert.equal(r.respond(encodeQuery('www.example.test', 'A'), NET_A, false, -1), FORWARD);
  assert.equal(r.respond(encodeQuery('internal.example', 'A'), NET_A, false, -1), FORWARD);
});

test('TC when the answer does not fit: 512 without EDNS, the client size with it, never over TCP', () => {
  const s = D.snapshot();
  for (let i = 1; i <= 35; i++) s.instances.push(D.makeInstance(0x1000 + i, 'web', 'host-7'));
  const z = new ZoneIndex();
  z.applySnapshot(s);
  const r = new Responder(z);
  // 38 records × 28 bytes + 30 header and question + 11 OPT = 1105: over 512 and 600, under 1232
  const noEdns = decodeResponse(r.respond(encodeQuery('web.internal', 'AAAA'), NET_A, false, -1) as Buffer);
  assert.ok(noEdns.flags.has('tc'));
  assert.equal(noEdns.packet.answers?.length, 0);
  const edns = decodeResponse(
    r.respond(encodeQuery('web.internal', 'AAAA', { udpSize: 1232 }), NET_A, false, -1) as Buffer,
  );
  assert.ok(!edns.flags.has('tc'));
  assert.equal(edns.packet.answers?.length, 38);
  const small = decodeResponse(
    r.respond(encodeQuery('web.internal', 'AAAA', { udpSize: 600 }), NET_A, false, -1) as Buffer,
  );
  assert.ok(small.flags.has('tc'));
  const tcp = decodeResponse(r.respond(encodeQuery('web.internal', 'AAAA'), NET_A, true, -1) as Buffer);
  assert.equal(tcp.packet.answers?.length, 38);
  // top<N> fits where the whole set does not
  const top = decodeResponse(
    r.respond(encodeQuery('top5.nearest.of.web.internal', 'AAAA'), NET_A, false, -1) as Buffer,
  );
  assert.equal(top.packet.answers?.length, 5);
});

test('TXT values over 255 bytes are several strings of one record', () => {
  const s = D.snapshot();
  for (let i = 1; i <= 60; i++) s.instances.push(D.makeInstance(0x1000 + i, 'web', 'host-7'));
  const z = new ZoneIndex();
  z.applySnapshot(s);
  const d = decodeResponse(
    new Responder(z).respond(encodeQuery('vms.web.internal', 'TXT'), NET_A, true, -1) as Buffer,
  );
  assert.equal(d.packet.answers?.length, 1);
  const a = d.packet.answers?.[0];
  assert.ok(a && a.type === 'TXT' && Array.isArray(a.data));
  const parts = a.data as Buffer[];
  assert.ok(parts.length >= 3, `expected several strings, got ${parts.length}`);
  for (const p of parts.slice(0, -1)) assert.equal(p.length, 255);
  const value = Buffer.concat(parts).toString();
  assert.ok(value.startsWith('00001001 ams,00001002 ams,'));
  assert.equal(value.split(',').length, 63);
});

test('a list too long for any message is cut at a record or entry boundary', () => {
  const s = D.snapshot();
  for (let i = 1; i <= 3000; i++) s.instances.push(D.makeInstance(0x10000 + i, 'web', 'host-7'));
  const z = new ZoneIndex();
  z.applySnapshot(s);
  const r = new Responder(z);
  const aaaa = r.respond(encodeQuery('web.internal', 'AAAA'), NET_A, true, -1) as Buffer;
  assert.ok(aaaa.length <= 65535);
  const d = decodeResponse(aaaa);
  assert.ok((d.packet.answers?.length ?? 0) > 2000);
  const txt = r.respond(encodeQuery('_instances.internal', 'TXT'), NET_A, true, -1) as Buffer;
  assert.ok(txt.length <= 65535);
  const a = decodeResponse(txt).packet.answers?.[0];
  assert.ok(a && a.type === 'TXT');
  const value = Buffer.concat(a.data as Buffer[]).toString();
  assert.match(value, /^instance=0d000005,app=db,.*region=ams$/);
});
