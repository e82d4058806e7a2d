// The unix-socket and http:// fetches against real node:http servers (a socket in a temp dir, a loopback port):
// JSON, bodies, 204, errors, a streaming body read chunk by chunk, abort, timeouts, the ApiClient picking them
// for `unix:` and `http:` base URLs, and no undici loaded on the way.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { SixpnError } from '../core/errors.ts';
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

/** A node:http server on a free loopback TCP port for the duration of `body`. */
async function withTcpServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  body: (base: string) => Promise<void>,
) {
  const srv = createServer(handler);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  try {
    await body(`http://127.0.0.1:${(srv.address() as AddressInfo).port}`);
  } finally {
    srv.closeAllConnections();
    await new Promise<void>((r) => srv.close(() => r()));
  }
}

test('http:// URLs go over node:http: path, query, headers, body, 204 and a streaming body', async () => {
  let release: (() => void) | undefined;
  await withTcpServer(
    (req, res) => {
      if (req.url === '/v1/watch') {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        res.write('{"heartbeat":1}\n');
        release = () => res.write('{"heartbeat":2}\n');
        return;
      }
      if (req.url === '/v1/none') {
        res.writeHead(204).end();
        return;
      }
      let b = '';
      req.on('data', (c: Buffer) => {
        b += c.toString();
      });
      req.on('end', () => {
        res.writeHead(201, { 'content-type': 'application/json', 'x-two': ['a', 'b'] });
        res.end(
          JSON.stringify({
            method: req.method,
            url: req.url,
            host: req.headers.host,
            auth: req.headers.authorization,
            b,
          }),
        );
      });
    },
    async (base) => {
      const f = fetchForBaseUrl(base);
      const post = await f(`${base}/v1/orgs?x=1`, {
        method: 'POST',
        headers: { Authorization: 'Bearer t' },
        body: '{"name":"ü"}',
      });
      assert.equal(post.status, 201);
      assert.equal(post.ok, true);
      assert.equal(post.headers.get('X-Two'), 'a, b');
      assert.deepEqual(await post.json(), {
        method: 'POST',
        url: '/v1/orgs?x=1',
        host: base.slice('http://'.length),
        auth: 'Bearer t',
        b: '{"name":"ü"}',
      });
      const none = await f(`${base}/v1/none`, { method: 'DELETE' });
      assert.equal(none.status, 204);
      assert.equal(none.body, null);
      const abort = new AbortController();
      const reader = (await f(`${base}/v1/watch`, { signal: abort.signal })).body!.getReader();
      assert.equal(new TextDecoder().decode((await reader.read()).value), '{"heartbeat":1}\n');
      release?.();
      assert.equal(new TextDecoder().decode((await reader.read()).value), '{"heartbeat":2}\n');
      abort.abort();
      await assert.rejects(reader.read());
    },
  );
});

test('the ApiClient over http://: a refused port and a server that does not answer are `unavailable`', async () => {
  await withTcpServer(
    () => {}, // never answers
    async (base) => {
      const slow = new ApiClient({ baseUrl: base, timeoutMs: 100 });
      await assert.rejects(slow.healthz(), (e: SixpnError) => {
        assert.equal(e.code, 'unavailable');
        assert.match(e.message, /did not answer within 0.1s/);
        return true;
      });
    },
  );
  const port = await new Promise<number>((r) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => r(p));
    });
  });
  await assert.rejects(new ApiClient({ baseUrl: `http://127.0.0.1:${port}` }).healthz(), (e: SixpnError) => {
    assert.equal(e.code, 'unavailable');
    assert.equal(
      e.message,
      `cannot reach the control plane at http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}; is \`sixpn server\` running?`,
    );
    assert.deepEqual(e.details, { url: `http://127.0.0.1:${port}`, reason: 'ECONNREFUSED' });
    return true;
  });
});

test('a client over http:// does not load undici (the global fetch)', () => {
  const client = new URL('./api-client.ts', import.meta.url).href;
  const script = `import { ApiClient } from '${client}';
await new ApiClient({ baseUrl: 'http://127.0.0.1:1' }).healthz().catch(() => {});
process.stdout.write(String(process.moduleLoadList.some((m) => m.includes('undici'))));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  assert.equal(out, 'false');
});
