// `sixpn dns` standalone: the DNS server fed by the control plane's watch stream, in the same reconciler harness as
// the agent and the gateway (runtime/reconciler.ts) with no passes and the state in memory only. With more than one
// worker, every snapshot and change is handed to each worker thread's own index (dns-workers.ts).

import type { ApiClient } from '../client/api-client.ts';
import type { AddressPlan } from '../core/address.ts';
import { formatHostPort } from '../core/dns/host-port.ts';
import { createLogger, type Logger } from '../lib/log.ts';
import { Reconciler, type RunningReconciler } from '../runtime/reconciler.ts';
import { runDnsWorkers } from './dns-workers.ts';
import { type RunDnsOptions, runDns } from './run-dns.ts';

export interface FollowAndServeOptions
  extends Pick<RunDnsOptions, 'listen' | 'upstreams' | 'region' | 'defaultNetwork' | 'resolvConf'> {
  client: ApiClient;
  plan: AddressPlan;
  signal: AbortSignal;
  /** Threads answering, each on its own SO_REUSEPORT socket (default 1: this thread). */
  workers?: number;
  logger?: Logger;
  /** Told the bound addresses once the server listens. */
  listening?(at: string[]): void;
}

/** Serves DNS until `signal` aborts; `done` resolves once the server has closed. */
export async function followAndServe(o: FollowAndServeOptions): Promise<RunningReconciler> {
  const { client, plan, signal, listening, logger, workers = 1, ...dns } = o;
  const log = (logger ?? createLogger()).child({ component: 'dns' });
  const r = await Reconciler.open({ client, plan, log, signal });
  const tell = (s: { addresses: readonly { host: string; port: number }[] }) =>
    listening?.(s.addresses.map((a) => formatHostPort({ host: a.host, port: a.port })));
  if (workers <= 1) {
    const server = await runDns({ ...dns, zone: r.zone, plan, logger: log, signal });
    tell(server);
    return r.run({ dnsFirst: true, startDns: async () => server, stopMessage: 'dns stopped' });
  }
  const server = await runDnsWorkers({ ...dns, workers, plan, logger: log, signal });
  tell(server);
  return r.run({
    dnsFirst: true,
    startDns: async () => server,
    ownZone: true, // each worker keeps its own index; the harness's would only cost memory and work
    onSnapshot: (s) => server.applySnapshot(s),
    onChange: async (c) => server.applyChange(c),
    stopMessage: 'dns stopped',
  });
}
