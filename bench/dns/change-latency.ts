// Time from a state change applied to the index to the new answer on the wire: the server runs in this process,
// a UDP client asks for the changed app right after each change and waits for an answer that shows it.
// Prints one JSON line with p50/p99 (µs) of apply-only, of apply-to-answer, and of the same query with no change.

import dgram from 'node:dgram';
import { encodeQuery } from '../../src/core/dns/client-query.ts';
import { ZoneIndex } from '../../src/core/dns/zone-index.ts';
import type { Instance } from '../../src/core/model.ts';
import { pick, seededRandom } from '../../src/core/seeded-random.ts';
import { runDns } from '../../src/dns/run-dns.ts';
import { benchSnapshot, NET } from './zone.ts';

const changes = Number(process.argv[2] ?? 2000);
const snapshot = benchSnapshot();
const zone = new ZoneIndex();
zone.applySnapshot(snapshot);
const ac = new AbortController();
const server = await runDns({
  listen: ['127.0.0.1:0'],
  zone,
  upstreams: [],
  defaultNetwork: NET,
  region: 'ord',
  signal: ac.signal,
});
const port = server.addresses[0]?.port ?? 0;
const sock = dgram.createSocket('udp4');
await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));

const byApp = new Map<string, Instance[]>();
for (const i of snapshot.instances) byApp.set(i.app, [...(byApp.get(i.app) ?? []), i]);
const started = (app: string) => (byApp.get(app) ?? []).filter((i) => i.state === 'started').length;

const rand = seededRandom(9);
const apply: number[] = [];
const total: number[] = [];
const plain: number[] = [];
let rev = snapshot.revision;
for (let k = 0; k < changes; k++) {
  const inst = pick(rand, snapshot.instances);
  inst.state = inst.state === 'started' ? 'stopped' : 'started';
  const want = started(inst.app);
  const q = encodeQuery(`${inst.app}.internal`, 'AAAA', { id: k & 0xffff });
  const reply = new Promise<Buffer>((resolve) => sock.once('message', resolve));
  const t0 = performance.now();
  zone.applyChange({ rev: ++rev, op: 'put', kind: 'instance', id: inst.id, org: null, obj: { ...inst } });
  const t1 = performance.now();
  sock.send(q, port, '127.0.0.1');
  const got = await reply;
  const t2 = performance.now();
  const ancount = got.readUInt16BE(6);
  if (ancount !== want) throw new Error(`change ${k}: ${ancount} records, expected ${want}`);
  apply.push((t1 - t0) * 1000);
  total.push((t2 - t0) * 1000);
  // the same round trip with no change before it: what the wire and event loop alone cost here
  const again = new Promise<Buffer>((resolve) => sock.once('message', resolve));
  const t3 = performance.now();
  sock.send(q, port, '127.0.0.1');
  await again;
  plain.push((performance.now() - t3) * 1000);
}
sock.close();
ac.abort();
await server.closed;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;
process.stdout.write(
  `${JSON.stringify({
    changes,
    applyP50us: pct(apply, 50),
    applyP99us: pct(apply, 99),
    toWireP50us: pct(total, 50),
    toWireP99us: pct(total, 99),
    queryOnlyP50us: pct(plain, 50),
    queryOnlyP99us: pct(plain, 99),
  })}\n`,
);
