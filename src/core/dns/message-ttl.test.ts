// Whole-response helpers of the forwarder: cache TTLs (RFC 2308 §5), stale TTL rewriting, question keys,
// and matching a reply to the question sent.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import dnsPacket from 'dns-packet';
import { encodeQuery } from './client-query.ts';
import { answersQuery, cacheTtl, questionKey, withTtl } from './message-ttl.ts';

const soa = {
  mname: 'ns.example.test',
  rname: 'h.example.test',
  serial: 1,
  refresh: 1,
  retry: 1,
  expire: 1,
  minimum: 60,
};

test('cacheTtl: smallest answer TTL; negative answers use min(SOA TTL, minimum); OPT ignored', () => {
  const pos = dnsPacket.encode({
    type: 'response',
    id: 1,
    questions: [{ name: 'www.example.test', type: 'A' }],
    answers: [
      { name: 'www.example.test', type: 'A', ttl: 300, data: '192.0.2.1' },
      { name: 'www.example.test', type: 'A', ttl: 120, data: '192.0.2.2' },
    ],
    additionals: [
      {
        type: 'OPT',
        name: '.',
        udpPayloadSize: 1232,
        extendedRcode: 0,
        ednsVersion: 0,
        flags: 0,
        flag_do: false,
        options: [],
      },
    ],
  });
  assert.equal(cacheTtl(pos), 120);
  const neg = dnsPacket.encode({
    type: 'response',
    id: 1,
    questions: [{ name: 'nope.example.test', type: 'A' }],
    authorities: [{ name: 'example.test', type: 'SOA', ttl: 3600, data: soa }],
  });
  assert.equal(cacheTtl(neg), 60);
  assert.equal(cacheTtl(Buffer.from('0001 8180 0001 0000'.replace(/ /g, ''), 'hex')), undefined);
});

test('withTtl sets every TTL but leaves the OPT record alone', () => {
  const msg = dnsPacket.encode({
    type: 'response',
    id: 1,
    questions: [{ name: 'www.example.test', type: 'A' }],
    answers: [{ name: 'www.example.test', type: 'A', ttl: 300, data: '192.0.2.1' }],
    authorities: [{ name: 'example.test', type: 'SOA', ttl: 3600, data: soa }],
    additionals: [
      {
        type: 'OPT',
        name: '.',
        udpPayloadSize: 1232,
        extendedRcode: 0,
        ednsVersion: 0,
        flags: 0x8000,
        flag_do: true,
        options: [],
      },
    ],
  });
  const d = dnsPacket.decode(withTtl(msg, 30));
  assert.equal(d.answers?.[0]?.type === 'A' && d.answers[0].ttl, 30);
  assert.equal(d.authorities?.[0]?.type === 'SOA' && d.authorities[0].ttl, 30);
  const opt = d.additionals?.[0];
  assert.ok(opt?.type === 'OPT' && opt.flag_do);
});

test('questionKey folds case and separates type, class, DO and CD', () => {
  assert.equal(
    questionKey(encodeQuery('WWW.Example.Test', 'A')),
    questionKey(encodeQuery('www.example.test', 'A')),
  );
  assert.notEqual(
    questionKey(encodeQuery('www.example.test', 'A')),
    questionKey(encodeQuery('www.example.test', 'AAAA')),
  );
  assert.notEqual(
    questionKey(encodeQuery('www.example.test', 'A')),
    questionKey(encodeQuery('www.example.test', 'A', { udpSize: 1232, dnssecOk: true })),
  );
  assert.equal(questionKey(Buffer.alloc(5)), undefined);
});

test('answersQuery wants the same id and question (case aside) and QR set', () => {
  const q = encodeQuery('www.example.test', 'A', { id: 77 });
  const reply = (id: number, name: string, type: 'A' | 'AAAA' = 'A') =>
    dnsPacket.encode({ type: 'response', id, questions: [{ name, type }] });
  assert.ok(answersQuery(q, reply(77, 'WWW.example.TEST')));
  assert.ok(!answersQuery(q, reply(78, 'www.example.test')));
  assert.ok(!answersQuery(q, reply(77, 'www.example.tesx')));
  assert.ok(!answersQuery(q, reply(77, 'www.example.test', 'AAAA')));
  assert.ok(!answersQuery(q, q), 'a query is not an answer');
});
