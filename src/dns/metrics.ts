// The DNS server's Prometheus metrics, declared in one place: queries by type and rcode, query latency,
// upstream errors, stale answers and the UDP I/O path. The hot path only bumps numbers in arrays; a scrape
// copies them out.

import { rcodeName, T } from '../core/dns/wire.ts';
import { Counter, Gauge, Histogram, Registry } from '../lib/metrics.ts';

/** The qtype label values; any other type counts as OTHER so the label set stays bounded. */
const QTYPES: [number, string][] = [
  [T.A, 'A'],
  [T.AAAA, 'AAAA'],
  [T.TXT, 'TXT'],
  [T.SOA, 'SOA'],
  [T.NS, 'NS'],
  [T.PTR, 'PTR'],
  [T.MX, 'MX'],
  [T.CNAME, 'CNAME'],
  [T.SRV, 'SRV'],
  [T.ANY, 'ANY'],
  [65, 'HTTPS'],
  [64, 'SVCB'],
];
const OTHER = QTYPES.length;
const NTYPES = QTYPES.length + 1;
const NRCODES = 17;
const typeIndex = new Int8Array(65536).fill(OTHER);
for (const [i, [t]] of QTYPES.entries()) typeIndex[t] = i;
const typeLabel = (i: number): string => QTYPES[i]?.[1] ?? 'OTHER';

export interface DnsMetrics {
  readonly registry: Registry;
  /** One answered query; `rcode` includes extended codes (BADVERS = 16). */
  query(qtype: number, rcode: number, seconds: number): void;
  upstreamError(upstream: string, reason: 'timeout' | 'network' | 'rcode' | 'malformed'): void;
  staleAnswer(): void;
  /** A UDP listener opened (+1) or closed (-1) on an I/O path (udp-server.ts). */
  udpListeners(io: 'batch' | 'dgram', delta: number): void;
}

/** Registers the metrics in `registry` (a fresh one by default, so several servers can live in one process). */
export function createDnsMetrics(registry = new Registry()): DnsMetrics {
  const counts = new Float64Array(NTYPES * NRCODES);
  const queries = new Counter<'qtype' | 'rcode'>({
    name: 'sixpn_dns_queries_total',
    help: 'DNS queries answered, by query type and response code',
    labelNames: ['qtype', 'rcode'],
    registers: [registry],
  });
  registry.beforeRender(() => {
    queries.reset();
    for (let i = 0; i < counts.length; i++) {
      if (counts[i]! > 0)
        queries.inc({ qtype: typeLabel(Math.floor(i / NRCODES)), rcode: rcodeName(i % NRCODES) }, counts[i]);
    }
  });
  const latency = new Histogram({
    name: 'sixpn_dns_query_duration_seconds',
    help: 'Time from a query received to its response sent (forwarded queries included)',
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01, 0.05, 0.25, 1, 2.5, 5],
    registers: [registry],
  });
  const upstreamErrors = new Counter<'upstream' | 'reason'>({
    name: 'sixpn_dns_upstream_errors_total',
    help: 'Failed exchanges with an upstream resolver, by upstream and reason',
    labelNames: ['upstream', 'reason'],
    registers: [registry],
  });
  const stale = new Counter({
    name: 'sixpn_dns_stale_answers_total',
    help: 'Answers served stale (RFC 8767) because every upstream failed',
    registers: [registry],
  });
  const udp = new Gauge<'io'>({
    name: 'sixpn_dns_udp_listeners',
    help: 'UDP listening sockets by I/O path: batch (recvmmsg/sendmmsg addon) or dgram (node:dgram)',
    labelNames: ['io'],
    registers: [registry],
  });
  return {
    registry,
    query(qtype, rcode, seconds) {
      const r = rcode >= 0 && rcode < NRCODES ? rcode : 2;
      counts[typeIndex[qtype]! * NRCODES + r]!++;
      latency.observe({}, seconds);
    },
    upstreamError(upstream, reason) {
      upstreamErrors.inc({ upstream, reason });
    },
    staleAnswer() {
      stale.inc();
    },
    udpListeners(io, delta) {
      udp.inc({ io }, delta);
    },
  };
}
