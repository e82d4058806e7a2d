// The reconciler harness: a change pass that finds nothing moved writes status.json without holding the lock that
// immediate changes (a gateway's peers) take.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiClient } from '../client/api-client.ts';
import type { WatchEvent } from '../client/watch.ts';
import { parsePlanPrefix } from '../core/address.ts';
import { silentLogger } from '../lib/log.ts';
import { Reconciler } from './reconciler.ts';
import { readStatusFile } from './status-file.ts';

const empty = { orgs: [], networks: [], regions: [], hosts: [], apps: [], instances: [], peers: [] };
const region = {
  code: 'ord',
  name: 'Chicago',
  lat: 41.98,
  lon: -87.9,
  created_at: '2026-01-01T00:00:00.000Z',
};

/** A watch stream: a snapshot at revision 1, then one change (rev 2) once `release` is called, then nothing. */
function fakeClient(signal: AbortSignal) {
  let release = () => {};
  const go = new Promise<void>((r) => {
    release = r;
  });
  const client = {
    async *watchChanges(): AsyncGenerator<WatchEvent> {
      yield { type: 'snapshot', snapshot: { revision: 1, ...empty }, reason: 'initial' };
      await go;
      yield {
        type: 'change',
        change: { rev: 2, op: 'put', kind: 'region', id: 'ord', org: null, obj: region },
      };
      await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
    },
  };
  return { client: client as unknown as ApiClient, release };
}

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !ok(); i++) await sleep(5);
  assert.ok(ok(), what);
}

test('a skipped change pass writes status.json outside the lock', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sixpn-reconciler-'));
  const abort = new AbortController();
  const { client, release } = fakeClient(abort.signal);
  const r = await Reconciler.open({
    client,
    stateDir: dir,
    plan: parsePlanPrefix('fdaa::/16'),
    log: silentLogger,
    signal: abort.signal,
  });
  let watching = false;
  /** The revision status.json held when the lock was next free after the skipped pass asked for its status. */
  let lockFreeAt: number | undefined;
  const closed = new Promise<void>((res) =>
    abort.signal.addEventListener('abort', () => res(), { once: true }),
  );
  const run = r.run({
    passes: {
      fingerprint: () => 'nothing moves',
      reconcile: async () => ({ actions: [], failed: [], applied: 0, ms: 0 }),
      status: () => {
        if (watching && lockFreeAt === undefined) {
          void r.lock.run(async () => {
            lockFreeAt = readStatusFile(dir)?.revision ?? 0;
          });
        }
        return { peers: 0 };
      },
    },
    startDns: async () => ({ closed }),
    dnsFirst: false,
    stopMessage: 'stopped',
  });
  try {
    await until('the first pass wrote its status', () => readStatusFile(dir)?.revision === 1);
    await sleep(50);
    watching = true;
    release();
    await until('the change pass wrote its status', () => readStatusFile(dir)?.revision === 2);
    await until('the lock was free again', () => lockFreeAt !== undefined);
    // Written under the lock, the file would say revision 2 by the time the lock is free.
    assert.equal(lockFreeAt, 1, 'the lock was free while the status was being written');
  } finally {
    abort.abort();
    await run.done;
    await rm(dir, { recursive: true, force: true });
  }
});
