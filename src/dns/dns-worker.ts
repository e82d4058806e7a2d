// One worker thread of `runDnsWorkers`: `runDns` with SO_REUSEPORT on its own zone index, which it keeps
// current from the snapshot and changes the main thread posts.

import { parentPort, workerData } from 'node:worker_threads';
import { ZoneIndex } from '../core/dns/zone-index.ts';
import { isSixpnError } from '../core/errors.ts';
import { createLogger } from '../lib/log.ts';
import type { FromWorker, ToWorker, WorkerInit } from './dns-workers.ts';
import { runDns } from './run-dns.ts';

const port = parentPort;
if (!port) throw new Error('dns-worker.ts runs as a worker thread of runDnsWorkers');
const init = workerData as WorkerInit;
const zone = new ZoneIndex({ plan: init.options.plan });
const ac = new AbortController();
const send = (m: FromWorker) => port.postMessage(m);

port.on('message', (m: ToWorker) => {
  if (m.t === 'change') zone.applyChange(m.change);
  else if (m.t === 'snapshot') zone.applySnapshot(m.snapshot);
  else if (m.t === 'sync') send({ t: 'synced', id: m.id });
  else ac.abort();
});

try {
  const server = await runDns({
    ...init.options,
    zone,
    reusePort: true,
    signal: ac.signal,
    logger: createLogger({ level: init.logLevel }).child({ worker: init.index }),
  });
  send({ t: 'ready', addresses: [...server.addresses] });
  await server.closed;
} catch (e) {
  send({
    t: 'error',
    message: e instanceof Error ? e.message : String(e),
    code: isSixpnError(e) ? e.code : undefined,
  });
}
port.close();
