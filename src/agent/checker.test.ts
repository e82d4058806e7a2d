// The checker task with a fake probe and a fake control plane: only transitions are reported, in batches; a
// report refused for an instance (404) drops that instance's items and the rest still go.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseChecks } from '../core/checks.ts';
import { SixpnError } from '../core/errors.ts';
import { LocalState } from '../core/state.ts';
import { dnsFleet } from '../core/test-fleet.ts';
import { silentLogger } from '../lib/log.ts';
import type { Transition } from './check-plan.ts';
import { Checker } from './checker.ts';

test('checker: transitions only, reported; a refused instance is dropped', async () => {
  const snap = dnsFleet().snapshot();
  const check = parseChecks([{ type: 'tcp', port: 80, interval: '1s', timeout: '100ms' }])[0]!;
  for (const a of snap.apps) if (a.name === 'web') a.checks = [check];
  const state = new LocalState(snap);
  const mine = state
    .all('instance')
    .filter((i) => i.host === 'host-1' && i.app === 'web' && i.state === 'started');
  assert.ok(mine.length > 0);
  const up = new Map(mine.map((i) => [i.address, true]));
  const reports: Transition[][] = [];
  let refuse: string | undefined;
  const ac = new AbortController();
  let probes = 0;
  const checker = new Checker({
    state,
    host: 'host-1',
    probe: async (_c, address) => {
      probes++;
      return up.get(address) ? { ok: true, output: 'up' } : { ok: false, output: 'down' };
    },
    report: async (items) => {
      const bad = items.find((i) => i.instance === refuse);
      if (bad)
        throw new SixpnError('not_found', `instance '${bad.instance}' not found`, {
          details: { kind: 'instance', name: bad.instance },
        });
      reports.push(items);
    },
    log: silentLogger,
    signal: ac.signal,
  });
  const running = checker.run();
  const until = async (f: () => boolean, what: string) => {
    for (let i = 0; i < 300 && !f(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(f(), what);
  };
  checker.setReady(
    mine.map((i) => i.id),
    true,
  );
  await until(() => reports.flat().length === mine.length, 'every first result reported');
  assert.ok(reports.flat().every((r) => r.status === 'passing'));
  const first = mine[0]!;
  up.set(first.address, false);
  await until(() => reports.flat().some((r) => r.status === 'critical'), 'the failure reported');
  assert.deepEqual(
    reports.flat().filter((r) => r.status === 'critical'),
    [{ instance: first.id, check: 'tcp-80', status: 'critical', output: 'down' }],
  );
  const count = reports.flat().length;
  // a refused instance: its transition is dropped, not retried forever
  refuse = first.id;
  up.set(first.address, true);
  await until(() => checker.runs > probes - 1 && probes > count + mine.length, 'ran again');
  await new Promise((r) => setTimeout(r, 1200));
  assert.equal(reports.flat().length, count, 'nothing else moved; the refused one is dropped');
  ac.abort();
  await running;
});
