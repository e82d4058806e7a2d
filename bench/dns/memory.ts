// Memory per record: builds an index of N instances (default 1,000,000: 10 networks × 1,000 apps × 100) from
// changes, then builds every answer of every app; prints heap + array buffers per record at each step.
// Run with --expose-gc. Prints one JSON line.

import { encodeQuery } from '../../src/core/dns/client-query.ts';
import { Responder } from '../../src/core/dns/responder.ts';
import { ZoneIndex } from '../../src/core/dns/zone-index.ts';
import type { Change } from '../../src/core/model.ts';
import { Fleet } from '../../src/core/test-fleet.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const total = Number(process.argv[2] ?? 1_000_000);
const networks = 10;
const perApp = 100;
const appsPerNet = Math.max(1, Math.round(total / networks / perApp));
const codes = ['ord', 'iad', 'nrt', 'ams', 'syd'];
const F = new Fleet({ revision: 1 });
for (let n = 1; n <= networks; n++) F.network(`org${n}`, n);

function used(): number {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const base = used();
const baseRss = process.memoryUsage().rss;
const zone = new ZoneIndex();
zone.applySnapshot({
  revision: 1,
  orgs: [],
  networks: [],
  regions: [
    F.makeRegion('ord', 41.978, -87.905),
    F.makeRegion('iad', 38.944, -77.456),
    F.makeRegion('nrt', 35.772, 140.393),
    F.makeRegion('ams', 52.309, 4.764),
    F.makeRegion('syd', -33.946, 151.177),
  ],
  hosts: [],
  apps: [],
  instances: [],
  peers: [],
});
let rev = 1;
const t0 = performance.now();
for (let n = 1; n <= networks; n++) {
  for (let a = 0; a < appsPerNet; a++)
    zone.applyChange({
      rev: ++rev,
      op: 'put',
      kind: 'app',
      id: `a${n}-${a}`,
      org: null,
      obj: { ...F.makeApp(`org${n}`, `app${a}`), id: `a${n}-${a}` },
    } as Change);
}
let id = 0x100000;
let made = 0;
for (let n = 1; n <= networks; n++) {
  for (let a = 0; a < appsPerNet; a++) {
    for (let i = 0; i < perApp; i++) {
      const host = 1 + (i % 20);
      const obj = F.makeInstance(
        id++,
        F.makeApp(`org${n}`, `app${a}`),
        { name: `host-${host}`, num: host, region: codes[i % codes.length]! },
        i % 10 === 0 ? 'stopped' : 'started',
      );
      zone.applyChange({ rev: ++rev, op: 'put', kind: 'instance', id: obj.id, org: null, obj });
      made++;
    }
  }
}
const loadMs = performance.now() - t0;
const loaded = used();
const loadedRss = process.memoryUsage().rss;

// Build every answer each app has: AAAA (all, per region, nearest from ord) and the four TXT names.
const r = new Responder(zone);
const asker = zone.regionIndex('ord');
const t1 = performance.now();
for (let n = 1; n <= networks; n++) {
  for (let a = 0; a < appsPerNet; a++) {
    const names: [string, string][] = [
      [`app${a}.internal`, 'AAAA'],
      [`top3.nearest.of.app${a}.internal`, 'AAAA'],
      [`regions.app${a}.internal`, 'TXT'],
      [`all.regions.app${a}.internal`, 'TXT'],
      [`vms.app${a}.internal`, 'TXT'],
      [`all.vms.app${a}.internal`, 'TXT'],
      ...codes.map((c): [string, string] => [`${c}.app${a}.internal`, 'AAAA']),
    ];
    for (const [name, type] of names) r.respond(encodeQuery(name, type), n, true, asker);
  }
}
const buildMs = performance.now() - t1;
const built = used();
process.stdout.write(
  `${JSON.stringify({
    records: made,
    // reading the index here also keeps it alive through the measurements above
    indexed: zone.stats().instances + r.lastRcode * 0,
    loadMs: Math.round(loadMs),
    buildMs: Math.round(buildMs),
    indexBytesPerRecord: (loaded - base) / made,
    withAnswersBytesPerRecord: (built - base) / made,
    rssPerRecord: (loadedRss - baseRss) / made,
    rssWithAnswersPerRecord: (process.memoryUsage().rss - baseRss) / made,
  })}\n`,
);
