// The agent's Prometheus metrics (opt-in, `--metrics-listen`): the private traffic of its instances from the usage
// counters, counted from each usage read's deltas, and the process metrics. Served on a loopback address only.

import { parseLoopbackListen } from '../core/dns/host-port.ts';
import type { LocalState } from '../core/state.ts';
import type { UsageReport } from '../core/usage/delta.ts';
import type { Logger } from '../lib/log.ts';
import { Counter, Registry, registerProcessMetrics } from '../lib/metrics.ts';
import { nodeHttp } from '../lib/node-http.ts';

type UsageLabel = 'org' | 'network' | 'app' | 'scope' | 'direction';

export function createAgentMetrics() {
  const registry = new Registry();
  registerProcessMetrics(registry, 'sixpn_agent_');
  const help = (what: string) =>
    `Private ${what} this host's instances sent (tx) and received (rx) over the 6PN, by scope (IPv6 length, before WireGuard); moves at each usage read`;
  const labelNames = ['org', 'network', 'app', 'scope', 'direction'] as const;
  return {
    registry,
    privateBytes: new Counter<UsageLabel>({
      name: 'sixpn_private_bytes_total',
      help: help('bytes'),
      labelNames,
      registers: [registry],
    }),
    privatePackets: new Counter<UsageLabel>({
      name: 'sixpn_private_packets_total',
      help: help('packets'),
      labelNames,
      registers: [registry],
    }),
  };
}

export type AgentMetrics = ReturnType<typeof createAgentMetrics>;

/** Adds the items of usage reports to the counters; an instance the state no longer knows keeps its id as app. */
export function countUsage(m: AgentMetrics, state: LocalState, reports: readonly UsageReport[]): void {
  for (const r of reports) {
    for (const i of r.items) {
      const inst = i.instance ? state.get('instance', i.instance) : undefined;
      const labels = {
        org: inst?.org ?? '',
        network: inst?.network ?? '',
        app: inst?.app ?? i.instance ?? '',
        scope: i.scope,
        direction: i.dir,
      };
      m.privateBytes.inc(labels, i.bytes);
      m.privatePackets.inc(labels, i.packets);
    }
  }
}

/** `--metrics-listen`: `ADDR:PORT` on loopback; throws naming the flag otherwise. */
export const parseMetricsListen = (text: string) => parseLoopbackListen(text, '--metrics-listen', 9464);

/** Serves `GET /metrics` on `listen` until the signal aborts; resolves once listening (rejects if it cannot). */
export async function serveMetrics(
  listen: { host: string; port: number },
  registry: Registry,
  log: Logger,
  signal: AbortSignal,
): Promise<void> {
  const server = nodeHttp.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics here\n');
      return;
    }
    res.writeHead(200, { 'content-type': registry.contentType }).end(registry.metrics());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  log.info({ listen: `${listen.host}:${listen.port}` }, 'metrics listening');
  signal.addEventListener('abort', () => server.close(), { once: true });
}
