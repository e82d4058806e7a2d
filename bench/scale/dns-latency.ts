// Scale benchmark, DNS part: per-query time of the server's hot path (Responder.respond, what the UDP handler
// calls) over a zone built from a snapshot, with a mix of every kind of name asked from random networks.

import { encodeQuery } from '../../src/core/dns/client-query.ts';
import { Responder } from '../../src/core/dns/responder.ts';
import { ZoneIndex } from '../../src/core/dns/zone-index.ts';
import type { Snapshot } from '../../src/core/model.ts';
import { pick as pickOne, seededRandom } from '../../src/core/seeded-random.ts';
import { REGIONS } from './populate.ts';

export interface Latency {
  instances: number;
  networks: number;
  queries: number;
  p50us: number;
  p99us: number;
  meanUs: number;
  /** Queries per second of one core at the mean time. */
  qps: number;
}

/** `count` queries (each with the asker's network) mixing app, vm, region, nearest, TXT and unknown names. */
function queries(s: Snapshot, count: number): { msg: Buffer; net: number }[] {
  const rand = seededRandom(7);
  const pick = <T>(xs: readonly T[]) => pickOne(rand, xs);
  const out: { msg: Buffer; net: number }[] = [];
  for (let k = 0; k < count; k++) {
    const inst = pick(s.instances);
    const app = inst.app;
    const r = rand();
    let q: [string, string];
    if (r < 0.4) q = [`${app}.internal`, 'AAAA'];
    else if (r < 0.6) q = [`${inst.id}.vm.${app}.internal`, 'AAAA'];
    else if (r < 0.7) q = [`${pick(REGIONS).code}.${app}.internal`, 'AAAA'];
    else if (r < 0.8) q = [`top2.nearest.of.${app}.internal`, 'AAAA'];
    else if (r < 0.9) q = [`regions.${app}.internal`, 'TXT'];
    else if (r < 0.95) q = [`vms.${app}.internal`, 'TXT'];
    else q = [`nope${k % 1000}.internal`, 'AAAA'];
    out.push({ msg: encodeQuery(q[0], q[1], { id: k & 0xffff }), net: inst.network_num });
  }
  return out;
}

/** Builds the zone, answers every query once to warm up (answers are built on first use), then times them. */
export function dnsLatency(s: Snapshot, count = 200_000): Latency {
  const zone = new ZoneIndex();
  zone.applySnapshot(s);
  const r = new Responder(zone);
  const region = zone.regionIndex('ord');
  const qs = queries(s, count);
  for (const q of qs) r.respond(q.msg, q.net, false, region);
  const times = new Float64Array(qs.length);
  let total = 0;
  for (let i = 0; i < qs.length; i++) {
    const q = qs[i]!;
    const t0 = process.hrtime.bigint();
    const out = r.respond(q.msg, q.net, false, region);
    const dt = Number(process.hrtime.bigint() - t0) / 1000;
    if (!(out instanceof Buffer)) throw new Error(`no answer from the zone for query ${i}`);
    times[i] = dt;
    total += dt;
  }
  times.sort();
  const at = (p: number) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))]!;
  const meanUs = total / qs.length;
  return {
    instances: s.instances.length,
    networks: s.networks.length,
    queries: qs.length,
    p50us: at(50),
    p99us: at(99),
    meanUs,
    qps: 1e6 / meanUs,
  };
}

/** The first `networks` networks of `s` with their apps and instances (a smaller zone for comparison). */
export function subset(s: Snapshot, networks: number): Snapshot {
  const keep = new Set(s.networks.slice(0, networks).map((n) => n.num));
  return {
    ...s,
    networks: s.networks.filter((n) => keep.has(n.num)),
    apps: s.apps.filter((a) => keep.has(a.network_num)),
    instances: s.instances.filter((i) => keep.has(i.network_num)),
    peers: s.peers.filter((p) => keep.has(p.network_num)),
  };
}
