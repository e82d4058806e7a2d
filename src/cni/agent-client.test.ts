// Unit tests of the plugin's socket client against a small HTTP server on a unix socket written here (the
// contract of AGENT-SOCKET.md, not the agent): paths, bodies, status codes, error bodies, no socket, timeouts.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { agentSocket } from './agent-client.ts';
import { AgentError } from './plugin.ts';

const inst = {
  id: '0a7b007d',
  name: 'web-1',
  org: 'acme',
  app: 'web',
  network: 'default',
  region: 'ord',
  host: 'h1',
  address: 'fdaa:0:1:a7b::7d',
  prefix_len: 112,
  gateway: 'fe80::1',
  dns: 'fdaa::3',
  netns: '/run/netns/cni-1',
  ifname: 'eth0',
  env: { SIXPN_PRIVATE_IP: 'fdaa:0:1:a7b::7d' },
};

let dir: string;
let server: Server;
const seen: string[] = [];
const byKey = new Map<string, unknown>();

async function handle(req: IncomingMessage, res: ServerResponse) {
  let body = '';
  for await (const c of req) body += c;
  seen.push(`${req.method} ${req.url} ${body}`);
  const send = (status: number, json?: unknown) => {
    res.writeHead(status, json === undefined ? {} : { 'content-type': 'application/json' });
    res.end(json === undefined ? undefined : JSON.stringify(json));
  };
  const url = new URL(req.url ?? '/', 'http://x');
  const key = decodeURIComponent(url.pathname.replace('/v1/instances/by-key/', ''));
  if (req.method === 'POST' && url.pathname === '/v1/instances') {
    const b = JSON.parse(body) as { key: string; app: string };
    if (b.app === 'nope') return send(404, { error: { code: 'not_found', message: "app 'nope' not found" } });
    if (b.app === 'slow') return; // never answers
    if (b.app === 'garbage') return send(201, { id: 1 });
    if (b.app === 'html') return send(502);
    const status = byKey.has(b.key) ? 200 : 201;
    byKey.set(b.key, inst);
    return send(status, inst);
  }
  if (req.method === 'GET')
    return byKey.has(key)
      ? send(200, byKey.get(key))
      : send(404, { error: { code: 'not_found', message: 'no' } });
  if (req.method === 'DELETE') {
    if (key === 'cni/broken/eth0')
      return send(503, { error: { code: 'unavailable', message: 'not synced' } });
    byKey.delete(key);
    return send(204);
  }
  send(405);
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sixpn-cni-client-'));
  server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((r) => server.listen(join(dir, 'agent.sock'), r));
});
after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await rm(dir, { recursive: true, force: true });
});

const req = (app = 'web') => ({
  key: 'cni/c1/eth0',
  org: 'acme',
  app,
  netns: '/run/netns/cni-1',
  ifname: 'eth0',
});

describe('agentSocket', () => {
  test('attach posts the request; again with the key is the same instance; find; detach twice', async () => {
    const a = agentSocket(join(dir, 'agent.sock'));
    seen.length = 0;
    assert.equal((await a.attach(req())).address, inst.address);
    assert.equal((await a.attach(req())).id, inst.id);
    assert.equal((await a.find('cni/c1/eth0'))?.id, inst.id);
    await a.detach('cni/c1/eth0');
    await a.detach('cni/c1/eth0');
    assert.equal(await a.find('cni/c1/eth0'), undefined);
    assert.deepEqual(seen, [
      `POST /v1/instances ${JSON.stringify(req())}`,
      `POST /v1/instances ${JSON.stringify(req())}`,
      'GET /v1/instances/by-key/cni%2Fc1%2Feth0 ',
      'DELETE /v1/instances/by-key/cni%2Fc1%2Feth0?remove=true ',
      'DELETE /v1/instances/by-key/cni%2Fc1%2Feth0?remove=true ',
      'GET /v1/instances/by-key/cni%2Fc1%2Feth0 ',
    ]);
  });

  const fails: [string, () => Promise<unknown>, Partial<AgentError>, RegExp][] = [
    [
      'an error body',
      () => agentSocket(join(dir, 'agent.sock')).attach(req('nope')),
      { status: 404, code: 'not_found' },
      /app 'nope'/,
    ],
    [
      'not an instance',
      () => agentSocket(join(dir, 'agent.sock')).attach(req('garbage')),
      { status: 201, code: 'bad_answer' },
      /not an instance/,
    ],
    [
      'no error body',
      () => agentSocket(join(dir, 'agent.sock')).attach(req('html')),
      { status: 502, code: 'unknown' },
      /answered 502/,
    ],
    [
      'DEL refused',
      () => agentSocket(join(dir, 'agent.sock')).detach('cni/broken/eth0'),
      { status: 503, code: 'unavailable' },
      /not synced/,
    ],
    [
      'no socket',
      () => agentSocket(join(dir, 'none.sock')).attach(req()),
      { status: undefined, code: 'ENOENT' },
      /none\.sock: ENOENT/,
    ],
    [
      'no answer in time',
      () => agentSocket(join(dir, 'agent.sock'), { timeoutMs: 200 }).attach(req('slow')),
      { status: undefined, code: 'timeout' },
      /no answer within 0\.2 s/,
    ],
  ];
  for (const [what, f, want, msg] of fails)
    test(what, () =>
      assert.rejects(
        f,
        (e: unknown) =>
          e instanceof AgentError && e.status === want.status && e.code === want.code && msg.test(e.message),
      ),
    );
});
