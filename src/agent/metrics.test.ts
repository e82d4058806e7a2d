import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { agentFleet } from '../core/test-fleet.ts';
import type { UsageReport } from '../core/usage/delta.ts';
import { silentLogger } from '../lib/log.ts';
import { countUsage, createAgentMetrics, parseMetricsListen, serveMetrics } from './metrics.ts';

const report = (items: UsageReport['items']): UsageReport => ({
  epoch: '0123456789abcdef',
  seq: 1,
  at: '2026-01-01T00:00:00Z',
  items,
});

describe('agent metrics', () => {
  it('sums report items per org, network, app, scope and direction', () => {
    const state = agentFleet().state();
    const m = createAgentMetrics();
    const web = state.all('instance').find((i) => i.app === 'web' && i.host === 'h1')!;
    const item = { instance: web.id, scope: 'region' as const, src_region: 'ord', dst_region: 'ord' };
    countUsage(m, state, [
      report([
        { ...item, dir: 'tx', bytes: 1000, packets: 10 },
        { ...item, dir: 'rx', bytes: 300, packets: 3 },
      ]),
      report([{ ...item, dir: 'tx', bytes: 500, packets: 5 }]),
      report([{ ...item, instance: 'deadbeef', dir: 'tx', bytes: 7, packets: 1 }]),
    ]);
    const text = m.registry.metrics();
    const labels = `org="acme",network="${web.network}",app="web",scope="region"`;
    assert.match(text, new RegExp(`sixpn_private_bytes_total\\{${labels},direction="tx"\\} 1500\\n`));
    assert.match(text, new RegExp(`sixpn_private_bytes_total\\{${labels},direction="rx"\\} 300\\n`));
    assert.match(text, new RegExp(`sixpn_private_packets_total\\{${labels},direction="tx"\\} 15\\n`));
    // An instance gone from the state keeps its id as the app.
    assert.match(
      text,
      /sixpn_private_bytes_total\{org="",network="",app="deadbeef",scope="region",direction="tx"\} 7\n/,
    );
    assert.match(text, /# TYPE sixpn_private_bytes_total counter/);
    assert.match(text, /sixpn_agent_process_start_time_seconds/);
  });

  it('listens on loopback only', () => {
    assert.deepEqual(parseMetricsListen('127.0.0.1:9464'), { host: '127.0.0.1', port: 9464, family: 4 });
    assert.equal(parseMetricsListen('[::1]').port, 9464);
    assert.throws(
      () => parseMetricsListen('0.0.0.0:9464'),
      /--metrics-listen '0.0.0.0:9464' must be a loopback/,
    );
    assert.throws(() => parseMetricsListen('[fdaa::3]:9464'), /must be a loopback/);
    assert.throws(() => parseMetricsListen('localhost:9464'), /is not an address/);
    assert.throws(() => parseMetricsListen('127.0.0.1:0'), /needs a port/);
  });

  it('serves GET /metrics and nothing else', async () => {
    const m = createAgentMetrics();
    m.privateBytes.inc({ org: 'acme', network: 'n', app: 'web', scope: 'host', direction: 'tx' }, 42);
    const ac = new AbortController();
    const listen = { host: '127.0.0.1', port: 20000 + Math.floor(Math.random() * 20000) };
    await serveMetrics(listen, m.registry, silentLogger, ac.signal);
    try {
      const res = await fetch(`http://127.0.0.1:${listen.port}/metrics`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), m.registry.contentType);
      assert.match(await res.text(), /sixpn_private_bytes_total\{[^}]*direction="tx"\} 42/);
      assert.equal((await fetch(`http://127.0.0.1:${listen.port}/`)).status, 404);
      await assert.rejects(serveMetrics(listen, m.registry, silentLogger, ac.signal), /EADDRINUSE/);
    } finally {
      ac.abort();
    }
  });
});
