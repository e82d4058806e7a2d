// Child entry for tests that need the DNS server inside a network namespace: reads its options (with the
// Snapshot) as JSON on stdin, prints `READY <addresses>` once listening, `MEM <json>` on SIGUSR2, stops on
// SIGTERM.

import { ZoneIndex } from '../../../src/core/dns/zone-index.ts';
import type { Snapshot } from '../../../src/core/model.ts';
import { runDns } from '../../../src/dns/run-dns.ts';
import { createLogger } from '../../../src/lib/log.ts';

interface Options {
  snapshot: Snapshot;
  listen: string[];
  upstreams: string[];
  region?: string;
  defaultNetwork?: number;
}

const chunks: Buffer[] = [];
for await (const c of process.stdin) chunks.push(c as Buffer);
const opts = JSON.parse(Buffer.concat(chunks).toString()) as Options;
const zone = new ZoneIndex();
zone.applySnapshot(opts.snapshot);
const ac = new AbortController();
process.on('SIGTERM', () => ac.abort());
// SIGUSR2: collect garbage when exposed (--expose-gc) and report memory, for the fuzz test's flatness check.
process.on('SIGUSR2', () => {
  (globalThis as { gc?: () => void }).gc?.();
  process.stdout.write(`MEM ${JSON.stringify(process.memoryUsage())}\n`);
});
const server = await runDns({ ...opts, zone, signal: ac.signal, logger: createLogger({ level: 'warn' }) });
process.stdout.write(`READY ${JSON.stringify(server.addresses)}\n`);
await server.closed;
