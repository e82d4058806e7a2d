// DESIGN.md's rule in every `.internal` answer: "started" means started and passing its health checks once the
// app has checks; an app whose started instances all fail answers NOERROR with nothing; `all.` names still list
// every instance. A table of steps (a change, then the answers it must give).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { App, Change, Health, Instance } from '../model.ts';
import { dnsFleet, NET_A } from '../test-fleet.ts';
import { decodeResponse, encodeQuery } from './client-query.ts';
import { formatShort } from './dig-format.ts';
import { Responder } from './responder.ts';
import { ZoneIndex } from './zone-index.ts';

const D = dnsFleet();
const CHECK = {
  name: 'http-80',
  type: 'http' as const,
  port: 80,
  interval_ms: 1000,
  timeout_ms: 500,
  grace_period_ms: 0,
};
const w1 = 'fdaa:0:18:0:1:a000:1:2';
const w2 = 'fdaa:0:18:0:2:a000:2:2';
const w3 = 'fdaa:0:18:0:3:b000:3:2';

function answer(zone: ZoneIndex, name: string, type = 'AAAA', asker = 'ord'): string[] | string {
  const out = new Responder(zone).respond(
    encodeQuery(name, type, { id: 1, udpSize: 4096 }),
    NET_A,
    true,
    zone.regionIndex(asker),
  );
  assert.ok(out instanceof Buffer);
  const d = decodeResponse(out);
  return d.rcode === 'NOERROR' ? formatShort(d.packet) : d.rcode;
}

let rev = 1000;
const putApp = (checks: App['checks']): Change => {
  const obj = { ...D.makeApp('acme', 'web'), checks };
  return { rev: ++rev, op: 'put', kind: 'app', id: obj.id, org: 'acme', obj };
};
const putInst = (
  num: number,
  host: string,
  health: Health | null,
  state: Instance['state'] = 'started',
): Change => {
  const obj = { ...D.makeInstance(num, 'web', host, state), health };
  return { rev: ++rev, op: 'put', kind: 'instance', id: obj.id, org: 'acme', obj };
};

type Expect = [name: string, type: string, want: string[] | string, asker?: string];
const ALL_VMS = ['"a0000001 ord,a0000002 ord,b0000003 nrt,c0000004 iad"'];
const steps: [string, Change[], Expect[]][] = [
  [
    'no checks: every started instance serves, whatever a stale verdict says',
    [putInst(0xa0000001, 'host-1', 'critical')],
    [
      ['web.internal', 'AAAA', [w3, w1, w2]],
      ['a0000001.vm.web.internal', 'AAAA', [w1]],
    ],
  ],
  [
    'checks arrive: nobody has a verdict yet, so nothing serves — NOERROR, empty',
    [putApp([CHECK])],
    [
      ['web.internal', 'AAAA', []],
      ['global.web.internal', 'AAAA', []],
      ['ord.web.internal', 'AAAA', []],
      ['top1.nearest.of.web.internal', 'AAAA', []],
      ['a0000002.vm.web.internal', 'AAAA', []],
      ['regions.web.internal', 'TXT', []],
      ['vms.web.internal', 'TXT', []],
      ['all.vms.web.internal', 'TXT', ALL_VMS],
      ['all.regions.web.internal', 'TXT', ['"iad,nrt,ord"']],
      ['nope.web.internal', 'AAAA', 'NXDOMAIN'],
    ],
  ],
  [
    'one passes: only it answers, everywhere',
    [putInst(0xa0000002, 'host-2', 'passing')],
    [
      ['web.internal', 'AAAA', [w2]],
      ['ord.web.internal', 'AAAA', [w2]],
      ['nrt.web.internal', 'AAAA', []],
      ['top1.nearest.of.web.internal', 'AAAA', [w2], 'nrt'],
      ['a0000002.vm.web.internal', 'AAAA', [w2]],
      ['a0000001.vm.web.internal', 'AAAA', []],
      ['regions.web.internal', 'TXT', ['"ord"']],
      ['vms.web.internal', 'TXT', ['"a0000002 ord"']],
      ['all.vms.web.internal', 'TXT', ALL_VMS],
    ],
  ],
  [
    'two pass, then the first fails',
    [putInst(0xb0000003, 'host-3', 'passing'), putInst(0xa0000002, 'host-2', 'critical')],
    [
      ['web.internal', 'AAAA', [w3]],
      ['top1.nearest.of.web.internal', 'AAAA', [w3], 'ord'],
      ['regions.web.internal', 'TXT', ['"nrt"']],
    ],
  ],
  [
    'all fail: NOERROR and empty; all. names still list every instance',
    [putInst(0xb0000003, 'host-3', 'critical')],
    [
      ['web.internal', 'AAAA', []],
      ['vms.web.internal', 'TXT', []],
      ['all.vms.web.internal', 'TXT', ALL_VMS],
      ['all.regions.web.internal', 'TXT', ['"iad,nrt,ord"']],
    ],
  ],
  [
    'a stopped instance does not serve even when its last verdict passed',
    [putInst(0xa0000001, 'host-1', 'passing', 'stopped')],
    [['web.internal', 'AAAA', []]],
  ],
  [
    'recovery: back at once',
    [putInst(0xa0000002, 'host-2', 'passing')],
    [
      ['web.internal', 'AAAA', [w2]],
      ['vms.web.internal', 'TXT', ['"a0000002 ord"']],
    ],
  ],
  [
    'checks removed: every started instance serves again',
    [putApp([])],
    [
      ['web.internal', 'AAAA', [w3, w2]],
      ['vms.web.internal', 'TXT', ['"a0000002 ord,b0000003 nrt"']],
    ],
  ],
];

test('answers follow started-and-passing, step by step, and match a fresh index', () => {
  const zone = new ZoneIndex();
  const snap = D.snapshot();
  zone.applySnapshot(snap);
  rev = snap.revision;
  const apps = new Map(snap.apps.map((a) => [a.id, a]));
  const insts = new Map(snap.instances.map((i) => [i.id, i]));
  for (const [what, changes, expects] of steps) {
    for (const c of changes) {
      assert.ok(zone.applyChange(c), what);
      if (c.kind === 'app') apps.set(c.id, c.obj);
      if (c.kind === 'instance') insts.set(c.id, c.obj);
    }
    const fresh = new ZoneIndex();
    fresh.applySnapshot({ ...snap, revision: rev, apps: [...apps.values()], instances: [...insts.values()] });
    for (const [name, type, want, asker] of expects) {
      assert.deepEqual(answer(zone, name, type, asker), want, `${what}: ${type} ${name}`);
      assert.deepEqual(answer(fresh, name, type, asker), want, `${what} (fresh index): ${type} ${name}`);
    }
  }
});

test('_instances.internal lists serving instances; all._instances every one', () => {
  const zone = new ZoneIndex();
  zone.applySnapshot(D.snapshot());
  zone.applyChange(putApp([CHECK]));
  zone.applyChange(putInst(0xa0000001, 'host-1', 'passing'));
  const listed = (name: string) => JSON.stringify(answer(zone, name, 'TXT'));
  assert.match(listed('_instances.internal'), /instance=a0000001,app=web/);
  assert.doesNotMatch(listed('_instances.internal'), /a0000002|b0000003/);
  assert.match(listed('all._instances.internal'), /a0000002.*b0000003|b0000003.*a0000002/);
});
