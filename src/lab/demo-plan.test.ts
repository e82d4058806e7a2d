// The demo's placement for several lab shapes: web on every home host and once per other region, db on the
// last home host, vault beside the first web.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoPlan } from './demo-plan.ts';
import { labPlan } from './plan.ts';
import { parseRegionCounts } from './regions.ts';

const place = (regions: string) =>
  demoPlan(labPlan({ regions: parseRegionCounts(regions), gateways: [] })).instances.map(
    (i) => `${i.org}/${i.app}@${i.host}`,
  );

test('demo placement', () => {
  const cases: [string, string[]][] = [
    ['ord:2,nrt:1', ['acme/web@ord1', 'acme/web@ord2', 'acme/web@nrt1', 'acme/db@ord2', 'globex/vault@ord1']],
    ['ord:1', ['acme/web@ord1', 'acme/db@ord1', 'globex/vault@ord1']],
    [
      'ams:3,sin:2,syd:1',
      [
        'acme/web@ams1',
        'acme/web@ams2',
        'acme/web@ams3',
        'acme/web@sin1',
        'acme/web@syd1',
        'acme/db@ams3',
        'globex/vault@ams1',
      ],
    ],
  ];
  for (const [regions, want] of cases) assert.deepEqual(place(regions), want, regions);
});

test('the demo orgs and apps', () => {
  const d = demoPlan(labPlan({ regions: parseRegionCounts('ord:2,nrt:1'), gateways: [] }));
  assert.deepEqual(d.orgs, ['acme', 'globex']);
  assert.deepEqual(
    d.apps.map((a) => `${a.org}/${a.name}`),
    ['acme/web', 'acme/db', 'globex/vault'],
  );
  for (const i of d.instances) assert.equal(i.region, i.host.replace(/\d+$/, ''));
});
