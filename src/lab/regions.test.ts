// Table tests of the built-in regions and the --regions/--gateways parsers.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSixpnError } from '../core/errors.ts';
import { REGION_RE } from '../core/names.ts';
import { KNOWN_REGIONS, knownRegion, parseGatewayRegions, parseRegionCounts } from './regions.ts';

test('every built-in region is a valid code with a position on the globe', () => {
  assert.ok(KNOWN_REGIONS.size >= 20);
  for (const r of KNOWN_REGIONS.values()) {
    assert.match(r.code, REGION_RE);
    assert.ok(r.lat >= -90 && r.lat <= 90 && r.lon >= -180 && r.lon <= 180, r.code);
  }
  for (const c of ['ord', 'iad', 'sjc', 'lax', 'ams', 'fra', 'lhr', 'cdg', 'nrt', 'sin', 'syd', 'gru']) {
    assert.equal(knownRegion(c).code, c);
  }
});

test('--regions', () => {
  const ok: [string, [string, number][]][] = [
    [
      'ord:2,nrt:1',
      [
        ['ord', 2],
        ['nrt', 1],
      ],
    ],
    ['ams', [['ams', 1]]],
    [
      ' ord:3 , sin ,',
      [
        ['ord', 3],
        ['sin', 1],
      ],
    ],
  ];
  for (const [text, want] of ok) {
    assert.deepEqual(
      parseRegionCounts(text).map((r) => [r.code, r.hosts]),
      want,
      text,
    );
  }
  const bad: [string, RegExp][] = [
    ['', /empty/],
    ['xyz:1', /unknown lab region 'xyz'; known regions: ams, .*ord.*/],
    ['ord:0', /from 1 to 200/],
    ['ord:2,ord:1', /twice/],
    ['ord:x', /CODE or CODE:COUNT/],
    ['ORD', /CODE or CODE:COUNT/],
  ];
  for (const [text, re] of bad) {
    assert.throws(
      () => parseRegionCounts(text),
      (e) => isSixpnError(e) && e.code === 'invalid_argument' && re.test(e.message),
      text,
    );
  }
});

test('--gateways', () => {
  assert.deepEqual(parseGatewayRegions(''), []);
  assert.deepEqual(parseGatewayRegions('ord,nrt'), ['ord', 'nrt']);
  assert.throws(() => parseGatewayRegions('ord,ord'), /twice/);
  assert.throws(() => parseGatewayRegions('mars'), /known regions/);
});
