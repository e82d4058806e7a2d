// Time from a state change handed to the server to the new answer on the wire: `change-latency.ts [CHANGES]
// [WORKERS]`. The server runs in this process (one worker: in this thread; more: worker threads fed by posted
// messages); UDP clients ask for the changed app right after each change, from one socket per worker and two
// more (the kernel spreads source ports over the workers), until every one gets an answer that shows it.
// Prints one JSON line with p50/p99 (µs) of the hand-over alone (apply in this thread, or post to the
// workers), of change-to-answer everywhere, and of the same query with no change.

import dgram from 'node:dgram';
import { encodeQuery } from '../../src/core/dns/client-query.ts';
import type { Instance } from '../../src/core/model.ts';
import { pick, seededRandom } from '../../src/core/seeded-random.ts';
import { runDnsWorkers } from '../../src/dns/dns-workers.ts';
import { benchSnapshot, NET } from './zone.ts';

const changes = Number(process.argv[2] ?? 2000);
const workers = Number(process.argv[3] ?? 1);
const snapshot = benchSnapshot();
const ac = new AbortController();
const server = await runDnsWorkers({
  workers,
  listen: ['127.0.0.1:0'],
  upstreams: [],
  defaultNetwork: NET,
  region: 'ord',
  signal: ac.signal,
});
server.applySnapshot(structuredClone(snapshot));
await server.synced();
const port = server.addresses[0]?.port ?? 0;
const socks = await Promise.all(
  Array.from({ length: workers > 1 ? workers + 2 : 1 }, async () => {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    return s;
  }),
);
const ask = (s: dgram.Socket, q: Buffer) => {
  const reply = new Promise<Buffer>((resolve) => s.once('message', resolve));
  s.send(q, port, '127.0.0.1');
  return reply;
};
const sock = socks[0]!;

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
  const t0 = performance.now();
  server.applyChange({ rev: ++rev, op: 'put', kind: 'instance', id: inst.id, org: null, obj: { ...inst } });
  const t1 = performance.now();
  // ask from every socket until each has an answer showing the change (the first one does in one thread)
  let left = socks;
  for (let tries = 0; left.length > 0; tries++) {
    if (tries > 1000) throw new Error(`change ${k}: not answered with ${want} records`);
    const got = await Promise.all(left.map((s) => ask(s, q)));
    left = left.filter((_, i) => got[i]?.readUInt16BE(6) !== want);
    if (workers === 1 && left.length > 0) throw new Error(`change ${k}: not in the next answer`);
  }
  const t2 = performance.now();
  apply.push((t1 - t0) * 1000);
  total.push((t2 - t0) * 1000);
  // the same round trip with no change before it: what the wire and event loop alone cost here
  const t3 = performance.now();
  await ask(sock, q);
  plain.push((performance.now() - t3) * 1000);
}
for (const s of socks) s.close();
ac.abort();
await server.closed;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;
process.stdout.write(
  `${JSON.stringify({
    changes,
    workers,
    applyP50us: pct(apply, 50),
    applyP99us: pct(apply, 99),
    toWireP50us: pct(total, 50),
    toWireP99us: pct(total, 99),
    queryOnlyP50us: pct(plain, 50),
    queryOnlyP99us: pct(plain, 99),
  })}\n`,
);
