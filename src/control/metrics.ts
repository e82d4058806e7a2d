// The control plane's Prometheus metrics, declared in one place.

import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export function createControlMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'sixpn_control_' });
  return {
    registry,
    requests: new Counter({
      name: 'sixpn_control_http_requests_total',
      help: 'API requests by route, method and status',
      labelNames: ['route', 'method', 'status'] as const,
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'sixpn_control_http_request_duration_seconds',
      help: 'API request latency',
      labelNames: ['route', 'method'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
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
