// Benchmark server process: loads a Snapshot from a JSON file and serves it with runDnsWorkers: `--workers 1` in
// this thread, N > 1 on N worker threads with SO_REUSEPORT sockets. Prints READY once every worker has the
// zone; stops on SIGTERM. `--udp-io dgram` forces node:dgram instead of the batched addon (for comparing).

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Snapshot } from '../../src/core/model.ts';
import { runDnsWorkers } from '../../src/dns/dns-workers.ts';
import { createLogger } from '../../src/lib/log.ts';

const { values } = parseArgs({
  options: {
    snapshot: { type: 'string' },
    listen: { type: 'string' },
    workers: { type: 'string', default: '1' },
    'default-network': { type: 'string' },
    region: { type: 'string' },
    'udp-io': { type: 'string', default: 'auto' },
  },
});

const ac = new AbortController();
process.on('SIGTERM', () => ac.abort());
const s = await runDnsWorkers({
  workers: Number(values.workers),
  listen: [values.listen ?? '127.0.0.1:5300'],
  upstreams: [],
  defaultNetwork: values['default-network'] ? Number(values['default-network']) : undefined,
  region: values.region,
  udpIo: values['udp-io'] === 'dgram' ? 'dgram' : values['udp-io'] === 'batch' ? 'batch' : 'auto',
  signal: ac.signal,
  logger: createLogger({ level: 'warn' }),
});
s.applySnapshot(JSON.parse(readFileSync(values.snapshot ?? '', 'utf8')) as Snapshot);
await s.synced();
process.stdout.write(`READY workers=${s.workers} ${JSON.stringify(s.addresses)}\n`);
await s.closed;
process.exit(0);
