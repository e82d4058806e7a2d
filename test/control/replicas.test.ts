// Two control-plane replicas (`sixpn server` processes) on one PostgreSQL: writes through either, and every
// watch stream of either delivers every change exactly once, in order (own commits arrive by the in-process
// notification, the other replica's by LISTEN/NOTIFY; late watchers read history while writes go on). Then
// one replica is SIGKILLed: a watcher and a writer given both URLs go on with the other, missing nothing.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiClient } from '../../src/client/api-client.ts';
import type { Change } from '../../src/core/model.ts';
import { createDatabase, type PgServer, postgresUnavailable, startPostgres } from '../support/postgres.ts';
import {
  ADMIN,
  type ControlPlane,
  changeLog,
  type LoggedChange,
  sleep,
  startControlPlane,
} from './control-plane-process.ts';

const WATCHERS_PER_REPLICA = 3;
const WRITERS = 4;
const ROUNDS = 25;

interface Watcher {
  name: string;
  client: ApiClient;
  since: number;
  got: Change[];
  /** performance.now() of each change's arrival. */
  at: number[];
  error?: unknown;
  ctl: AbortController;
  done: Promise<void>;
}

function watch(name: string, baseUrl: string, since: number): Watcher {
  const client = new ApiClient({ baseUrl, token: ADMIN });
  const ctl = new AbortController();
  const w: Watcher = { name, client, since, got: [], at: [], ctl, done: Promise.resolve() };
  w.done = (async () => {
    for await (const ev of client.watchChanges(since, ctl.signal)) {
      if (ev.type !== 'change') continue;
      w.got.push(ev.change);
      w.at.push(performance.now());
    }
  })().catch((e: unknown) => {
    w.error = e;
  });
  return w;
}

async function untilHead(ws: Watcher[], head: number, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && ws.some((w) => (w.got.at(-1)?.rev ?? w.since) < head && !w.error)) {
    await sleep(25);
  }
}

/** Each watcher saw exactly the log after its `since`, in order, with the same content. */
function assertExact(ws: Watcher[], log: LoggedChange[]): void {
  for (const w of ws) {
    assert.equal(w.error, undefined, `${w.name} failed: ${String(w.error)}`);
    const want = log.filter((c) => c.rev > w.since);
    const revs = w.got.map((c) => c.rev);
    assert.deepEqual(
      revs,
      want.map((c) => c.rev),
      `${w.name} (from ${w.since}) saw revisions out of order, twice or not at all`,
    );
    const got = w.got.map(({ rev, op, kind, id, org, obj }) => ({ rev, op, kind, id, org, obj }));
    assert.deepEqual(got, want, `${w.name} saw different content`);
  }
}

test('two replicas on one PostgreSQL: exactly-once ordered watch streams from either, failover on SIGKILL', {
  skip: postgresUnavailable(),
  timeout: 60_000,
}, async (t) => {
  let pgServer: PgServer | undefined;
  const planes: ControlPlane[] = [];
  const watchers: Watcher[] = [];
  t.after(async () => {
    for (const w of watchers) w.ctl.abort();
    await Promise.all(planes.map((p) => p.kill()));
    await pgServer?.stop();
  });
  pgServer = await startPostgres();
  const db = await createDatabase(pgServer.url);
  const a = await startControlPlane(db);
  planes.push(a);
  const apiA = new ApiClient({ baseUrl: a.url, token: ADMIN });
  await apiA.createOrg('acme');
  await apiA.createRegion({ code: 'ord', name: 'Chicago', lat: 41.9, lon: -87.6 });
  // B starts on a store with history: its hub has nothing buffered, so B's late watchers read the store.
  const b = await startControlPlane(db);
  planes.push(b);
  const apiB = new ApiClient({ baseUrl: b.url, token: ADMIN });
  const replicas = [apiA, apiB];
  for (let h = 0; h < 4; h++) await replicas[h % 2]?.createHost({ name: `ord-${h}`, region: 'ord' });
  await apiB.createApp('acme', { name: 'web', private_network: true });
  const since = (await apiA.snapshot()).revision;
  for (let i = 0; i < WATCHERS_PER_REPLICA; i++) {
    watchers.push(watch(`A${i}`, a.url, since), watch(`B${i}`, b.url, since));
  }
  await sleep(300); // the streams are open before the first write

  // Writers alternate between the replicas: creates, and stops of earlier instances through the other one.
  const created: string[] = [];
  let rounds = 0;
  const writer = async (n: number) => {
    for (let k = 0; k < ROUNDS; k++) {
      const via = replicas[(n + k) % 2] as ApiClient;
      const other = replicas[(n + k + 1) % 2] as ApiClient;
      created.push((await via.createInstance('acme', 'web', { region: 'ord' })).id);
      if (k % 3 === 2) await other.stopInstance(created[created.length - 3] as string);
      // Halfway, watchers join from revision 0 on each replica: they read history while writes go on.
      if (++rounds === (WRITERS * ROUNDS) / 2)
        watchers.push(watch('A-late', a.url, 0), watch('B-late', b.url, 0));
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, (_, n) => writer(n)));
  let log = await changeLog(db);
  await untilHead(watchers, log.at(-1)?.rev ?? 0);
  assertExact(watchers, log);
  const phase1 = log.filter((c) => c.rev > since).length;

  // Failover: a watcher and a writer that know both replicas, on A first.
  const both = `${a.url},${b.url}`;
  const head1 = log.at(-1)?.rev ?? 0;
  const f = watch('failover', both, head1);
  watchers.push(f);
  await apiA.createRegion({ code: 'nrt', name: 'Tokyo', lat: 35.7, lon: 139.7 });
  await untilHead([f], head1 + 1);
  assert.equal(f.got.length, 1, 'the failover watcher is not streaming');
  assert.equal(f.client.baseUrl, a.url);
  for (const w of watchers.filter((w) => w.name.startsWith('A'))) w.ctl.abort(); // they know only A

  const writerBoth = new ApiClient({ baseUrl: both, token: ADMIN });
  const killAt = performance.now();
  await a.kill('SIGKILL');
  const killedAt = performance.now();
  // Writes go on, through the client that knows both (its first POST finds A refusing and goes to B).
  const firstWriteStart = performance.now();
  await writerBoth.createInstance('acme', 'web', { region: 'ord' });
  const firstWriteMs = performance.now() - firstWriteStart;
  assert.equal(writerBoth.baseUrl, b.url);
  for (let i = 0; i < 20; i++) {
    await writerBoth.createInstance('acme', 'web', { region: 'ord' });
    await sleep(25);
  }
  log = await changeLog(db);
  const head2 = log.at(-1)?.rev ?? 0;
  const live = watchers.filter((w) => !w.name.startsWith('A'));
  await untilHead(live, head2);
  assertExact(live, log);
  assert.equal(f.client.baseUrl, b.url, 'the failover watcher is not on B');
  const firstAfterKill = f.at.find((x) => x > killAt) as number;
  assert.ok(firstAfterKill !== undefined);
  assert.equal(b.exit(), undefined, `replica B exited: ${b.stderr()}`);

  t.diagnostic(
    `phase 1: ${phase1} changes written alternately through 2 replicas, ${WATCHERS_PER_REPLICA} watchers on each ` +
      '+ 1 late joiner on each: every one saw every revision once, in order',
  );
  t.diagnostic(
    `failover: SIGKILL of A (exit seen after ${Math.round(killedAt - killAt)} ms) → the watcher's next change ` +
      `from B ${Math.round(firstAfterKill - killAt)} ms after the kill; the first write after the kill (A refused, ` +
      `B answered) took ${Math.round(firstWriteMs)} ms`,
  );
});
