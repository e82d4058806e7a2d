// Table tests for every `.internal` name of DESIGN.md, asked through the responder (bytes in, bytes out).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dnsFleet, NET_A, NET_B } from '../test-fleet.ts';
import { decodeResponse, encodeQuery } from './client-query.ts';
import { formatShort } from './dig-format.ts';
import { Responder } from './responder.ts';
import { ZoneIndex } from './zone-index.ts';

const D = dnsFleet();

interface Asked {
  rcode: string;
  aa: boolean;
  lines: string[];
  /** Types in the authority section. */
  authority: string[];
}

function ask(zone: ZoneIndex, net: number, name: string, type = 'AAAA', region = 'ord'): Asked {
  const r = new Responder(zone);
  const out = r.respond(
    encodeQuery(name, type, { id: 4242, udpSize: 4096 }),
    net,
    true,
    zone.regionIndex(region),
  );
  assert.ok(out instanceof Buffer, `no response for ${name}`);
  const d = decodeResponse(out);
  assert.equal(d.id, 4242);
  assert.equal(d.packet.questions?.[0]?.name, name, 'question echoed as asked');
  return {
    rcode: d.rcode,
    aa: d.flags.has('aa'),
    lines: formatShort(d.packet),
    authority: (d.packet.authorities ?? []).map((a) => a.type),
  };
}

// `<app>.internal` lists instances by region code (nrt before ord), then by id
const web1 = 'fdaa:0:18:0:1:a000:1:2';
const web2 = 'fdaa:0:18:0:2:a000:2:2';
const web3 = 'fdaa:0:18:0:3:b000:3:2';
const db5 = 'fdaa:0:18:0:1:d00:5:2';
const vault = 'fdaa:0:2a:0:1:f000:7:2';

type Row = [name: string, type: string, net: number, rcode: string, lines: string[], region?: string];

const rows: Row[] = [
  // apps
  ['web.internal', 'AAAA', NET_A, 'NOERROR', [web3, web1, web2]],
  ['WEB.Internal', 'AAAA', NET_A, 'NOERROR', [web3, web1, web2]],
  ['global.web.internal', 'AAAA', NET_A, 'NOERROR', [web3, web1, web2]],
  ['web.internal', 'ANY', NET_A, 'NOERROR', [web3, web1, web2]],
  ['web.internal', 'A', NET_A, 'NOERROR', []],
  ['web.internal', 'TXT', NET_A, 'NOERROR', []],
  ['db.internal', 'AAAA', NET_A, 'NOERROR', [db5]],
  ['idle.internal', 'AAAA', NET_A, 'NOERROR', []],
  ['worker.internal', 'AAAA', NET_A, 'NXDOMAIN', []],
  ['nope.internal', 'AAAA', NET_A, 'NXDOMAIN', []],
  ['vault.internal', 'AAAA', NET_A, 'NXDOMAIN', []],
  ['vault.internal', 'AAAA', NET_B, 'NOERROR', [vault]],
  ['web.internal', 'AAAA', NET_B, 'NXDOMAIN', []],
  // regions
  ['ord.web.internal', 'AAAA', NET_A, 'NOERROR', [web1, web2]],
  ['nrt.web.internal', 'AAAA', NET_A, 'NOERROR', [web3]],
  ['iad.web.internal', 'AAAA', NET_A, 'NOERROR', []],
  ['ams.web.internal', 'AAAA', NET_A, 'NOERROR', []],
  ['xyz.web.internal', 'AAAA', NET_A, 'NXDOMAIN', []],
  ['ord.vault.internal', 'AAAA', NET_A, 'NXDOMAIN', []],
  // nearest
  ['top1.nearest.of.web.internal', 'AAAA', NET_A, 'NOERROR', [web1]],
  ['top2.nearest.of.web.internal', 'AAAA', NET_A, 'NOERROR', [web1, web2]],
  ['top10.nearest.of.web.internal', 'AAAA', NET_A, 'NOERROR', [web1, web2, web3]],
  ['top1.nearest.of.web.internal', 'AAAA', NET_A, 'NOERROR', [web3], 'nrt'],
  ['top2.nearest.of.web.internal', 'AAAA', NET_A, 'NOERROR', [web3, web1], 'nrt'],
  ['top3.nearest.of.web.internal', 'AAAA', NET_A, 'NOERROR', [web1, web2, web3], 'ams'],
  ['TOP1.Nearest.Of.web.internal', 'AAAA', NET_A, 'NOERROR', [web1], 'iad'],
  ['top1.nearest.of.web.internal', 'AAAA', NET_A, 'NOERROR', [web1], 'unknown-region'],
  ['top0.nearest.of.web.internal', 'AAAA', NET_A, 'NXDOMAIN', []],
  ['top01.nearest.of.web.internal', 'AAAA', NET_A, 'NXDOMAIN', []],
  ['topx.nearest.of.web.internal', 'AAAA', NET_A, 'NXDOMAIN', []],
  ['top1.nearest.of.web.internal', 'TXT', NET_A, 'NOERROR', []],
  ['nearest.of.web.internal', 'AAAA', NET_A, 'NOERROR', []],
  ['of.web.internal', 'AAAA', NET_A, 'NOERROR', []],
  // instances
  ['a0000001.vm.web.internal', 'AAAA', NET_A, 'NOERROR', [web1]],
  ['A0000001.VM.web.internal', 'AAAA', NET_A, 'NOERROR', [web1]],
  ['c0000004.vm.web.internal', 'AAAA', NET_A, 'NOERROR', []],
  ['0d000005.vm.web.internal', 'AAAA', NET_A, 'NXDOMAIN', []],
  ['0d000005.vm.db.internal', 'AAAA', NET_A, 'NOERROR', [db5]],
  ['ffffffff.vm.web.internal', 'AAAA', NET_A, 'NXDOMAIN', []],
  ['f0000007.vm.vault.internal', 'AAAA', NET_A, 'NXDOMAIN', []],
  ['vm.web.internal', 'AAAA', NET_A, 'NOERROR', []],
  // peers and _api
  ['laptop._peer.internal', 'AAAA', NET_A, 'NOERROR', ['fdaa:0:18:0:9::102']],
  ['LAPTOP._peer.internal', 'AAAA', NET_A, 'NOERROR', ['fdaa:0:18:0:9::102']],
  ['ci._peer.internal', 'AAAA', NET_A, 'NXDOMAIN', []],
  ['ci._peer.internal', 'AAAA', NET_B, 'NOERROR', ['fdaa:0:2a:0:9::102']],
  ['_api.internal', 'AAAA', NET_A, 'NOERROR', ['fdaa:0:18::3']],
  ['_api.internal', 'AAAA', NET_B, 'NOERROR', ['fdaa:0:2a::3']],
  ['_api.internal', 'AAAA', 0x99, 'NOERROR', ['fdaa:0:99::3']],
  ['_api.internal', 'A', NET_A, 'NOERROR', []],
  // TXT
  ['regions.web.internal', 'TXT', NET_A, 'NOERROR', ['"nrt,ord"']],
  ['all.regions.web.internal', 'TXT', NET_A, 'NOERROR', ['"iad,nrt,ord"']],
  ['regions.web.internal', 'AAAA', NET_A, 'NOERROR', []],
  ['regions.idle.internal', 'TXT', NET_A, 'NOERROR', []],
  ['vms.web.internal', 'TXT', NET_A, 'NOERROR', ['"a0000001 ord,a0000002 ord,b0000003 nrt"']],
  [
    'all.vms.web.internal',
    'TXT',
    NET_A,
    'NOERROR',
    ['"a0000001 ord,a0000002 ord,b0000003 nrt,c0000004 iad"'],
  ],
  ['_apps.internal', 'TXT', NET_A, 'NOERROR', ['"db,idle,web"']],
  ['_apps.internal', 'TXT', NET_B, 'NOERROR', ['"vault"']],
  ['_apps.internal', 'TXT', 0x99, 'NOERROR', []],
  ['_peer.internal', 'TXT', NET_A, 'NOERROR', ['"laptop"']],
  ['_peer.internal', 'TXT', NET_B, 'NOERROR', ['"ci"']],
  ['_instances.internal', 'TXT', NET_B, 'NOERROR', [`"instance=f0000007,app=vault,ip=${vault},region=ord"`]],
  [
    'all._instances.internal',
    'TXT',
    NET_B,
    'NOERROR',
    [`"instance=f0000007,app=vault,ip=${vault},region=ord"`],
  ],
  ['x._instances.internal', 'TXT', NET_A, 'NXDOMAIN', []],
  // the zone itself and unknown names
  ['internal', 'SOA', NET_A, 'NOERROR', ['ns.internal. hostmaster.internal. 100 3600 600 86400 5']],
  ['internal', 'AAAA', NET_A, 'NOERROR', []],
  ['a.b.c.d.e.f.internal', 'AAAA', NET_A, 'NXDOMAIN', []],
  ['web.internal', 'AAAA', 0x99, 'NXDOMAIN', []],
];

describe('zone index: every name', () => {
  const zone = new ZoneIndex();
  zone.applySnapshot(D.snapshot());
  for (const [name, type, net, rcode, lines, region] of rows) {
    test(`${type} ${name} from network ${net.toString(16)}${region ? ` in ${region}` : ''}`, () => {
      const got = ask(zone, net, name, type, region);
      assert.equal(got.rcode, rcode);
      assert.equal(got.aa, true);
      assert.deepEqual(got.lines, lines);
      // RFC 2308: negative answers carry the SOA
      assert.deepEqual(got.authority, lines.length === 0 ? ['SOA'] : []);
    });
  }
});

test('_instances lists started instances by app then id; all. adds stopped ones', () => {
  const zone = new ZoneIndex();
  zone.applySnapshot(D.snapshot());
  const started = [
    `instance=0d000005,app=db,ip=${db5},region=ord`,
    `instance=a0000001,app=web,ip=${web1},region=ord`,
    `instance=a0000002,app=web,ip=${web2},region=ord`,
    `instance=b0000003,app=web,ip=${web3},region=nrt`,
  ];
  const txt = (name: string) => ask(zone, NET_A, name, 'TXT').lines.join('').replaceAll('" "', '');
  assert.equal(txt('_instances.internal'), `"${started.join(';')}"`);
  const all = [...started, 'instance=c0000004,app=web,ip=fdaa:0:18:0:4:c000:4:2,region=iad'];
  assert.equal(txt('all._instances.internal'), `"${all.join(';')}"`);
});

test('svc.<app>.internal: the service address; NODATA without one; only in its network; follows changes', () => {
  const snap = D.snapshot();
  const web = snap.apps.find((a) => a.name === 'web');
  assert.ok(web);
  const withSvc = { ...web, service_address: 'fdaa:0:18::1:2' };
  snap.apps = snap.apps.map((a) => (a.id === web.id ? withSvc : a));
  const zone = new ZoneIndex();
  zone.applySnapshot(snap);
  const rowsSvc: [string, string, number, string, string[]][] = [
    ['svc.web.internal', 'AAAA', NET_A, 'NOERROR', ['fdaa:0:18::1:2']],
    ['SVC.Web.internal', 'AAAA', NET_A, 'NOERROR', ['fdaa:0:18::1:2']],
    ['svc.web.internal', 'ANY', NET_A, 'NOERROR', ['fdaa:0:18::1:2']],
    ['svc.web.internal', 'A', NET_A, 'NOERROR', []],
    ['svc.web.internal', 'TXT', NET_A, 'NOERROR', []],
    ['svc.db.internal', 'AAAA', NET_A, 'NOERROR', []], // an app without a service address
    ['svc.worker.internal', 'AAAA', NET_A, 'NXDOMAIN', []], // no private networking: no names
    ['svc.nosuch.internal', 'AAAA', NET_A, 'NXDOMAIN', []],
    ['svc.web.internal', 'AAAA', NET_B, 'NXDOMAIN', []], // another network sees nothing of it
    ['x.svc.web.internal', 'AAAA', NET_A, 'NXDOMAIN', []],
  ];
  for (const [name, type, net, rcode, lines] of rowsSvc) {
    const got = ask(zone, net, name, type);
    assert.equal(got.rcode, rcode, `${type} ${name}`);
    assert.deepEqual(got.lines, lines, `${type} ${name}`);
  }
  const rev = zone.revision;
  zone.applyChange({ rev: rev + 1, op: 'put', kind: 'app', id: web.id, org: 'acme', obj: web });
  assert.deepEqual(ask(zone, NET_A, 'svc.web.internal').lines, [], 'taken away');
  zone.applyChange({ rev: rev + 2, op: 'put', kind: 'app', id: web.id, org: 'acme', obj: withSvc });
  assert.deepEqual(ask(zone, NET_A, 'svc.web.internal').lines, ['fdaa:0:18::1:2'], 'given back');
  zone.applyChange({ rev: rev + 3, op: 'delete', kind: 'app', id: web.id, org: 'acme', obj: withSvc });
  assert.equal(ask(zone, NET_A, 'svc.web.internal').rcode, 'NXDOMAIN', 'app deleted');
});
