// A request of the local socket waits for a pass to set its instance up: it ends when a pass has, and at once
// (not at the set-up timeout) when the instance is stopped or deleted through the API meanwhile. In-memory state
// and API; no socket, no namespaces.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { isSixpnError } from '../core/errors.ts';
import type { Instance } from '../core/model.ts';
import { agentFleet } from '../core/test-fleet.ts';
import { silentLogger } from '../lib/log.ts';
import type { ReconcileResult } from './reconcile.ts';
import { type WorkloadApi, Workloads } from './workloads.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Workloads on h1 over a state the fake API writes to, as the change feed would; each write one second later. */
function setUp() {
  const fleet = agentFleet();
  const state = fleet.state();
  let rev = fleet.revision;
  let clock = Date.parse(fleet.at);
  /** Writes not yet in the state (the change feed lagging), while `lag` is set. */
  const held: (() => void)[] = [];
  const feed = {
    lag: false,
    flush: () => {
      for (const f of held.splice(0)) f();
    },
  };
  const latest = new Map<string, Instance>();
  const put = (i: Instance): Instance => {
    clock += 1000;
    const obj = { ...i, updated_at: new Date(clock).toISOString() };
    latest.set(i.id, obj);
    const write = () =>
      state.applyChange({ rev: ++rev, op: 'put', kind: 'instance', id: i.id, org: i.org, obj });
    if (feed.lag) held.push(write);
    else write();
    return obj;
  };
  const made = fleet.makeInstance(0xd1, 'web', 'h1', 'stopped');
  const get = (id: string) => state.get('instance', id) ?? assert.fail(`no instance ${id}`);
  const deleted: string[] = [];
  const api: WorkloadApi = {
    createInstance: async () => put(made),
    startInstance: async (id) => put({ ...(latest.get(id) ?? get(id)), state: 'started' }),
    stopInstance: async (id) => put({ ...(latest.get(id) ?? get(id)), state: 'stopped' }),
    deleteInstance: async (id) => {
      deleted.push(id);
    },
  };
  /** Resolves when the workloads next ask for a pass (a request is waiting for one). */
  const asked: (() => void)[] = [];
  const waiting = () => new Promise<void>((resolve) => asked.push(resolve));
  const dir = mkdtempSync(join(tmpdir(), 'sixpn-test-workloads-'));
  dirs.push(dir);
  const w = new Workloads({
    state,
    host: 'h1',
    plan: fleet.plan,
    etcNetnsDir: join(dir, 'etc-netns'),
    netnsTemplate: 'sixpn-i-{id}',
    dir: join(dir, 'workloads'),
    api,
    probe: {
      checkNetns: async () => undefined,
      startTimeOf: async () => undefined,
      holderAlive: async () => false,
      terminate: async () => undefined,
      netnsInUse: async () => false,
    },
    requestPass: () =>
      asked.splice(0).forEach((f) => {
        f();
      }),
    setupTimeoutMs: 5_000,
    log: silentLogger,
  });
  /** A pass that set up the instances given (and failed none). */
  const pass = (set: Instance[]) =>
    w.passed({ desired: { instances: set }, failed: [] } as unknown as ReconcileResult);
  const drop = (id: string) =>
    state.applyChange({ rev: ++rev, op: 'delete', kind: 'instance', id, org: 'acme', obj: get(id) });
  return { w, id: made.id, get, api, pass, drop, deleted, feed, waiting };
}

/** How a pending request ended: 'ok', an error code, or 'pending'. */
function watch(p: Promise<unknown>) {
  const r = { end: 'pending' as string, message: '', ms: 0, settled: Promise.resolve() };
  const t0 = performance.now();
  r.settled = p.then(
    () => {
      r.end = 'ok';
    },
    (e: unknown) => {
      r.end = isSixpnError(e) ? e.code : String(e);
      r.message = e instanceof Error ? e.message : '';
      r.ms = performance.now() - t0;
    },
  );
  return r;
}

test('a request ends once a pass has set its instance up, not before', async () => {
  const s = setUp();
  await s.w.load();
  const asked = s.waiting();
  const r = watch(s.w.create({ app: 'web', key: 'run/1' }));
  await asked;
  await s.pass([]);
  await tick();
  assert.equal(r.end, 'pending', 'a pass that did not set it up');
  await s.pass([s.get(s.id)]);
  await tick();
  assert.equal(r.end, 'ok');
});

test('stopped through the API during its set-up: the request fails at once, naming it', async () => {
  const s = setUp();
  await s.w.load();
  const asked = s.waiting();
  const r = watch(s.w.create({ app: 'web', key: 'run/1' }));
  await asked;
  await s.pass([]);
  assert.equal(r.end, 'pending', 'started and not set up yet');
  await s.api.stopInstance(s.id);
  await s.pass([]);
  await r.settled;
  assert.equal(r.end, 'failed_precondition');
  assert.match(r.message, new RegExp(`instance ${s.id} was stopped during its set-up`));
  assert.ok(r.ms < 1_000, `${r.ms} ms`);
  assert.deepEqual(s.deleted, [s.id], 'the instance it made goes again');
});

test('deleted through the API during its set-up: the request fails at once', async () => {
  const s = setUp();
  await s.w.load();
  const asked = s.waiting();
  const r = watch(s.w.create({ app: 'web', key: 'run/1' }));
  await asked;
  await s.pass([]);
  s.drop(s.id);
  await s.pass([]);
  await r.settled;
  assert.equal(r.end, 'failed_precondition');
  assert.match(r.message, /was deleted during its set-up/);
});

test('the state still showing the instance stopped from before its start does not end the request', async () => {
  const s = setUp();
  await s.w.load();
  s.feed.lag = true; // the state sees neither the creation nor the start yet
  const asked = s.waiting();
  const r = watch(s.w.create({ app: 'web', key: 'run/1' }));
  await asked;
  await s.pass([]);
  s.feed.lag = false;
  s.feed.flush(); // the creation (stopped) then the start
  await s.pass([]);
  await tick();
  assert.equal(r.end, 'pending');
  await s.pass([s.get(s.id)]);
  await tick();
  assert.equal(r.end, 'ok');
});
