// followAndServe (`sixpn dns`): the zone follows the watch stream (snapshot, then changes in order), the server
// answers from it, and everything closes when the signal aborts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApiClient } from '../client/api-client.ts';
import type { WatchEvent } from '../client/watch.ts';
import { defaultPlan } from '../core/address.ts';
import { dnsFleet } from '../core/test-fleet.ts';
import { silentLogger } from '../lib/log.ts';
import { followAndServe } from './follow-state.ts';

const D = dnsFleet();

test('follows the snapshot and the changes after it, serves, stops on abort', async () => {
  const cache = D.makeApp('acme', 'cache');
  const snap = D.snapshot();
  const seen: (number | undefined)[] = [];
  const client = {
    baseUrl: 'http://test',
    async *watchChanges(since: number | undefined, signal: AbortSignal): AsyncIterable<WatchEvent> {
      seen.push(since);
      yield { type: 'snapshot', snapshot: snap, reason: 'initial' };
      yield {
        type: 'change',
        change: { rev: snap.revision + 1, op: 'put', kind: 'app', id: cache.id, org: 'acme', obj: cache },
      };
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    },
  } as unknown as ApiClient;
  const ac = new AbortController();
  let at: string[] = [];
  const running = await followAndServe({
    client,
    listen: ['127.0.0.1:0'],
    upstreams: [],
    plan: defaultPlan,
    logger: silentLogger,
    signal: ac.signal,
    listening: (a) => {
      at = a;
    },
  });
  assert.equal(at.length, 1);
  assert.match(at[0] ?? '', /^127\.0\.0\.1:[0-9]+$/);
  for (let i = 0; i < 100 && running.zone.revision < snap.revision + 1; i++)
    await new Promise((r) => setTimeout(r, 5));
  assert.equal(running.zone.revision, snap.revision + 1);
  assert.equal(running.state.revision, snap.revision + 1);
  assert.deepEqual(seen, [undefined]);
  ac.abort();
  await running.done;
});
