// ApiClient against in-process fetch handlers: what goes on the wire, and how every kind of failure is mapped.

import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, test } from 'node:test';
import { SixpnError } from '../core/errors.ts';
import { ApiClient } from './api-client.ts';
import type { FetchLike } from './http.ts';

const region = { code: 'ord', name: 'Chicago', lat: 41.9, lon: -87.6, created_at: '2026-01-01T00:00:00Z' };

/** A client whose every request is answered by `handler`; `seen` records the requests. */
function clientWith(
  handler: (req: Request) => Response | Promise<Response>,
  opts: { timeoutMs?: number } = {},
) {
  const seen: { method: string; url: string; auth: string | null; type: string | null; body: string }[] = [];
  const fetch: FetchLike = async (input, init) => {
    const req = new Request(input, init);
    seen.push({
      method: req.method,
      url: req.url,
      auth: req.headers.get('authorization'),
      type: req.headers.get('content-type'),
      body: await req.clone().text(),
    });
    return handler(req);
  };
  return { client: new ApiClient({ baseUrl: 'http://cp.test/', token: 'tok', fetch, ...opts }), seen };
}

/** A handler that never answers, until the request is aborted (holding a timer, as a real socket would). */
const hang = (req: Request) =>
  new Promise<Response>((_, reject) => {
    if (req.signal.aborted) return reject(req.signal.reason);
    const keepAlive = setTimeout(() => undefined, 5000);
    req.signal.addEventListener('abort', () => {
      clearTimeout(keepAlive);
      reject(req.signal.reason);
    });
  });

const isCode = (code: string, msg?: RegExp) => (e: unknown) => {
  assert.ok(e instanceof SixpnError, `expected SixpnError, got ${String(e)}`);
  assert.equal(e.code, code);
  if (msg) assert.match(e.message, msg);
  return true;
};

describe('ApiClient requests', () => {
  test('bearer token, JSON body, path segments encoded, base URL without a double slash', async () => {
    const { client, seen } = clientWith(() => Response.json(region, { status: 201 }));
    const r = await client.createRegion({ code: 'ord', name: 'Chicago', lat: 41.9, lon: -87.6 });
    assert.equal(r.code, 'ord');
    assert.deepEqual(seen[0], {
      method: 'POST',
      url: 'http://cp.test/v1/regions',
      auth: 'Bearer tok',
      type: 'application/json',
      body: '{"code":"ord","name":"Chicago","lat":41.9,"lon":-87.6}',
    });
    await client.getApp('acme', 'a/b').catch(() => undefined);
    assert.equal(seen[1]?.url, 'http://cp.test/v1/orgs/acme/apps/a%2Fb');
  });

  test('query parameters: undefined ones are left out', async () => {
    const { client, seen } = clientWith(() => Response.json({ items: [] }));
    assert.deepEqual(await client.listInstances({ org: 'acme', region: 'ord' }), []);
    assert.equal(seen[0]?.url, 'http://cp.test/v1/instances?org=acme&region=ord');
    await client.listInstances();
    assert.equal(seen[1]?.url, 'http://cp.test/v1/instances');
  });

  test('fields the server adds are passed through', async () => {
    const { client } = clientWith(() => Response.json({ items: [{ ...region, extra: 1 }] }));
    assert.deepEqual(await client.listRegions(), [{ ...region, extra: 1 }]);
  });

  test('204 answers', async () => {
    const { client, seen } = clientWith(() => new Response(null, { status: 204 }));
    await client.deleteInstance('0000abcd');
    assert.equal(seen[0]?.method, 'DELETE');
    assert.equal(seen[0]?.url, 'http://cp.test/v1/instances/0000abcd');
  });

  test('whoami: missing nullable fields become null', async () => {
    const { client } = clientWith(() => Response.json({ kind: 'admin', name: 'root' }));
    assert.deepEqual(await client.whoami(), {
      kind: 'admin',
      name: 'root',
      org: null,
      network: null,
      host: null,
      expires_at: null,
    });
  });
});

describe('ApiClient errors', () => {
  const rows: [string, () => Response, string, RegExp][] = [
    [
      'the server code and message',
      () => Response.json({ error: { code: 'not_found', message: "org 'x' not found" } }, { status: 404 }),
      'not_found',
      /^org 'x' not found$/,
    ],
    [
      'an unknown code falls back to the status',
      () => Response.json({ error: { code: 'teapot', message: 'short and stout' } }, { status: 409 }),
      'already_exists',
      /^short and stout$/,
    ],
    [
      'a body that is not an error body',
      () => new Response('<html>Bad Gateway</html>', { status: 502 }),
      'unavailable',
      /answered GET \/v1\/regions with HTTP 502: <html>Bad Gateway<\/html>/,
    ],
    ['an empty 500', () => new Response('', { status: 500 }), 'internal', /with HTTP 500$/],
    [
      'a 2xx body of the wrong shape',
      () => Response.json({ items: [{ code: 'ord' }] }),
      'internal',
      /unexpected answer from the control plane to GET \/v1\/regions: items\.0\.name: /,
    ],
    ['a 2xx body that is not JSON', () => new Response('ok'), 'internal', /with a body that is not JSON/],
  ];
  for (const [name, answer, code, msg] of rows) {
    test(name, async () => {
      const { client } = clientWith(answer);
      await assert.rejects(client.listRegions(), isCode(code, msg));
    });
  }

  test('details travel with the error', async () => {
    const { client } = clientWith(() =>
      Response.json(
        { error: { code: 'invalid_argument', message: 'bad', details: { field: 'lat' } } },
        { status: 400 },
      ),
    );
    await assert.rejects(
      client.listRegions(),
      (e: unknown) => e instanceof SixpnError && e.details?.field === 'lat',
    );
  });

  test('a timeout is unavailable and says so', async () => {
    const { client } = clientWith(hang, { timeoutMs: 20 });
    await assert.rejects(client.listRegions(), isCode('unavailable', /did not answer within 0\.02s/));
    // a create that timed out may have been applied: the message says so
    await assert.rejects(
      client.createOrg('acme'),
      isCode('unavailable', /did not answer within 0\.02s.*may still have been applied/),
    );
  });

  test('connection refused (a real socket on loopback): unavailable, naming the URL and `sixpn server`', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const client = new ApiClient({ baseUrl: `http://127.0.0.1:${port}`, token: 't' });
    await assert.rejects(
      client.listRegions(),
      isCode(
        'unavailable',
        new RegExp(
          `^cannot reach the control plane at http://127\\.0\\.0\\.1:${port}: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}; is \`sixpn server\` running\\?$`,
        ),
      ),
    );
  });

  test('a caller abort is passed through unchanged', async () => {
    const { client } = clientWith(hang);
    const ctl = new AbortController();
    const p = client.whoami(ctl.signal);
    ctl.abort();
    await assert.rejects(p, (e: unknown) => (e as Error).name === 'AbortError');
  });
});
