// The metrics text: queries by type and rcode, a cumulative latency histogram, upstream errors.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDnsMetrics } from './metrics.ts';

test('exposition of counters and the histogram', async () => {
  const m = createDnsMetrics();
  m.query(28, 0, 0.00004);
  m.query(28, 0, 0.0003);
  m.query(16, 3, 0.002);
  m.query(64999, 16, 7); // an unlisted type and an extended rcode; slower than the last bucket
  m.upstreamError('127.0.0.1:53', 'timeout');
  m.staleAnswer();
  const text = await m.registry.metrics();
  for (const line of [
    'sixpn_dns_queries_total{qtype="AAAA",rcode="NOERROR"} 2',
    'sixpn_dns_queries_total{qtype="TXT",rcode="NXDOMAIN"} 1',
    'sixpn_dns_queries_total{qtype="OTHER",rcode="BADVERS"} 1',
    '# TYPE sixpn_dns_query_duration_seconds histogram',
    'sixpn_dns_query_duration_seconds_bucket{le="0.00005"} 1',
    'sixpn_dns_query_duration_seconds_bucket{le="0.0005"} 2',
    'sixpn_dns_query_duration_seconds_bucket{le="0.0025"} 3',
    'sixpn_dns_query_duration_seconds_bucket{le="5"} 3',
    'sixpn_dns_query_duration_seconds_bucket{le="+Inf"} 4',
    'sixpn_dns_query_duration_seconds_count 4',
    'sixpn_dns_upstream_errors_total{upstream="127.0.0.1:53",reason="timeout"} 1',
    'sixpn_dns_stale_answers_total 1',
  ]) {
    assert.ok(text.includes(`${line}\n`), `missing: ${line}\n${text}`);
  }
  assert.match(text, /sixpn_dns_query_duration_seconds_sum 7\.002/);
  // counters are cumulative across scrapes
  m.query(28, 0, 0.00004);
  assert.match(await m.registry.metrics(), /sixpn_dns_queries_total\{qtype="AAAA",rcode="NOERROR"\} 3/);
});
