// The zone index follows the watch stream: each Change updates the answers, and any sequence of changes gives
// the same answers, byte for byte, as a fresh index built from the resulting snapshot.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { App, Change, Instance, Peer, Region, Snapshot } from '../model.ts';
import { pick as pickOne, seededRandom } from '../seeded-random.ts';
import { dnsFleet, NET_A, NET_B } from '../test-fleet.ts';
import { decodeResponse, encodeQuery } from './client-query.ts';
import { formatShort } from './dig-format.ts';
import { Responder } from './responder.ts';
import { ZoneIndex } from './zone-index.ts';

const D = dnsFleet();
const CHECK = {
  name: 'tcp-80',
  type: 'tcp' as const,
  port: 80,
  interval_ms: 1000,
  timeout_ms: 500,
  grace_period_ms: 0,
};

function bytes(zone: ZoneIndex, net: number, name: string, type: string, reg = 'ord'): Buffer {
  const out = new Responder(zone).respond(
    encodeQuery(name, type, { id: 1, udpSize: 4096 }),
    net,
    true,
    zone.regionIndex(reg),
  );
  assert.ok(out instanceof Buffer);
  return out;
}

function lines(zone: ZoneIndex, net: number, name: string, type = 'AAAA', reg = 'ord'): string[] | string {
  const d = decodeResponse(bytes(zone, net, name, type, reg));
  return d.rcode === 'NOERROR' ? formatShort(d.packet) : d.rcode;
}

let rev = 100;
type Obj = Change['obj'];
function put(kind: Change['kind'], obj: Obj): Change {
  const id = kind === 'region' ? (obj as Region).code : (obj as { id: string }).id;
  return { rev: ++rev, op: 'put', kind, id, org: null, obj } as Change;
}
function del(kind: Change['kind'], obj: Obj): Change {
  return { ...put(kind, obj), op: 'delete' } as Change;
}

test('changes update the answers incrementally', () => {
  const zone = new ZoneIndex();
  zone.applySnapshot(D.snapshot());
  const w1 = 'fdaa:0:18:0:1:a000:1:2';
  const w2 = 'fdaa:0:18:0:2:a000:2:2';
  const w3 = 'fdaa:0:18:0:3:b000:3:2';
  const w4 = 'fdaa:0:18:0:4:c000:4:2';
  assert.deepEqual(lines(zone, NET_A, 'top1.nearest.of.web.internal'), [w1]);

  // stop a0000001
  zone.applyChange(put('instance', D.makeInstance(0xa0000001, 'web', 'host-1', 'stopped')));
  assert.deepEqual(lines(zone, NET_A, 'web.internal'), [w3, w2]);
  assert.deepEqual(lines(zone, NET_A, 'top1.nearest.of.web.internal'), [w2]);
  assert.deepEqual(lines(zone, NET_A, 'a0000001.vm.web.internal'), []);
  assert.deepEqual(lines(zone, NET_A, 'vms.web.internal', 'TXT'), ['"a0000002 ord,b0000003 nrt"']);

  // start c0000004 (iad)
  zone.applyChange(put('instance', D.makeInstance(0xc0000004, 'web', 'host-4')));
  assert.deepEqual(lines(zone, NET_A, 'web.internal'), [w4, w3, w2]);
  assert.deepEqual(lines(zone, NET_A, 'regions.web.internal', 'TXT'), ['"iad,nrt,ord"']);
  assert.deepEqual(lines(zone, NET_A, 'top2.nearest.of.web.internal', 'AAAA', 'ord'), [w2, w4]);

  // delete a0000002
  zone.applyChange(del('instance', D.makeInstance(0xa0000002, 'web', 'host-2')));
  assert.equal(lines(zone, NET_A, 'a0000002.vm.web.internal'), 'NXDOMAIN');
  assert.deepEqual(lines(zone, NET_A, 'ord.web.internal'), []);

  // a region moves: iad next to nrt makes c0000004 the nearest from nrt after b0000003
  zone.applyChange(put('region', D.makeRegion('iad', 35.7, 140.3)));
  assert.deepEqual(lines(zone, NET_A, 'top2.nearest.of.web.internal', 'AAAA', 'nrt'), [w3, w4]);

  // an instance arriving before its app shows once the app is put
  zone.applyChange(put('instance', D.makeInstance(0x12345678, D.makeApp('acme', 'cache'), 'host-5')));
  assert.equal(lines(zone, NET_A, 'cache.internal'), 'NXDOMAIN');
  zone.applyChange(put('app', D.makeApp('acme', 'cache')));
  assert.deepEqual(lines(zone, NET_A, 'cache.internal'), ['fdaa:0:18:0:5:1234:5678:2']);
  assert.deepEqual(lines(zone, NET_A, '_apps.internal', 'TXT'), ['"cache,db,idle,web"']);

  // private networking turned off hides the app
  zone.applyChange(put('app', D.makeApp('acme', 'cache', false)));
  assert.equal(lines(zone, NET_A, 'cache.internal'), 'NXDOMAIN');
  assert.deepEqual(lines(zone, NET_A, '_apps.internal', 'TXT'), ['"db,idle,web"']);

  // peers: rename keeps the id; delete removes
  const renamed: Peer = { ...D.makePeer('laptop', 'acme', 'gw-1'), name: 'Desk' };
  zone.applyChange(put('peer', renamed));
  assert.equal(lines(zone, NET_A, 'laptop._peer.internal'), 'NXDOMAIN');
  assert.deepEqual(lines(zone, NET_A, 'desk._peer.internal'), ['fdaa:0:18:0:9::102']);
  assert.deepEqual(lines(zone, NET_A, '_peer.internal', 'TXT'), ['"Desk"']);
  zone.applyChange(del('peer', renamed));
  assert.equal(lines(zone, NET_A, 'desk._peer.internal'), 'NXDOMAIN');

  // an app deleted (its instances first, as the store does)
  zone.applyChange(del('instance', D.makeInstance(0x0d000005, 'db', 'host-1')));
  zone.applyChange(del('app', D.makeApp('acme', 'db')));
  assert.equal(lines(zone, NET_A, 'db.internal'), 'NXDOMAIN');

  // old or repeated revisions are ignored
  const before = zone.revision;
  assert.equal(zone.applyChange({ ...put('app', D.makeApp('acme', 'db')), rev: before }), false);
  assert.equal(lines(zone, NET_A, 'db.internal'), 'NXDOMAIN');

  // a deleted network takes every name with it; the other network is untouched
  zone.applyChange(
    del('network', {
      id: 'net-a',
      org: 'acme',
      name: 'default',
      num: NET_A,
      prefix: 'fdaa:0:18::/48',
      dns: 'fdaa:0:18::3',
      created_at: '',
    }),
  );
  assert.equal(lines(zone, NET_A, 'web.internal'), 'NXDOMAIN');
  assert.deepEqual(lines(zone, NET_B, 'vault.internal'), ['fdaa:0:2a:0:1:f000:7:2']);
  // the SOA serial follows the revision
  assert.deepEqual(lines(zone, NET_B, 'internal', 'SOA'), [
    `ns.internal. hostmaster.internal. ${zone.revision} 3600 600 86400 5`,
  ]);
});

test('any sequence of changes answers like a fresh index from the final snapshot', () => {
  for (const seed of [1, 2, 3]) {
    const rand = seededRandom(seed);
    const pick = <T>(xs: readonly T[]): T => pickOne(rand, xs);
    const start = D.snapshot();
    const apps = new Map<string, App>(start.apps.map((a) => [a.id, a]));
    const insts = new Map<string, Instance>(start.instances.map((i) => [i.id, i]));
    const peers = new Map<string, Peer>(start.peers.map((p) => [p.id, p]));
    const regions = new Map<string, Region>(start.regions.map((r) => [r.code, r]));
    const zone = new ZoneIndex();
    zone.applySnapshot(start);
    rev = start.revision;
    const appNames = ['web', 'db', 'idle', 'cache', 'api', 'vault'];
    const codes = ['ord', 'iad', 'nrt', 'ams', 'syd'];
    const orgOf = (net: number) => (net === NET_A ? 'acme' : 'globex');
    // Draws app, region, host and state in that order.
    const newInstance = (num: number, net: number) => {
      const a = D.makeApp(orgOf(net), pick(appNames));
      const region = pick(codes);
      const host = 1 + Math.floor(rand() * 4);
      return D.makeInstance(
        num,
        a,
        { name: `host-${host}`, num: host, region },
        pick(['started', 'stopped']),
      );
    };
    for (let step = 0; step < 600; step++) {
      const r = rand();
      const net = rand() < 0.8 ? NET_A : NET_B;
      let c: Change;
      if (r < 0.5) {
        const num = 1 + Math.floor(rand() * 40);
        const id = num.toString(16).padStart(8, '0');
        const existing = insts.get(id);
        if (existing && rand() < 0.3) {
          insts.delete(id);
          c = del('instance', existing);
        } else {
          const i = existing
            ? { ...existing, state: pick(['started', 'stopped'] as const), region: pick(codes) }
            : newInstance(num, net);
          // health verdicts come and go (they count only while the app has checks)
          // (from the step, not the random source, so the draws stay those of the sequence without them)
          i.health = (['passing', 'passing', 'passing', 'passing', 'critical', null] as const)[step % 6];
          insts.set(id, i);
          c = put('instance', i);
        }
      } else if (r < 0.7) {
        const a = D.makeApp(orgOf(net), pick(appNames), rand() < 0.8);
        if (step % 4 === 0) a.checks = [CHECK];
        const existing = apps.get(a.id);
        if (existing && existing.network_num === a.network_num && rand() < 0.3) {
          apps.delete(a.id);
          c = del('app', existing);
        } else if (existing && existing.network_num !== a.network_num) {
          continue; // an app never moves between networks
        } else {
          apps.set(a.id, a);
          c = put('app', a);
        }
      } else if (r < 0.85) {
        const name = pick(['laptop', 'ci', 'Phone', 'build']);
        const p = D.makePeer(name, orgOf(net), 'gw-1', Math.floor(rand() * 200) + 2);
        const existing = peers.get(p.id);
        if (existing && rand() < 0.4) {
          peers.delete(p.id);
          c = del('peer', existing);
        } else {
          if (existing && existing.network_num !== net) continue;
          peers.set(p.id, p);
          c = put('peer', p);
        }
      } else {
        const g = D.makeRegion(pick(codes), rand() * 180 - 90, rand() * 360 - 180);
        regions.set(g.code, g);
        c = put('region', g);
      }
      zone.applyChange(c);
    }
    const final: Snapshot = {
      ...start,
      revision: rev,
      regions: [...regions.values()],
      apps: [...apps.values()],
      instances: [...insts.values()],
      peers: [...peers.values()],
    };
    const fresh = new ZoneIndex();
    fresh.applySnapshot(final);
    const names: [string, string][] = [
      ['_apps.internal', 'TXT'],
      ['_peer.internal', 'TXT'],
      ['_instances.internal', 'TXT'],
      ['all._instances.internal', 'TXT'],
      ['_api.internal', 'AAAA'],
    ];
    for (const a of appNames) {
      names.push(
        [`${a}.internal`, 'AAAA'],
        [`global.${a}.internal`, 'AAAA'],
        [`regions.${a}.internal`, 'TXT'],
      );
      names.push(
        [`all.regions.${a}.internal`, 'TXT'],
        [`vms.${a}.internal`, 'TXT'],
        [`all.vms.${a}.internal`, 'TXT'],
      );
      for (const n of [1, 2, 5]) names.push([`top${n}.nearest.of.${a}.internal`, 'AAAA']);
      for (const code of codes) names.push([`${code}.${a}.internal`, 'AAAA']);
      for (const id of insts.keys()) names.push([`${id}.vm.${a}.internal`, 'AAAA']);
    }
    for (const p of ['laptop', 'ci', 'phone', 'build']) names.push([`${p}._peer.internal`, 'AAAA']);
    let withRecords = 0;
    for (const net of [NET_A, NET_B]) {
      for (const asker of ['ord', 'nrt', 'syd']) {
        for (const [name, type] of names) {
          const got = bytes(zone, net, name, type, asker);
          assert.deepEqual(
            got,
            bytes(fresh, net, name, type, asker),
            `seed ${seed}: ${type} ${name} from ${net} in ${asker}`,
          );
          if (got.readUInt16BE(6) > 0) withRecords++;
        }
      }
    }
    // the comparison covered real answers, not only NXDOMAINs
    assert.ok(withRecords > 100, `only ${withRecords} answers had records`);
  }
});
