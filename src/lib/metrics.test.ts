import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Counter, formatValue, Gauge, Histogram, Registry, registerProcessMetrics } from './metrics.ts';

test('counters, gauges and histograms render in the 0.0.4 text format', () => {
  const r = new Registry();
  const c = new Counter<'route' | 'status'>({
    name: 'x_total',
    help: 'X\\ "done"\nok',
    labelNames: ['route', 'status'],
    registers: [r],
  });
  const plain = new Counter({ name: 'plain_total', help: 'never bumped', registers: [r] });
  const g = new Gauge({ name: 'streams', help: 'open', registers: [r] });
  const h = new Histogram<'m'>({
    name: 'lat_seconds',
    help: 'latency',
    labelNames: ['m'],
    buckets: [0.1, 1],
    registers: [r],
  });
  c.inc({ route: '/v1/a"b', status: '200' });
  c.inc({ route: '/v1/a"b', status: '200' }, 2);
  c.inc({ status: '500' });
  g.inc();
  g.inc();
  g.dec();
  h.observe({ m: 'GET' }, 0.05);
  h.observe({ m: 'GET' }, 0.5);
  h.observe({ m: 'GET' }, 7);
  assert.equal(plain.get(), 0);
  assert.equal(
    r.metrics(),
    [
      '# HELP x_total X\\\\ "done"\\nok',
      '# TYPE x_total counter',
      'x_total{route="/v1/a\\"b",status="200"} 3',
      'x_total{status="500"} 1',
      '# HELP plain_total never bumped',
      '# TYPE plain_total counter',
      'plain_total 0',
      '# HELP streams open',
      '# TYPE streams gauge',
      'streams 1',
      '# HELP lat_seconds latency',
      '# TYPE lat_seconds histogram',
      'lat_seconds_bucket{m="GET",le="0.1"} 1',
      'lat_seconds_bucket{m="GET",le="1"} 2',
      'lat_seconds_bucket{m="GET",le="+Inf"} 3',
      'lat_seconds_sum{m="GET"} 7.55',
      'lat_seconds_count{m="GET"} 3',
      '',
    ].join('\n'),
  );
});

test('a counter refuses to go down; a name registers once', () => {
  const r = new Registry();
  const c = new Counter({ name: 'c_total', help: 'c', registers: [r] });
  assert.throws(() => c.inc({}, -1), /cannot go down/);
  assert.throws(() => new Gauge({ name: 'c_total', help: 'again', registers: [r] }), /registered twice/);
});

test('formatValue', () => {
  for (const [v, want] of [
    [1, '1'],
    [0.25, '0.25'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, '+Inf'],
    [Number.NEGATIVE_INFINITY, '-Inf'],
  ] as const)
    assert.equal(formatValue(v), want);
});

test('process metrics are read at render time', () => {
  const r = new Registry();
  registerProcessMetrics(r, 'p_');
  const text = r.metrics();
  assert.match(text, /^p_process_cpu_seconds_total\{mode="user"\} \d/m);
  assert.match(text, /^p_process_resident_memory_bytes [1-9]\d+$/m);
  assert.match(text, /^p_process_start_time_seconds [1-9]\d+$/m);
});
