// Child entry for tests that need the DNS server inside a network namespace: reads its options (with the
// Snapshot) as JSON on stdin, prints `READY <addresses>` once listening, `MEM <json>` on SIGUSR2, stops on
// SIGTERM. With `workers` > 1 the server runs on that many reusePort worker threads (`runDnsWorkers`).

import type { Snapshot } from '../../../src/core/model.ts';
import { runDnsWorkers } from '../../../src/dns/dns-workers.ts';
import { createLogger } from '../../../src/lib/log.ts';

interface Options {
  snapshot: Snapshot;
  listen: string[];
  upstreams: string[];
  region?: string;
  defaultNetwork?: number;
  workers?: number;
  udpIo?: 'auto' | 'batch' | 'dgram';
}

const chunks: Buffer[] = [];
for await (const c of process.stdin) chunks.push(c as Buffer);
const { snapshot, workers, ...opts } = JSON.parse(Buffer.concat(chunks).toString()) as Options;
const ac = new AbortController();
process.on('SIGTERM', () => ac.abort());
// SIGUSR2: collect garbage when exposed (--expose-gc) and report memory, for the fuzz test's flatness check.
process.on('SIGUSR2', () => {
  (globalThis as { gc?: () => void }).gc?.();
  process.stdout.write(`MEM ${JSON.stringify(process.memoryUsage())}\n`);
});
const server = await runDnsWorkers({
  ...opts,
  workers: workers ?? 1,
  signal: ac.signal,
  logger: createLogger({ level: 'warn' }),
});
server.applySnapshot(snapshot);
await server.synced();
process.stdout.write(`READY ${JSON.stringify(server.addresses)}\n`);
await server.closed;
