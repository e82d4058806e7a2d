// Scale-benchmark helper process: runs a control plane on an existing database and, on request, commits as fast
// as it can straight through its store (one write at a time, each its own transaction and revision).
//
// stdin: `churn SECONDS` → flips started instances to stopped and back for SECONDS, then prints
// `{"commits": N, "seconds": S, "head": REV}`. The first stdout line is `{"url": …}`. SIGUSR2 prints `MEM {…}`.

import { createInterface } from 'node:readline';
import { runServer } from '../../src/control/main.ts';
import { silentLogger } from '../../src/lib/log.ts';

const [db, admin] = process.argv.slice(2);
if (!db || !admin) throw new Error('usage: server-child.ts DB ADMIN_TOKEN');
const ac = new AbortController();
process.on('SIGTERM', () => ac.abort());
process.on('SIGUSR2', () => {
  (globalThis as { gc?: () => void }).gc?.();
  process.stdout.write(`MEM ${JSON.stringify(process.memoryUsage())}\n`);
});
const srv = await runServer({
  db,
  listen: '127.0.0.1:0',
  logger: silentLogger,
  signal: ac.signal,
  adminToken: admin,
});
process.stdout.write(`${JSON.stringify({ url: srv.url })}\n`);

for await (const line of createInterface({ input: process.stdin })) {
  const m = /^churn (\d+(?:\.\d+)?)$/.exec(line.trim());
  if (!m) continue;
  const ids = (await srv.store.listInstances({ org: 'org0' })).map((i) => i.id);
  const t0 = performance.now();
  const stop = t0 + Number(m[1]) * 1000;
  let commits = 0;
  for (let k = 0; performance.now() < stop; k++) {
    const id = ids[k % ids.length]!;
    const cur = await srv.store.getInstance(id);
    await srv.store.setInstanceState(id, cur.state === 'started' ? 'stopped' : 'started');
    commits++;
  }
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(`${JSON.stringify({ commits, seconds, head: await srv.store.headRevision() })}\n`);
}
ac.abort();
await srv.done;
