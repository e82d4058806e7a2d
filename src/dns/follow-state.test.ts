// followState: changes that arrive while the snapshot loads are applied after it, old ones ignored.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { app, fixtureSnapshot, NET_A } from '../core/dns/fixture.ts';
import { ZoneIndex } from '../core/dns/zone-index.ts';
import type { Change } from '../core/model.ts';
import { followState, type StateSource } from './follow-state.ts';

test('subscribes before the snapshot, replays what came meanwhile, stops on abort', async () => {
  const listeners = new Set<(c: Change) => void>();
  const emit = (c: Change) => {
    for (const l of listeners) l(c);
  };
  const cache = app('cache', NET_A);
  const source: StateSource = {
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    async snapshot() {
      // one change already in the snapshot (rev 100) and one after it arrive while it loads
      emit({ rev: 100, op: 'delete', kind: 'app', id: 'app-web', org: 'acme', obj: app('web', NET_A) });
      emit({ rev: 101, op: 'put', kind: 'app', id: cache.id, org: 'acme', obj: cache });
      return fixtureSnapshot();
    },
  };
  const zone = new ZoneIndex();
  const ac = new AbortController();
  await followState(zone, source, ac.signal);
  assert.equal(zone.revision, 101);
  emit({ rev: 102, op: 'put', kind: 'app', id: 'app-x', org: 'acme', obj: app('x', NET_A) });
  assert.equal(zone.revision, 102);
  ac.abort();
  assert.equal(listeners.size, 0);
  emit({ rev: 103, op: 'put', kind: 'app', id: 'app-y', org: 'acme', obj: app('y', NET_A) });
  assert.equal(zone.revision, 102);
});
