// The unix-socket fetch against a real node:http server on a socket in a temp dir: JSON, bodies, 204, errors,
// a streaming body read chunk by chunk, abort, and the ApiClient picking it for `unix:` base URLs.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ApiClient } from './api-client.ts';
import { fetchForBaseUrl, isUnixUrl, socketPathOf, unixFetch } from './unix-fetch.ts';

async function withServer(
  handler: (method: string, url: string, body: string, res: ServerResponse) => void,
  body: (sock: string) => Promise<void>,
) {
  const dir = mkdtempSync(join(tmpdir(), 'sixpn-unix-'));
  const sock = join(dir, 'api.sock');
  const srv = createServer((req, res) => {
    let b = '';
    req.on('data', (c: Buffer) => {
      b += c.toString();
    });
    req.on('end', () => handler(req.method ?? '', req.url ?? '', b, res));
  });
  await new Promise<void>((r) => srv.listen(sock, r));
  try {
    await body(sock);
  } finally {
    srv.closeAllConnections();
    await new Promise<void>((r) => srv.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  }
}

test('unix: URLs', () => {
  assert.equal(isUnixUrl('unix:/run/sixpn-lab/api.sock'), true);
  assert.equal(isUnixUrl('http://127.0.0.1:4280'), false);
  assert.equal(socketPathOf('unix:/run/sixpn-lab/api.sock'), '/run/sixpn-lab/api.sock');
});

test('requests and answers over the socket', async () => {
  await withServer(
    (method, url, body, res) => {
      if (url === '/v1/none') {
        res.writeHead(204).end();
        return;
      }
      res.writeHead(url.startsWith('/missing') ? 404 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method, url, body }));
    },
    async (sock) => {
      const f = unixFetch(sock);
      const base = `unix:${sock}`;
      const get = await f(`${base}/v1/orgs?x=1`);
      assert.equal(get.status, 200);
      assert.deepEqual(await get.json(), { method: 'GET', url: '/v1/orgs?x=1', body: '' });
      const post = await f(`${base}/v1/orgs`, { method: 'POST', body: '{"name":"ü"}' });
      assert.deepEqual(await post.json(), { method: 'POST', url: '/v1/orgs', body: '{"name":"ü"}' });
      const none = await f(`${base}/v1/none`, { method: 'DELETE' });
      assert.equal(none.status, 204);
      assert.equal(none.body, null);
      assert.equal((await f(`${base}/missing`)).status, 404);
      const viaHttp = await f('http://localhost/v1/x');
      assert.equal(((await viaHttp.json()) as { url: string }).url, '/v1/x');
    },
  );
});

test('a streaming body arrives chunk by chunk, and abort ends it', async () => {
  let release: (() => void) | undefined;
  await withServer(
    (_m, _u, _b, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write('{"heartbeat":1}\n');
      release = () => res.write('{"heartbeat":2}\n');
    },
    async (sock) => {
      const abort = new AbortController();
      const res = await fetchForBaseUrl(`unix:${sock}`)(`unix:${sock}/v1/watch`, { signal: abort.signal });
      const reader = res.body!.getReader();
      const first = await reader.read();
      assert.equal(new TextDecoder().decode(first.value), '{"heartbeat":1}\n');
      release?.();
      const second = await reader.read();
      assert.equal(new TextDecoder().decode(second.value), '{"heartbeat":2}\n');
      abort.abort();
      await assert.rejects(reader.read());
    },
  );
});

test('the ApiClient uses the socket for unix: base URLs; a missing socket is `unavailable`', async () => {
  await withServer(
    (_m, url, _b, res) => {
      res.writeHead(url === '/healthz' ? 200 : 500).end(url === '/healthz' ? 'ok' : '');
    },
    async (sock) => {
      assert.equal(await new ApiClient({ baseUrl: `unix:${sock}` }).healthz(), true);
    },
  );
  const gone = new ApiClient({ baseUrl: 'unix:/nonexistent/sixpn.sock' });
  await assert.rejects(gone.healthz(), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'unavailable');
    assert.match(e.message, /unix:\/nonexistent\/sixpn.sock.*ENOENT/);
    return true;
  });
});
