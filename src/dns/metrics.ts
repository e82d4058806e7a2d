// The DNS server's Prometheus metrics, declared in one place: queries by type and rcode, query latency,
// upstream errors and stale answers. The hot path only bumps numbers in arrays; prom-client reads them on scrape.

import { Counter, type Histogram, Registry } from 'prom-client';
import { rcodeName, T } from '../core/dns/wire.ts';

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
}

/** Registers the metrics in `registry` (a fresh one by default, so several servers can live in one process). */
export function createDnsMetrics(registry = new Registry()): DnsMetrics {
  const counts = new Float64Array(NTYPES * NRCODES);
  const reported = new Float64Array(NTYPES * NRCODES);
  new Counter({
    name: 'sixpn_dns_queries_total',
    help: 'DNS queries answered, by query type and response code',
    labelNames: ['qtype', 'rcode'] as const,
    registers: [registry],
    collect() {
      for (let i = 0; i < counts.length; i++) {
        const delta = counts[i]! - reported[i]!;
        if (delta <= 0) continue;
        reported[i] = counts[i]!;
        this.inc({ qtype: typeLabel(Math.floor(i / NRCODES)), rcode: rcodeName(i % NRCODES) }, delta);
      }
    },
  });
  const latency = new CountingHistogram(
    'sixpn_dns_query_duration_seconds',
    'Time from a query received to its response sent (forwarded queries included)',
    [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01, 0.05, 0.25, 1, 2.5, 5],
  );
  // prom-client's types admit only its own classes; its registry takes any object with name, help, type,
  // aggregator, get() and reset() (lib/registry.js), which is what CountingHistogram is.
  registry.registerMetric(latency as unknown as Histogram);
  const upstreamErrors = new Counter({
    name: 'sixpn_dns_upstream_errors_total',
    help: 'Failed exchanges with an upstream resolver, by upstream and reason',
    labelNames: ['upstream', 'reason'] as const,
    registers: [registry],
  });
  const stale = new Counter({
    name: 'sixpn_dns_stale_answers_total',
    help: 'Answers served stale (RFC 8767) because every upstream failed',
    registers: [registry],
  });
  return {
    registry,
    query(qtype, rcode, seconds) {
      const r = rcode >= 0 && rcode < NRCODES ? rcode : 2;
      counts[typeIndex[qtype]! * NRCODES + r]!++;
      latency.observe(seconds);
    },
    upstreamError(upstream, reason) {
      upstreamErrors.inc({ upstream, reason });
    },
    staleAnswer() {
      stale.inc();
    },
  };
}

/**
 * A Prometheus histogram without labels whose observations only bump numbers in an array: prom-client's
 * `Histogram.observe` allocates a few objects per call, too much for the per-query path.
 */
export class CountingHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(v: number): void {
    const b = this.bounds;
    for (let i = 0; i < b.length; i++) {
      if (v <= b[i]!) {
        this.counts[i]!++;
        break;
      }
    }
    this.sum += v;
    this.count++;
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }

  async get(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: { labels: Record<string, string | number>; value: number; metricName: string }[];
  }> {
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    let acc = 0;
    this.bounds.forEach((le, i) => {
      acc += this.counts[i]!;
      values.push({ labels: { le }, value: acc, metricName: `${this.name}_bucket` });
    });
    values.push({ labels: { le: '+Inf' }, value: this.count, metricName: `${this.name}_bucket` });
    values.push({ labels: {}, value: this.sum, metricName: `${this.name}_sum` });
    values.push({ labels: {}, value: this.count, metricName: `${this.name}_count` });
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
