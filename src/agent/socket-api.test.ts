// The local socket's protocol (AGENT-SOCKET.md) against in-memory workloads: routes, body parsing with errors
// naming the field, idempotent DELETE, the API's error shape. No socket, no namespaces.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SixpnError } from '../core/errors.ts';
import { handleSocket, type SocketDeps } from './socket-api.ts';
import { type Attachment, type CreateBody, parseCreateBody } from './workload-protocol.ts';

function fakeDeps(synced = true) {
  const created: CreateBody[] = [];
  const removed: [string, boolean][] = [];
  const rec = { id: '0a7b007d', key: 'cni/abc/eth0' } as Attachment;
  const deps: SocketDeps = {
    workloads: {
      create: async (b) => {
        created.push(b);
        if (b.app === 'taken') throw new SixpnError('already_exists', "instance 'x' already exists");
        return { status: 201, view: { id: rec.id } as never };
      },
      byKey: (k) => (k === rec.key ? rec : undefined),
      view: (a) => ({ id: a.id }) as never,
      remove: async (k, r) => {
        removed.push([k, r]);
      },
    },
    health: () => ({ ok: true, host: 'h1', region: 'ord', synced }),
  };
  return { deps, created, removed };
}

const call = async (deps: SocketDeps, method: string, path: string, body?: unknown) => {
  const res = await handleSocket(
    new Request(`http://agent${path}`, {
      method,
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    }),
    deps,
  );
  return { status: res.status, json: res.body ? JSON.parse(res.body) : null };
};

describe('agent socket protocol', () => {
  test('health', async () => {
    const r = await call(fakeDeps().deps, 'GET', '/v1/health');
    assert.deepEqual(r.json, { ok: true, host: 'h1', region: 'ord', synced: true });
  });

  test('create: parsed body reaches the workloads; 201 with the view', async () => {
    const f = fakeDeps();
    const body = { app: 'web', key: 'run/1', netns: '/proc/42/ns/net', ifname: 'eth1', pid: 42, rm: true };
    const r = await call(f.deps, 'POST', '/v1/instances', body);
    assert.equal(r.status, 201);
    assert.deepEqual(r.json, { id: '0a7b007d' });
    assert.deepEqual(f.created, [body]);
  });

  test('bad bodies: 400 naming the field', async () => {
    const cases: [unknown, RegExp][] = [
      ['{', /not JSON/],
      [{ key: 'k' }, /^app:/],
      [{ app: 'Web', key: 'k' }, /^app:/],
      [{ app: 'web' }, /^key:/],
      [{ app: 'web', key: 'has space' }, /^key:/],
      [{ app: 'web', key: 'k', netns: 'relative/path' }, /^netns:/],
      [{ app: 'web', key: 'k', netns: '/var/run/../etc' }, /^netns:/],
      [{ app: 'web', key: 'k', ifname: 'much-too-long-name0' }, /^ifname:/],
      [{ app: 'web', key: 'k', pid: -1 }, /^pid:/],
      [{ app: 'web', key: 'k', extra: 1 }, /extra/],
    ];
    for (const [body, re] of cases) {
      const r = await call(fakeDeps().deps, 'POST', '/v1/instances', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.json.error.code, 'invalid_argument');
      assert.match(r.json.error.message, re, JSON.stringify(body));
    }
  });

  test('errors keep their code: 409, and 503 before the agent has synced', async () => {
    assert.equal(
      (await call(fakeDeps().deps, 'POST', '/v1/instances', { app: 'taken', key: 'k' })).status,
      409,
    );
    const r = await call(fakeDeps(false).deps, 'POST', '/v1/instances', { app: 'web', key: 'k' });
    assert.equal(r.status, 503);
    assert.equal(r.json.error.code, 'unavailable');
  });

  test('by-key: GET finds (URL-encoded key) or 404; DELETE is 204 either way, remove passed on', async () => {
    const f = fakeDeps();
    const key = encodeURIComponent('cni/abc/eth0');
    assert.equal((await call(f.deps, 'GET', `/v1/instances/by-key/${key}`)).status, 200);
    assert.equal((await call(f.deps, 'GET', '/v1/instances/by-key/nope')).status, 404);
    assert.equal((await call(f.deps, 'DELETE', `/v1/instances/by-key/${key}?remove=true`)).status, 204);
    assert.equal((await call(f.deps, 'DELETE', '/v1/instances/by-key/nope')).status, 204);
    assert.deepEqual(f.removed, [
      ['cni/abc/eth0', true],
      ['nope', false],
    ]);
    assert.equal((await call(f.deps, 'DELETE', '/v1/instances/by-key/k?remove=yes')).status, 400);
    assert.equal((await call(f.deps, 'GET', '/v1/nothing')).status, 404);
  });

  test('parseCreateBody round trip of the contract example', () => {
    const b = parseCreateBody(
      '{"app":"web","org":"acme","name":"web-1","key":"cni/C/eth0","netns":"/var/run/netns/cni-1","ifname":"eth0"}',
    );
    assert.deepEqual(b, {
      app: 'web',
      org: 'acme',
      name: 'web-1',
      key: 'cni/C/eth0',
      netns: '/var/run/netns/cni-1',
      ifname: 'eth0',
    });
  });
});
