// Benchmark helper process: runs a control plane and, on request, commits state changes straight through its
// store, printing each revision's wall-clock commit time so the parent can measure watch-stream latency.
//
// stdin commands (one per line): `churn N` → stops N instances, one every 2 ms, then prints
// `{"commits":[[rev, epochMs], …]}`. The first stdout line is `{"url": …}`.

import { createInterface } from 'node:readline';
import { runServer } from '../../src/control/main.ts';
import { silentLogger } from '../../src/lib/log.ts';

const [db, admin] = process.argv.slice(2);
if (!db || !admin) throw new Error('usage: server-child.ts DB ADMIN_TOKEN');
const ac = new AbortController();
process.on('SIGTERM', () => ac.abort());
const srv = await runServer({
  db,
  listen: '127.0.0.1:0',
  logger: silentLogger,
  signal: ac.signal,
  adminToken: admin,
});
process.stdout.write(`${JSON.stringify({ url: srv.url })}\n`);
const wall = () => performance.timeOrigin + performance.now();

for await (const line of createInterface({ input: process.stdin })) {
  const m = /^churn (\d+)$/.exec(line.trim());
  if (!m) continue;
  const ids = (await srv.store.listInstances({ org: 'bench' }))
    .filter((i) => i.state === 'started')
    .map((i) => i.id);
  const commits: [number, number][] = [];
  for (const id of ids.slice(0, Number(m[1]))) {
    await srv.store.setInstanceState(id, 'stopped');
    const at = wall();
    commits.push([await srv.store.headRevision(), at]);
    await new Promise((r) => setTimeout(r, 2));
  }
  process.stdout.write(`${JSON.stringify({ commits })}\n`);
}
ac.abort();
await srv.done;
