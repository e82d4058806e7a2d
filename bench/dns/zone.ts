// The benchmark zone: one network of 1,000 apps × 10 instances over 5 regions (10,000 instances), the same
// records as an unbound local-zone, and a dnsperf query file mixing every kind of name.

import { decodeResponse, encodeQuery } from '../../src/core/dns/client-query.ts';
import { formatRecordData } from '../../src/core/dns/dig-format.ts';
import { Responder } from '../../src/core/dns/responder.ts';
import { ZoneIndex } from '../../src/core/dns/zone-index.ts';
import type { Snapshot } from '../../src/core/model.ts';
import { pick as pickOne, seededRandom } from '../../src/core/seeded-random.ts';
import { Fleet } from '../../src/core/test-fleet.ts';

export const NET = 0x18;
export const ASKER_REGION = 'ord';
const F = new Fleet({ revision: 1 }).network('acme', NET);
const REGIONS = [
  F.makeRegion('ord', 41.978, -87.905),
  F.makeRegion('iad', 38.944, -77.456),
  F.makeRegion('nrt', 35.772, 140.393),
  F.makeRegion('ams', 52.309, 4.764),
  F.makeRegion('syd', -33.946, 151.177),
];

/** `apps` apps of `perApp` instances each in network NET; 90% started. */
export function benchSnapshot(apps = 1000, perApp = 10, seed = 1): Snapshot {
  const rand = seededRandom(seed);
  const s: Snapshot = {
    revision: 1,
    orgs: [],
    networks: [],
    regions: REGIONS,
    hosts: [],
    apps: [],
    instances: [],
    peers: [],
  };
  let n = 0x10000;
  for (let a = 0; a < apps; a++) {
    const name = `app${a}`;
    const app = F.makeApp('acme', name);
    s.apps.push(app);
    for (let i = 0; i < perApp; i++) {
      const r = pickOne(rand, REGIONS).code;
      const host = 1 + (a % 50);
      const state = rand() < 0.9 ? 'started' : 'stopped';
      s.instances.push(F.makeInstance(n++, app, { name: `host-${host}`, num: host, region: r }, state));
    }
  }
  return s;
}

export interface QueryMix {
  /** dnsperf data file lines: `NAME TYPE`. */
  lines: string[];
  /** Every distinct (name, type) asked. */
  distinct: [string, string][];
}

/** A shuffled query file: apps, vm names, regions, nearest, TXT and 5% unknown names. */
export function queryMix(s: Snapshot, count = 100_000, seed = 2): QueryMix {
  const rand = seededRandom(seed);
  const pick = <T>(xs: readonly T[]) => pickOne(rand, xs);
  const lines: string[] = [];
  const distinct = new Map<string, [string, string]>();
  for (let i = 0; i < count; i++) {
    const r = rand();
    let q: [string, string];
    if (r < 0.4) q = [`${pick(s.apps).name}.internal`, 'AAAA'];
    else if (r < 0.6) {
      const inst = pick(s.instances);
      q = [`${inst.id}.vm.${inst.app}.internal`, 'AAAA'];
    } else if (r < 0.7) q = [`${pick(REGIONS).code}.${pick(s.apps).name}.internal`, 'AAAA'];
    else if (r < 0.8) q = [`top2.nearest.of.${pick(s.apps).name}.internal`, 'AAAA'];
    else if (r < 0.9) q = [`regions.${pick(s.apps).name}.internal`, 'TXT'];
    else if (r < 0.95) q = [`vms.${pick(s.apps).name}.internal`, 'TXT'];
    else q = [`nope${Math.floor(rand() * 1000)}.internal`, 'AAAA'];
    lines.push(`${q[0]} ${q[1]}`);
    distinct.set(`${q[0]} ${q[1]}`, q);
  }
  return { lines, distinct: [...distinct.values()] };
}

/**
 * The same answers as unbound `local-data`, taken from sixpn's own index for every name the queries ask (so
 * both servers serve identical records), plus the SOA for negative answers.
 */
export function unboundZone(s: Snapshot, asked: [string, string][]): string[] {
  const zone = new ZoneIndex();
  zone.applySnapshot(s);
  const r = new Responder(zone);
  const out = [
    'local-zone: "internal." static',
    'local-data: "internal. 5 IN SOA ns.internal. hostmaster.internal. 1 3600 600 86400 5"',
  ];
  for (const [name, type] of asked) {
    const reply = r.respond(
      encodeQuery(name, type, { udpSize: 4096 }),
      NET,
      true,
      zone.regionIndex(ASKER_REGION),
    );
    if (!(reply instanceof Buffer)) continue;
    const d = decodeResponse(reply);
    for (const a of d.packet.answers ?? []) {
      out.push(`local-data: '${name}. 5 IN ${a.type} ${formatRecordData(a)}'`);
    }
    // a name that exists with nothing of the asked type (NODATA): give unbound a record of another type
    if (d.rcode === 'NOERROR' && (d.packet.answers ?? []).length === 0) {
      out.push(`local-data: '${name}. 5 IN ${type === 'TXT' ? 'AAAA ::' : 'TXT "-"'}'`);
    }
  }
  return out;
}
