// Benchmark helper process: runs a control plane and, on request, commits state changes straight through its
// store, printing each revision's wall-clock commit time so the parent can measure watch-stream latency.
//
// stdin commands (one per line): `churn N` → stops N instances, one every 2 ms, then prints
// `{"commits":[[rev, epochMs], …]}`; `cpu` → `{"cpuS": …, "sysS": …}` (its CPU seconds so far, and of them in the kernel). The first stdout line is
// `{"url": …}`, with `"ca": PEM` when started with `tls DIR` (HTTPS with its own CA in DIR/tls).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { runServer } from '../../src/control/main.ts';
import { silentLogger } from '../../src/lib/log.ts';

const [db, admin, mode, dir] = process.argv.slice(2);
if (!db || !admin) throw new Error('usage: server-child.ts DB ADMIN_TOKEN [tls DIR]');
const tlsDir = mode === 'tls' && dir ? join(dir, 'tls') : undefined;
const ac = new AbortController();
process.on('SIGTERM', () => ac.abort());
const srv = await runServer({
  db,
  listen: '127.0.0.1:0',
  logger: silentLogger,
  signal: ac.signal,
  adminToken: admin,
  ...(tlsDir ? { tls: { kind: 'auto' as const, dir: tlsDir, names: ['127.0.0.1'] } } : {}),
});
const ca = tlsDir ? readFileSync(join(tlsDir, 'ca.crt'), 'utf8') : undefined;
process.stdout.write(`${JSON.stringify({ url: srv.url, ca })}\n`);
const wall = () => performance.timeOrigin + performance.now();

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === 'cpu') {
    const u = process.cpuUsage();
    process.stdout.write(`${JSON.stringify({ cpuS: (u.user + u.system) / 1e6, sysS: u.system / 1e6 })}\n`);
    continue;
  }
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
