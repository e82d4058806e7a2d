// Scale-benchmark helper process (run with --expose-gc): the memory an agent needs for the state in a snapshot
// file, as src/agent/agent.ts keeps it — `state` (LocalState), `zone` (DNS ZoneIndex) or `both`, plus every
// app's AAAA answer built once — measured as heap + array buffers after garbage collection, the parsed
// snapshot itself dropped. One measurement per process. Prints one JSON line.

import { readFileSync } from 'node:fs';
import { encodeQuery } from '../../src/core/dns/client-query.ts';
import { Responder } from '../../src/core/dns/responder.ts';
import { ZoneIndex } from '../../src/core/dns/zone-index.ts';
import type { Snapshot } from '../../src/core/model.ts';
import { LocalState } from '../../src/core/state.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const used = () => {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

const [file, what] = process.argv.slice(2);
if (!file || !['state', 'zone', 'both'].includes(what ?? ''))
  throw new Error('usage: agent-memory.ts SNAPSHOT.json state|zone|both');
const base = used();
let snapshot: Snapshot | undefined = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
const apps = snapshot.apps.map((a) => [`${a.name}.internal`, a.network_num] as const);
const instances = snapshot.instances.length;
const state = what === 'zone' ? undefined : new LocalState(snapshot);
const zone = what === 'state' ? undefined : new ZoneIndex();
zone?.applySnapshot(snapshot);
snapshot = undefined;
const kept = used() - base;
let answers = 0;
if (zone) {
  const r = new Responder(zone);
  for (const [name, net] of apps) r.respond(encodeQuery(name, 'AAAA'), net, false, -1);
  answers = used() - base - kept;
}
process.stdout.write(
  `${JSON.stringify({ instances, kept, answers, rss: process.memoryUsage().rss, has: [state, zone].length })}\n`,
);
