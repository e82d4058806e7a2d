// PostgreSQL restarted (pg_ctl restart -m fast) while clients create instances through the HTTP API: every
// request succeeds or fails clearly (503 `unavailable` saying the database is unreachable, never a hang or a
// crash), every success is there afterwards, no id or address twice, the change log stays gap-free, the watch
// stream delivers every revision once (also one committed by another process: LISTEN reconnected), and the
// same server process serves normally afterwards.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiClient } from '../../src/client/api-client.ts';
import { openStore } from '../../src/control/store/open.ts';
import { SixpnError } from '../../src/core/errors.ts';
import { createDatabase, type PgServer, postgresUnavailable, startPostgres } from '../support/postgres.ts';
import {
  ADMIN,
  type ControlPlane,
  changeRevisions,
  firstGap,
  sleep,
  startControlPlane,
} from './control-plane-process.ts';

const CLIENTS = 8;
const CLIENT_TIMEOUT_MS = 10_000;

interface Outcome {
  start: number;
  end: number;
  ok?: { id: string; address: string | null };
  error?: SixpnError;
}

test('PostgreSQL restarted under load: clear failures, no lost or doubled write, gap-free revisions', {
  skip: postgresUnavailable(),
  timeout: 60_000,
}, async (t) => {
  let pgServer: PgServer | undefined;
  let cp: ControlPlane | undefined;
  const stopWatch = new AbortController();
  t.after(async () => {
    stopWatch.abort();
    await cp?.kill();
    await pgServer?.stop();
  });
  pgServer = await startPostgres();
  const db = await createDatabase(pgServer.url);
  cp = await startControlPlane(db);
  const api = new ApiClient({ baseUrl: cp.url, token: ADMIN, timeoutMs: CLIENT_TIMEOUT_MS });
  await api.createOrg('acme');
  await api.createRegion({ code: 'ord', name: 'Chicago', lat: 41.9, lon: -87.6 });
  for (let h = 0; h < 4; h++) await api.createHost({ name: `ord-${h}`, region: 'ord' });
  await api.createApp('acme', { name: 'web', private_network: true });
  const since = (await api.snapshot()).revision;

  // A watcher from before the load: it must see every later revision exactly once, in order.
  const watched: number[] = [];
  const watching = (async () => {
    for await (const ev of api.watchChanges(since, stopWatch.signal, {
      minBackoffMs: 100,
      maxBackoffMs: 1000,
    })) {
      if (ev.type === 'change') watched.push(ev.change.rev);
    }
  })();

  const outcomes: Outcome[] = [];
  const now = () => performance.now();
  let stop = false;
  const worker = async () => {
    while (!stop) {
      const o: Outcome = { start: now(), end: 0 };
      try {
        const i = await api.createInstance('acme', 'web', { region: 'ord' });
        o.ok = { id: i.id, address: i.address };
      } catch (e) {
        o.error = e instanceof SixpnError ? e : new SixpnError('internal', String(e));
      }
      o.end = now();
      outcomes.push(o);
      // Failing requests come back fast while the database is down: do not spin on the two cores.
      if (o.error) await sleep(20);
    }
  };
  const load = Promise.all(Array.from({ length: CLIENTS }, worker));
  // First the restart as an operator runs it, then one that keeps the database down for 1.5 s (new connections
  // refused, the LISTEN connection reconnecting in vain for a while).
  await sleep(1500);
  const restartAt = now();
  await pgServer.restart();
  const restartedAt = now();
  await sleep(1500);
  const downAt = now();
  await pgServer.restart({ downMs: 1500 });
  const upAt = now();
  await sleep(2500);
  stop = true;
  await load;

  // The same server process serves normally afterwards: sequential creates all succeed.
  assert.equal(cp.exit(), undefined, `the control plane exited: ${cp.stderr()}`);
  for (let i = 0; i < 10; i++) {
    const inst = await api.createInstance('acme', 'web', { region: 'ord' });
    outcomes.push({ start: now(), end: now(), ok: { id: inst.id, address: inst.address } });
  }

  const failed = outcomes.filter((o) => o.error);
  const succeeded = outcomes.filter((o) => o.ok);
  for (const o of failed) {
    const e = o.error as SixpnError;
    assert.equal(e.code, 'unavailable', `a request failed with ${e.code}: ${e.message}`);
    assert.match(e.message, /database/, `the failure does not say the database is the problem: ${e.message}`);
    assert.ok(o.end - o.start < CLIENT_TIMEOUT_MS, `a request hung for ${Math.round(o.end - o.start)} ms`);
  }
  assert.ok(succeeded.length > 50, `only ${succeeded.length} creations succeeded`);

  // Every success is there, with its address; no id or address twice.
  const listed = await api.listInstances({ org: 'acme' });
  const byId = new Map(listed.map((i) => [i.id, i.address]));
  assert.equal(byId.size, listed.length, 'an instance id is listed twice');
  assert.equal(new Set(listed.map((i) => i.address)).size, listed.length, 'an address is listed twice');
  for (const o of succeeded) {
    assert.equal(
      byId.get(o.ok?.id as string),
      o.ok?.address,
      `instance ${o.ok?.id} was acknowledged but is gone`,
    );
  }
  // A failed request may still have committed (the connection broke during COMMIT), never more than that.
  assert.ok(listed.length >= succeeded.length && listed.length <= outcomes.length);

  // The LISTEN connection came back: a commit by another process (a second store on the same database, as a
  // replica would make) reaches the server's watch stream.
  const other = await openStore(db, { poolSize: 1 });
  try {
    await other.createRegion({ code: 'nrt', name: 'Tokyo', lat: 35.7, lon: 139.7 });
  } finally {
    await other.close();
  }

  // The change log: gap-free from 1 to the head; the watcher saw every revision after `since` once, in order.
  const revs = await changeRevisions(db);
  assert.equal(firstGap(revs, 1), undefined);
  const head = revs.at(-1) as number;
  const deadline = Date.now() + 10_000;
  while (watched.at(-1) !== head && Date.now() < deadline) await sleep(50);
  assert.equal(firstGap(watched, since + 1), undefined);
  assert.equal(watched.at(-1), head, `the watcher stopped at ${watched.at(-1)}; the head is ${head}`);
  stopWatch.abort();
  await watching;

  assert.equal(cp.exit(), undefined, `the control plane exited: ${cp.stderr()}`);
  const ms = (x: number) => Math.round(x);
  const window = (from: number, to: number, at: number) => {
    const f = failed.filter((o) => o.end >= from && o.end < to);
    if (f.length === 0) return 'none failed';
    const ends = f.map((o) => o.end - at);
    return `${f.length} failed, ending ${ms(Math.min(...ends))}–${ms(Math.max(...ends))} ms after it began`;
  };
  t.diagnostic(
    `${outcomes.length} requests: ${succeeded.length} succeeded, ${failed.length} failed (all 503 unavailable)`,
  );
  t.diagnostic(
    `pg_ctl restart -m fast took ${ms(restartedAt - restartAt)} ms: ${window(restartAt, downAt, restartAt)}`,
  );
  t.diagnostic(`stop, 1.5 s down, start took ${ms(upAt - downAt)} ms: ${window(downAt, Infinity, downAt)}`);
  const messages = new Set(failed.map((o) => (o.error as SixpnError).message.replace(/\(.*\)/, '(…)')));
  t.diagnostic(`messages: ${[...messages].join(' | ')}`);
});
