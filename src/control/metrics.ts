// The control plane's Prometheus metrics, declared in one place.

import { Counter, Gauge, Histogram, Registry, registerProcessMetrics } from '../lib/metrics.ts';

export function createControlMetrics() {
  const registry = new Registry();
  registerProcessMetrics(registry, 'sixpn_control_');
  return {
    registry,
    requests: new Counter<'route' | 'method' | 'status'>({
      name: 'sixpn_control_http_requests_total',
      help: 'API requests by route, method and status',
      labelNames: ['route', 'method', 'status'],
      registers: [registry],
    }),
    latency: new Histogram<'route' | 'method'>({
      name: 'sixpn_control_http_request_duration_seconds',
      help: 'API request latency',
      labelNames: ['route', 'method'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    foreignCheckReports: new Counter({
      name: 'sixpn_control_foreign_check_reports_total',
      help: 'Check reports refused because they named an instance that is not on the reporting host',
      registers: [registry],
    }),
    usageReports: new Counter<'result'>({
      name: 'sixpn_control_usage_reports_total',
      help: 'Usage reports of hosts: applied, duplicate (applied before) or rejected (instances not of that host)',
      labelNames: ['result'],
      registers: [registry],
    }),
    privateBytes: new Counter<'org' | 'scope' | 'direction'>({
      name: 'sixpn_control_private_bytes_total',
      help: 'Private bytes stored from applied usage reports of hosts and gateways, by org, scope and direction (each report counted once; starts at 0 with the process)',
      labelNames: ['org', 'scope', 'direction'],
      registers: [registry],
    }),
    privatePackets: new Counter<'org' | 'scope' | 'direction'>({
      name: 'sixpn_control_private_packets_total',
      help: 'Private packets stored from applied usage reports of hosts and gateways, by org, scope and direction (each report counted once; starts at 0 with the process)',
      labelNames: ['org', 'scope', 'direction'],
      registers: [registry],
    }),
    usageBytes: new Gauge<'org' | 'direction'>({
      name: 'sixpn_control_usage_org_bytes',
      help: "Private bytes sent (tx) and received (rx) by each org's instances over the kept days (refreshed every minute)",
      labelNames: ['org', 'direction'],
      registers: [registry],
    }),
    watchStreams: new Gauge({
      name: 'sixpn_control_watch_streams',
      help: 'Open watch streams',
      registers: [registry],
    }),
  };
}

export type ControlMetrics = ReturnType<typeof createControlMetrics>;
