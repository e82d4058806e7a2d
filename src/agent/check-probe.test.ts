// The real probes against sockets on ::1: TCP connect, HTTP status ranges, refusals and time-outs.

import assert from 'node:assert/strict';
import { createServer as createHttp, type Server } from 'node:http';
import { createServer as createTcp } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { parseChecks } from '../core/checks.ts';
import { probe } from './check-probe.ts';

describe('probe', () => {
  let http: Server;
  let silent: ReturnType<typeof createTcp>;
  let port = 0;
  let silentPort = 0;
  before(async () => {
    http = createHttp((req, res) => {
      res.statusCode = req.url === '/ok' ? 200 : req.url === '/teapot' ? 418 : 503;
      res.end('x');
    });
    await new Promise<void>((r) => http.listen(0, '::1', r));
    port = (http.address() as { port: number }).port;
    silent = createTcp(() => {}); // accepts, never answers
    await new Promise<void>((r) => silent.listen(0, '::1', r));
    silentPort = (silent.address() as { port: number }).port;
  });
  after(() => {
    http.close();
    silent.close();
  });

  const one = (c: Record<string, unknown>) => parseChecks([{ interval: '2s', timeout: '300ms', ...c }])[0]!;

  test('tcp: connected, refused', async () => {
    const ok = await probe(one({ type: 'tcp', port }), '::1', undefined);
    assert.equal(ok.ok, true);
    assert.match(ok.output, /^connected in \d+ ms$/);
    const closed = await probe(one({ type: 'tcp', port: 1 }), '::1', undefined);
    assert.deepEqual(closed, { ok: false, output: 'connect ECONNREFUSED' });
  });
  test('http: status in range passes, out of range fails', async () => {
    const ok = await probe(one({ type: 'http', port, path: '/ok' }), '::1', '::1');
    assert.equal(ok.ok, true);
    assert.match(ok.output, /^HTTP 200 in \d+ ms$/);
    const bad = await probe(one({ type: 'http', port, path: '/down' }), '::1', undefined);
    assert.equal(bad.ok, false);
    assert.match(bad.output, /^HTTP 503 in \d+ ms \(want 200-399\)$/);
    const tea = await probe(
      one({ type: 'http', port, path: '/teapot', expected_status: '400-499' }),
      '::1',
      undefined,
    );
    assert.equal(tea.ok, true);
  });
  test('time-outs', async () => {
    const t0 = performance.now();
    const r = await probe(one({ type: 'http', port: silentPort }), '::1', undefined);
    assert.deepEqual(r, { ok: false, output: 'timed out after 300 ms' });
    assert.ok(performance.now() - t0 < 1500);
  });
});
