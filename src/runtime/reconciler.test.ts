// The reconciler harness: a change pass that finds nothing moved writes status.json without holding the lock that
// immediate changes (a gateway's peers) take; what counts as "nothing moved" is what the last pass planned from,
// not what the state was when it started.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiClient } from '../client/api-client.ts';
import type { WatchEvent } from '../client/watch.ts';
import { parsePlanPrefix } from '../core/address.ts';
import { silentLogger } from '../lib/log.ts';
import { type PassHooks, type PassResult, Reconciler } from './reconciler.ts';
import { readStatusFile } from './status-file.ts';

const empty = { orgs: [], networks: [], regions: [], hosts: [], apps: [], instances: [], peers: [] };
const region = {
  code: 'ord',
  name: 'Chicago',
  lat: 41.98,
  lon: -87.9,
  created_at: '2026-01-01T00:00:00.000Z',
};

/** The fingerprint of a role that looks at nothing the tests change: every change pass after the first is skipped. */
const NOTHING_MOVES = 'nothing moves';

/** A pass that found nothing to do, planned from the state as it is now. */
const unmoved = (r: Reconciler): PassResult => ({
  actions: [],
  failed: [],
  applied: 0,
  ms: 0,
  revision: r.state.revision,
  fingerprint: NOTHING_MOVES,
});

/**
 * Runs a role with `passes`, no status of its own and a DNS that ends with the abort; after the test, `beforeStop`
 * (releasing what a pass waits for) then the abort, and waits until everything stopped.
 */
function runRole(
  t: TestContext,
  r: Reconciler,
  abort: AbortController,
  passes: Omit<PassHooks<PassResult>, 'status'>,
  beforeStop = () => {},
) {
  const closed = new Promise<void>((res) =>
    abort.signal.addEventListener('abort', () => res(), { once: true }),
  );
  const run = r.run({
    passes: { ...passes, status: () => ({ peers: 0 }) },
    startDns: async () => ({ closed }),
    dnsFirst: true,
    stopMessage: 'stopped',
  });
  t.after(async () => {
    beforeStop();
    abort.abort();
    await run.done;
  });
}

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
      fingerprint: () => NOTHING_MOVES,
      reconcile: async () => unmoved(r),
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

/** A watch stream: a snapshot at revision 1 (no regions), then each change of a region the test pushes. */
function scriptedClient(signal: AbortSignal) {
  const queue: WatchEvent[] = [];
  let wake = () => {};
  signal.addEventListener('abort', () => wake(), { once: true });
  const client = {
    async *watchChanges(): AsyncGenerator<WatchEvent> {
      yield { type: 'snapshot', snapshot: { revision: 1, ...empty }, reason: 'initial' };
      while (!signal.aborted) {
        const next = queue.shift();
        if (next) yield next;
        else await new Promise<void>((r) => (wake = r));
      }
    },
  };
  let rev = 1;
  const change = (op: 'put' | 'delete', code = 'ord') => {
    const obj = { ...region, code };
    queue.push({ type: 'change', change: { rev: ++rev, op, kind: 'region', id: code, org: null, obj } });
    wake();
  };
  return { client: client as unknown as ApiClient, change };
}

/** A promise and its resolver. */
function gate() {
  let open = () => {};
  const shut = new Promise<void>((r) => (open = r));
  return { open, shut };
}

/**
 * A role that looks only at region `ord` and whose first change pass waits before it plans (as the agent's waits
 * for a table-only apply) and before it ends (its steps), so the test can land changes in both gaps. `host` is
 * what the last pass made the host: what it planned from.
 */
async function heldPass(t: TestContext) {
  const abort = new AbortController();
  const { client, change } = scriptedClient(abort.signal);
  const r = await Reconciler.open({
    client,
    plan: parsePlanPrefix('fdaa::/16'),
    log: silentLogger,
    signal: abort.signal,
  });
  const want = () => (r.state.all('region').some((x) => x.code === 'ord') ? 'ord' : 'none');
  const o = { host: 'none', passes: 0, beforePlan: gate(), planned: gate(), beforeEnd: gate(), change, want };
  const passes = {
    fingerprint: want,
    reconcile: async () => {
      const held = ++o.passes === 2;
      if (held) await o.beforePlan.shut;
      const revision = r.state.revision;
      const fingerprint = want();
      if (held) {
        o.planned.open();
        await o.beforeEnd.shut;
      }
      o.host = fingerprint;
      return { actions: [], failed: [], applied: 0, ms: 0, revision, fingerprint };
    },
  };
  runRole(t, r, abort, passes, () => {
    for (const g of [o.beforePlan, o.beforeEnd]) g.open();
  });
  await until('the first pass ran', () => o.passes === 1);
  o.change('put'); // the change pass takes its fingerprint ('ord') and waits
  await until('the change pass started', () => o.passes === 2);
  return o;
}

test('a change that restores the fingerprint a pass was started with, after it planned from another, runs', async (t) => {
  const o = await heldPass(t);
  o.change('delete'); // the pass plans from this: 'none' (an instance stopped)
  await sleep(20);
  o.beforePlan.open();
  await o.planned.shut;
  o.change('put'); // back to the fingerprint the pass was started with (started again)
  await sleep(20);
  o.beforeEnd.open();
  await until('the host has the region again', () => o.host === 'ord');
  assert.equal(o.want(), 'ord');
});

test('a change that moved nothing a pass looks at, landing while it waited to plan, is still skipped', async (t) => {
  const o = await heldPass(t);
  o.change('put', 'nrt'); // not looked at
  await sleep(20);
  o.beforePlan.open();
  await o.planned.shut;
  o.beforeEnd.open();
  await until('the pass ended', () => o.host === 'ord');
  await sleep(100);
  assert.equal(o.passes, 2, 'no pass after it: the change of nrt left its fingerprint as it was');
});

test('the settling collection waits for a quiet spell after changes whose passes are skipped', async (t) => {
  const QUIET_MS = 150;
  const abort = new AbortController();
  const { client, change } = scriptedClient(abort.signal);
  const t0 = performance.now();
  const collected: number[] = [];
  const pushed: number[] = [];
  const r = await Reconciler.open({
    client,
    plan: parsePlanPrefix('fdaa::/16'),
    log: silentLogger,
    signal: abort.signal,
    settle: { collect: () => collected.push(performance.now() - t0), quietMs: QUIET_MS, minGapMs: 0 },
  });
  let passes = 0;
  runRole(t, r, abort, {
    fingerprint: () => NOTHING_MOVES, // every change pass is skipped, as a gateway's peer changes are
    reconcile: async () => {
      passes++;
      return unmoved(r);
    },
  });
  await until('the first pass ran (work: a collection is due QUIET_MS after it)', () => passes === 1);
  for (let i = 0; i < 30; i++) {
    pushed.push(performance.now() - t0);
    change(i % 2 === 0 ? 'put' : 'delete', 'nrt');
    await sleep(10);
  }
  await until('a collection after the changes', () => collected.some((c) => c > pushed.at(-1)!));
  assert.equal(passes, 1, 'every change pass was skipped');
  for (const c of collected) {
    const lastChange = pushed.filter((p) => p < c).at(-1);
    if (lastChange === undefined) continue;
    // 1 ms: libuv timers can fire that much early by a finer clock (settle-gc.test.ts)
    assert.ok(c - lastChange >= QUIET_MS - 1, `collected ${(c - lastChange).toFixed(1)} ms after a change`);
  }
});
