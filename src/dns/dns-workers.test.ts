// The server on two worker threads with SO_REUSEPORT: every worker answers from the state the main thread
// posts (snapshot, then a change), over UDP and TCP; one worker runs in this thread; bind errors surface.

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { test } from 'node:test';
import type { Snapshot } from '../core/model.ts';
import { dnsFleet, NET_A } from '../core/test-fleet.ts';
import { dig } from './dig.ts';
import { runDnsWorkers } from './dns-workers.ts';

const D = dnsFleet();

/** Asks from `n` sockets (so from `n` source ports, which the kernel spreads over the workers). */
async function askMany(server: string, name: string, n: number): Promise<string[][]> {
  return Promise.all(Array.from({ length: n }, () => dig({ name, server }).then((r) => r.lines)));
}

test('two reusePort workers answer from the snapshot and every change posted to them', async () => {
  const ac = new AbortController();
  const s = await runDnsWorkers({
    workers: 2,
    listen: ['127.0.0.1:0'],
    defaultNetwork: NET_A,
    upstreams: [],
    signal: ac.signal,
  });
  const server = `127.0.0.1:${s.addresses[0]?.port}`;
  try {
    assert.equal(s.workers, 2);
    assert.ok((s.addresses[0]?.port ?? 0) > 0);
    const snap = D.snapshot();
    s.applySnapshot(snap);
    await s.synced();
    const all = await askMany(server, 'web.internal', 32);
    assert.ok(
      all.every((l) => l.length === 3),
      `every worker answers from the snapshot: ${all.map((l) => l.length)}`,
    );
    const added = D.makeInstance(0xa0000009, 'web', { name: 'host-9', num: 9, region: 'ord' });
    s.applyChange({
      rev: snap.revision + 1,
      op: 'put',
      kind: 'instance',
      id: added.id,
      org: null,
      obj: added,
    });
    await s.synced();
    const seen = await askMany(server, 'web.internal', 32);
    assert.ok(
      seen.every((l) => l.length === 4),
      `every worker shows the change: ${seen.map((l) => l.length)}`,
    );
    const tcp = await dig({ name: 'a0000009.vm.web.internal', server, tcp: true });
    assert.deepEqual(tcp.lines, ['fdaa:0:18:0:9:a000:9:2']);
  } finally {
    ac.abort();
    await s.closed;
  }
});

test('a worker that dies stops the server: closed rejects, the others are stopped', async () => {
  const ac = new AbortController();
  const s = await runDnsWorkers({ workers: 2, listen: ['127.0.0.1:0'], upstreams: [], signal: ac.signal });
  s.applySnapshot({} as Snapshot); // not a snapshot: applying it throws in each worker
  await assert.rejects(s.closed, /a dns worker exited with 1; the server stopped/);
  ac.abort();
});

test('one worker runs in this thread and applies the state at once', async () => {
  const ac = new AbortController();
  const s = await runDnsWorkers({
    workers: 1,
    listen: ['127.0.0.1:0'],
    defaultNetwork: NET_A,
    upstreams: [],
    signal: ac.signal,
  });
  try {
    s.applySnapshot(D.snapshot());
    await s.synced();
    const r = await dig({ name: 'web.internal', server: `127.0.0.1:${s.addresses[0]?.port}` });
    assert.equal(r.lines.length, 3);
  } finally {
    ac.abort();
    await s.closed;
  }
});

test('a port taken by another socket fails the start; a bad worker count is refused', async () => {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const ac = new AbortController();
  try {
    await assert.rejects(
      runDnsWorkers({
        workers: 2,
        listen: [`127.0.0.1:${sock.address().port}`],
        upstreams: [],
        signal: ac.signal,
      }),
      /EADDRINUSE/,
    );
    await assert.rejects(
      runDnsWorkers({ workers: 0, listen: ['127.0.0.1:0'], signal: ac.signal }),
      /workers must be from 1 to 64/,
    );
  } finally {
    sock.close();
    ac.abort();
  }
});
