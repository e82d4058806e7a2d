// Table tests of the flag parsers: every bad value is a usage error with a message naming what is wrong.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  apiUrl,
  dbUrl,
  duration,
  FlagValueError,
  instanceId,
  label,
  latitude,
  longitude,
  parseApiUrl,
  regionCode,
  text,
} from './flags.ts';

const usage = (msg: RegExp) => (e: unknown) => e instanceof FlagValueError && msg.test(e.message);

describe('numbers', () => {
  const good: [(v: string) => number, string, number][] = [
    [latitude, '41.9', 41.9],
    [latitude, '-90', -90],
    [latitude, '90', 90],
    [latitude, '0', 0],
    [latitude, ' 12 ', 12],
    [latitude, '1e1', 10],
    [latitude, '.5', 0.5],
    [longitude, '-87.6', -87.6],
    [longitude, '180', 180],
    [longitude, '+1.', 1],
  ];
  for (const [f, v, want] of good) test(`${v} → ${want}`, () => assert.equal(f(v), want));
  const bad: [(v: string) => number, string, RegExp][] = [
    [latitude, 'abc', /^latitude must be a number from -90 to 90$/],
    [latitude, '', /latitude/],
    [latitude, '90.1', /latitude/],
    [latitude, '-91', /latitude/],
    [latitude, 'NaN', /latitude/],
    [latitude, 'Infinity', /latitude/],
    [latitude, '0x10', /latitude/],
    [latitude, '1,5', /latitude/],
    [longitude, '181', /^longitude must be a number from -180 to 180$/],
    [longitude, '12abc', /longitude/],
  ];
  for (const [f, v, msg] of bad)
    test(`rejects ${JSON.stringify(v)}`, () => assert.throws(() => f(v), usage(msg)));
});

describe('names and ids', () => {
  test('label', () => {
    assert.equal(label('app name')('web-1'), 'web-1');
    assert.throws(() => label('app name')('Web_1'), usage(/^app name 'Web_1' is not a valid name/));
    assert.throws(() => label('org name')(''), usage(/org name '' is not a valid name: it is empty/));
  });
  test('region code', () => {
    assert.equal(regionCode('ord'), 'ord');
    assert.throws(() => regionCode('ORD'), usage(/region 'ORD' is not a region code/));
  });
  const ids: [string, string | RegExp][] = [
    ['0a7b007d', '0a7b007d'],
    ['0A7B007D', '0a7b007d'],
    ['00000000', /^instance id '00000000' must be 8 hex digits like 0a7b007d/],
    ['a7b007d', /must be 8 hex digits/],
    ['web', /must be 8 hex digits/],
  ];
  for (const [v, want] of ids) {
    test(`instance id ${v}`, () => {
      if (typeof want === 'string') assert.equal(instanceId(v), want);
      else assert.throws(() => instanceId(v), usage(want));
    });
  }
  test('text', () => {
    assert.equal(text('the region name')(' Chicago '), 'Chicago');
    assert.throws(() => text('the region name')('  '), usage(/the region name must be 1–100 characters/));
    assert.throws(() => text('x', 3)('abcd'), usage(/x must be 1–3 characters/));
  });
});

describe('durations, URLs, databases', () => {
  const durations: [string, string | undefined][] = [
    ['24h', '24h'],
    ['30d', '30d'],
    ['90m', '90m'],
    ['3600', '3600'],
    ['3600s', '3600s'],
    ['0', undefined],
    ['1w', undefined],
    ['-5m', undefined],
    ['h', undefined],
    ['1.5h', undefined],
  ];
  for (const [v, want] of durations) {
    test(`duration ${v}`, () => {
      if (want) assert.equal(duration(v), want);
      else assert.throws(() => duration(v), usage(/is not a duration; use e\.g\. 3600s, 90m, 24h or 30d/));
    });
  }
  const urls: [string, string | RegExp][] = [
    ['http://127.0.0.1:4280', 'http://127.0.0.1:4280'],
    ['http://127.0.0.1:4280/', 'http://127.0.0.1:4280'],
    ['https://cp.example.com/sixpn/', 'https://cp.example.com/sixpn'],
    ['http://[::1]:4280', 'http://[::1]:4280'],
    ['127.0.0.1:4280', /must be an http:\/\/ or https:\/\/ URL|is not a URL/],
    ['ftp://x', /must be an http:\/\/ or https:\/\/ URL/],
    ['not a url', /is not a URL/],
    ['http://u:p@x', /plain base URL/],
    ['http://x/?a=1', /plain base URL/],
    ['http://a:4280, http://b:4280/', 'http://a:4280,http://b:4280'],
    ['http://a:4280,unix:/run/s.sock,', 'http://a:4280,unix:/run/s.sock'],
    ['http://a:4280,b:4280', /'b:4280' must be an http:\/\/ or https:\/\/ URL|'b:4280' is not a URL/],
    [',', /names no URL/],
  ];
  for (const [v, want] of urls) {
    test(`api url ${v}`, () => {
      if (typeof want === 'string') assert.equal(apiUrl(v), want);
      else assert.throws(() => apiUrl(v), usage(want));
    });
  }
  test('parseApiUrl names its source', () => {
    assert.throws(
      () => parseApiUrl('nope', 'SIXPN_API_URL'),
      /^SixpnError: SIXPN_API_URL 'nope' is not a URL/,
    );
  });
  const dbs: [string, boolean][] = [
    ['sqlite:./sixpn.db', true],
    ['sqlite:/var/lib/sixpn/s.db', true],
    ['sqlite::memory:', true],
    ['postgres://sixpn@localhost/sixpn', true],
    ['postgresql://u:p@db:5432/x', true],
    ['sqlite:', false],
    ['./sixpn.db', false],
    ['mysql://x', false],
  ];
  for (const [v, ok] of dbs) {
    test(`db ${v}`, () => {
      if (ok) assert.equal(dbUrl(v), v);
      else assert.throws(() => dbUrl(v), usage(/is not a database; use sqlite:PATH/));
    });
  }
});
