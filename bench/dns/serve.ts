// Benchmark server process: loads a Snapshot from a JSON file and serves it with runDns, in one process or in
// `--workers N` cluster workers sharing the socket. Prints READY when every worker listens; stops on SIGTERM.

import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ZoneIndex } from '../../src/core/dns/zone-index.ts';
import type { Snapshot } from '../../src/core/model.ts';
import { runDns } from '../../src/dns/run-dns.ts';
import { createLogger } from '../../src/lib/log.ts';

const { values } = parseArgs({
  options: {
    snapshot: { type: 'string' },
    listen: { type: 'string' },
    workers: { type: 'string', default: '1' },
    'default-network': { type: 'string' },
    region: { type: 'string' },
  },
});
const workers = Number(values.workers);

async function serve(): Promise<void> {
  const zone = new ZoneIndex();
  zone.applySnapshot(JSON.parse(readFileSync(values.snapshot ?? '', 'utf8')) as Snapshot);
  const ac = new AbortController();
  process.on('SIGTERM', () => ac.abort());
  const s = await runDns({
    listen: [values.listen ?? '127.0.0.1:5300'],
    zone,
    upstreams: [],
    defaultNetwork: values['default-network'] ? Number(values['default-network']) : undefined,
    region: values.region,
    signal: ac.signal,
    logger: createLogger({ level: 'warn' }),
  });
  if (cluster.isWorker) process.send?.('ready');
  else process.stdout.write(`READY ${JSON.stringify(s.addresses)}\n`);
  await s.closed;
  process.exit(0);
}

if (workers > 1 && cluster.isPrimary) {
  let ready = 0;
  for (let i = 0; i < workers; i++) {
    const w = cluster.fork();
    w.on('message', (m) => {
      if (m === 'ready' && ++ready === workers) process.stdout.write(`READY workers=${workers}\n`);
    });
  }
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGTERM');
    setTimeout(() => process.exit(0), 500);
  });
} else {
  await serve();
}
