// `sixpn dns` standalone: the DNS server fed by the control plane's watch stream, in the same reconciler harness as
// the agent and the gateway (runtime/reconciler.ts) with no passes and the state in memory only.

import type { ApiClient } from '../client/api-client.ts';
import type { AddressPlan } from '../core/address.ts';
import { formatHostPort } from '../core/dns/host-port.ts';
import { createLogger, type Logger } from '../lib/log.ts';
import { Reconciler, type RunningReconciler } from '../runtime/reconciler.ts';
import { type RunDnsOptions, runDns } from './run-dns.ts';

export interface FollowAndServeOptions
  extends Pick<RunDnsOptions, 'listen' | 'upstreams' | 'region' | 'defaultNetwork' | 'resolvConf'> {
  client: ApiClient;
  plan: AddressPlan;
  signal: AbortSignal;
  logger?: Logger;
  /** Told the bound addresses once the server listens. */
  listening?(at: string[]): void;
}

/** Serves DNS until `signal` aborts; `done` resolves once the server has closed. */
export async function followAndServe(o: FollowAndServeOptions): Promise<RunningReconciler> {
  const { client, plan, signal, listening, logger, ...dns } = o;
  const log = (logger ?? createLogger()).child({ component: 'dns' });
  const r = await Reconciler.open({ client, plan, log, signal });
  const server = await runDns({ ...dns, zone: r.zone, plan, logger: log, signal });
  listening?.(server.addresses.map((a) => formatHostPort({ host: a.host, port: a.port })));
  return r.run({ dnsFirst: true, startDns: async () => server, stopMessage: 'dns stopped' });
}
