// Table tests of the region a new peer joins: argument, SIXPN_WG_REGION, nearest gateway, and the errors.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SixpnError } from '../../core/errors.ts';
import { chooseRegion, gatewayRegions, type RegionChoiceInput } from './region-choice.ts';

const regions = [
  { code: 'ord', lat: 41.98, lon: -87.9 },
  { code: 'iad', lat: 38.94, lon: -77.46 },
  { code: 'nrt', lat: 35.77, lon: 140.39 },
  { code: 'ams', lat: 52.31, lon: 4.77 },
  { code: 'cdg', lat: 49.01, lon: 2.55 },
  { code: 'syd', lat: -33.94, lon: 151.18 },
];
const gw = (region: string, registered = true) => ({
  region,
  peer_key: registered ? 'k' : null,
  peer_endpoint: registered ? '198.18.1.9:51821' : null,
});
const two = [gw('ord'), gw('nrt')];

const cases: [string, Partial<RegionChoiceInput>, string | [string, RegExp]][] = [
  ['argument wins over everything', { arg: 'nrt', wgEnv: 'ord', home: 'ord', gateways: two }, 'nrt'],
  ['SIXPN_WG_REGION before nearest', { wgEnv: 'nrt', home: 'ord', gateways: two }, 'nrt'],
  ['blank SIXPN_WG_REGION is ignored', { wgEnv: ' ', home: 'iad', gateways: two }, 'ord'],
  ['nearest to home (iad → ord)', { home: 'iad', gateways: two }, 'ord'],
  ['nearest to home (syd → nrt)', { home: 'syd', gateways: two }, 'nrt'],
  ['home itself when it has one', { home: 'nrt', gateways: two }, 'nrt'],
  ['nearest across the ocean (cdg → ams)', { home: 'cdg', gateways: [gw('ams'), gw('ord')] }, 'ams'],
  [
    'unregistered gateways are not "nearest"',
    { home: 'cdg', gateways: [gw('ams', false), gw('ord')] },
    'ord',
  ],
  ['only one region: no home needed', { gateways: [gw('ord'), gw('ord')] }, 'ord'],
  [
    'asked region without a gateway names those with one',
    { arg: 'ams', gateways: two },
    ['failed_precondition', /region 'ams' has no WireGuard gateway; regions with a gateway: nrt, ord/],
  ],
  [
    'SIXPN_WG_REGION without a gateway too',
    { wgEnv: 'syd', gateways: two },
    ['failed_precondition', /'syd'.*nrt, ord/],
  ],
  [
    'no gateway anywhere',
    { home: 'ord', gateways: [] },
    ['failed_precondition', /no region has a WireGuard/],
  ],
  [
    'several regions and no home',
    { gateways: two },
    ['invalid_argument', /no SIXPN_REGION is set; pass REGION .* one of: nrt, ord/],
  ],
  ['unknown home', { home: 'xyz', gateways: two }, ['invalid_argument', /'xyz' is not a known region/]],
];

for (const [name, input, want] of cases) {
  test(`region choice: ${name}`, () => {
    const run = () => chooseRegion({ regions, gateways: [], ...input });
    if (typeof want === 'string') assert.equal(run().region, want);
    else
      assert.throws(run, (e: unknown) => {
        assert.ok(e instanceof SixpnError);
        assert.equal(e.code, want[0]);
        assert.match(e.message, want[1]);
        return true;
      });
  });
}

test('region choice says why', () => {
  assert.equal(chooseRegion({ home: 'iad', regions, gateways: two }).why, 'nearest to iad (945 km)');
  assert.equal(chooseRegion({ home: 'ord', regions, gateways: two }).why, 'your region (ord)');
  assert.equal(chooseRegion({ arg: 'ord', regions, gateways: two }).why, 'as asked');
});

test('gateway regions: sorted, unique, registered first', () => {
  assert.deepEqual(gatewayRegions([gw('ord'), gw('ams'), gw('ord')]), ['ams', 'ord']);
  assert.deepEqual(gatewayRegions([gw('ord', false), gw('ams')]), ['ams']);
  assert.deepEqual(gatewayRegions([gw('ord', false)]), ['ord']);
});
