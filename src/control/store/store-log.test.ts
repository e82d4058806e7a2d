// Store suite, part 4: the change log. Consecutive revisions per entry, none for no-ops or failures,
// cascades with one entry per object, ordered/limited/scoped reads, pruning and resync, snapshots.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachBackend } from '../../../test/support/postgres.ts';
import type { Snapshot } from '../../core/model.ts';
import type { Store } from './store.ts';
import {
  allChangesSince,
  deterministic,
  emptyState,
  rejectsWith,
  replay,
  seedFleet,
  stateOf,
  wgKey,
} from './test-fixtures.ts';

async function twoOrgs(s: Store): Promise<void> {
  await seedFleet(s);
  await s.createOrg('beta');
  await s.createApp({ org: 'beta', name: 'db', private_network: true });
  await s.createInstance({ org: 'acme', app: 'web', region: 'ord' });
  await s.createInstance({ org: 'beta', app: 'db', region: 'ams' });
  await s.createPeer({ org: 'beta', network: 'default', name: 'ci', region: 'ord', public_key: wgKey(3) });
}

/** The chunks joined. */
async function textOf(chunks: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const c of chunks) text += c;
  return text;
}

forEachBackend('store change log', (b) => {
  test('each change gets the next revision; no-ops and failures write none; onCommit tells each head', async () => {
    const s = await b.open(deterministic());
    const heads: number[] = [];
    s.onCommit((h) => heads.push(h));
    const org = await s.createOrg('acme'); // org + default network
    assert.equal(await s.headRevision(), 2);
    await s.createRegion({ code: 'ord', name: 'Chicago', lat: 41.98, lon: -87.9 });
    await s.createHost({ name: 'ord-1', region: 'ord', role: 'host' });
    await s.createApp({ org: 'acme', name: 'web', private_network: true });
    const inst = await s.createInstance({ org: 'acme', app: 'web', region: 'ord' });
    assert.equal(await s.headRevision(), 6);
    const { changes } = await s.changesSince(0, 100);
    assert.deepEqual(
      changes.map((c) => [c.rev, c.op, c.kind, c.org]),
      [
        [1, 'put', 'org', 'acme'],
        [2, 'put', 'network', 'acme'],
        [3, 'put', 'region', null],
        [4, 'put', 'host', null],
        [5, 'put', 'app', 'acme'],
        [6, 'put', 'instance', 'acme'],
      ],
    );
    assert.deepEqual(changes[0]?.obj, org);
    assert.deepEqual(changes[5]?.obj, inst);
    assert.equal(changes[2]?.id, 'ord');

    await s.setInstanceState(inst.id, 'started'); // already started
    const reg = { endpoint: '198.18.0.2:51820', mesh_key: wgKey(1) };
    await s.registerHost('ord-1', reg);
    await s.registerHost('ord-1', reg);
    await rejectsWith(s.createOrg('acme'), 'already_exists');
    await rejectsWith(s.createInstance({ org: 'acme', app: 'web', region: 'ams' }), 'not_found');
    assert.equal(await s.headRevision(), 7, 'only the first registration wrote a revision');
    assert.deepEqual(heads, [2, 3, 4, 5, 6, 7]);
  });

  test('deleteOrg writes one delete per object, children first, with the objects as they were', async () => {
    const s = await b.open(deterministic());
    await twoOrgs(s);
    await s.createNetwork('acme', 'staging');
    await s.createApp({ org: 'acme', name: 'api', network: 'staging', private_network: true });
    await s.createInstance({ org: 'acme', app: 'api', region: 'ord' });
    await s.createPeer({
      org: 'acme',
      network: 'staging',
      name: 'laptop',
      region: 'ord',
      public_key: wgKey(1),
    });
    await s.createToken({ kind: 'org', name: 'deploy', org: 'acme' }, 'a'.repeat(64));
    const before = await s.snapshot({ org: 'acme' });
    const head = before.revision;
    await s.deleteOrg('acme');
    const { changes } = await s.changesSince(head, 100);
    assert.deepEqual(
      changes.map((c) => c.rev),
      changes.map((_, i) => head + 1 + i),
    );
    assert.ok(changes.every((c) => c.op === 'delete' && c.org === 'acme'));
    assert.deepEqual(
      changes.map((c) => c.kind),
      ['instance', 'instance', 'peer', 'app', 'app', 'app', 'network', 'network', 'org'],
    );
    const gone = replay(stateOf(before), changes);
    for (const m of Object.values(gone)) {
      for (const obj of m.values()) assert.ok(!('org' in (obj as object)), 'every acme object was deleted');
    }
    const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1);
    assert.deepEqual(
      changes.filter((c) => c.kind === 'instance').map((c) => c.obj),
      [...before.instances].sort(byId),
    );
    assert.deepEqual(await s.listTokens({ kind: 'org' }), []);
    assert.equal((await s.snapshot({ org: 'beta' })).instances.length, 1, 'beta is untouched');
  });

  test('deleteApp deletes its instances first, each with its own revision', async () => {
    const s = await b.open(deterministic());
    await seedFleet(s);
    const i1 = await s.createInstance({ org: 'acme', app: 'web', region: 'ord' });
    const i2 = await s.createInstance({ org: 'acme', app: 'web', region: 'ams' });
    const other = await s.createInstance({ org: 'acme', app: 'batch', region: 'ord' });
    const head = await s.headRevision();
    await s.deleteApp('acme', 'web');
    const { changes } = await s.changesSince(head, 100);
    assert.deepEqual(
      changes.map((c) => [c.rev, c.op, c.kind, c.id]),
      [
        ...[i1, i2]
          .sort((x, y) => (x.id < y.id ? -1 : 1))
          .map((i, n) => [head + 1 + n, 'delete', 'instance', i.id]),
        [head + 3, 'delete', 'app', changes[2]?.id],
      ],
    );
    assert.deepEqual(await s.listInstances(), [other]);
  });

  test('changesSince: ascending, limited, paged, scoped to an org plus regions and hosts', async () => {
    const s = await b.open(deterministic());
    await twoOrgs(s);
    const head = await s.headRevision();
    const all = await s.changesSince(0, 1000);
    assert.equal(all.head, head);
    assert.deepEqual(
      all.changes.map((c) => c.rev),
      Array.from({ length: head }, (_, i) => i + 1),
    );
    const page = await s.changesSince(3, 4);
    assert.deepEqual(
      page.changes.map((c) => c.rev),
      [4, 5, 6, 7],
    );
    assert.deepEqual(await allChangesSince(s, 0, 3), all.changes);
    const beta = await s.changesSince(0, 1000, { org: 'beta' });
    assert.ok(beta.changes.every((c) => c.org === null || c.org === 'beta'));
    assert.deepEqual(
      beta.changes.map((c) => c.rev),
      all.changes.filter((c) => c.org === null || c.org === 'beta').map((c) => c.rev),
    );
    assert.ok(beta.changes.some((c) => c.kind === 'region') && beta.changes.some((c) => c.kind === 'peer'));
    await rejectsWith(s.changesSince(-1, 10), 'invalid_argument', /since/);
    await rejectsWith(s.changesSince(0, 0), 'invalid_argument', /limit/);
    await rejectsWith(s.changesSince(head + 1, 10), 'resync_required', /newer than the store's head/);
    assert.deepEqual(await s.changesSince(head, 10), { changes: [], head });
  });

  test('pruneChanges drops old entries; a watcher behind them must resync', async () => {
    const s = await b.open(deterministic());
    await seedFleet(s);
    const head = await s.headRevision(); // 12 entries
    assert.equal(head, 12);
    assert.equal(await s.pruneChanges(4), 8);
    assert.equal(await s.pruneChanges(4), 0);
    assert.equal(await s.headRevision(), head, 'pruning writes no revision');
    assert.deepEqual(
      (await s.changesSince(8, 100)).changes.map((c) => c.rev),
      [9, 10, 11, 12],
    );
    await rejectsWith(
      s.changesSince(7, 100),
      'resync_required',
      /^revision 7 is older than the retained history \(oldest 9\); fetch \/v1\/snapshot and watch from its revision$/,
    );
    assert.equal(await s.pruneChanges(0), 4);
    assert.deepEqual((await s.changesSince(12, 100)).changes, []);
    await rejectsWith(s.changesSince(11, 100), 'resync_required', /oldest 13/);
    await s.createOrg('later');
    assert.deepEqual(
      (await s.changesSince(12, 100)).changes.map((c) => c.rev),
      [13, 14],
    );
  });

  test('snapshot: scoped to an org (plus all regions and hosts), at the revision it reports', async () => {
    const s = await b.open(deterministic());
    await twoOrgs(s);
    const full = await s.snapshot();
    assert.equal(full.revision, await s.headRevision());
    assert.deepEqual(full.orgs, await s.listOrgs());
    assert.deepEqual(full.instances, await s.listInstances());
    assert.deepEqual(full.peers, await s.listPeers());
    assert.deepEqual(stateOf(full), replay(emptyState(), await allChangesSince(s, 0)));
    const beta = await s.snapshot({ org: 'beta' });
    assert.deepEqual(
      beta.orgs.map((o) => o.name),
      ['beta'],
    );
    for (const key of ['networks', 'apps', 'instances', 'peers'] as const) {
      assert.ok(beta[key].length > 0, key);
      assert.ok(
        beta[key].every((x) => x.org === 'beta'),
        key,
      );
    }
    assert.deepEqual(beta.regions, full.regions);
    assert.deepEqual(beta.hosts, full.hosts);
    assert.deepEqual((await s.snapshot({ org: 'nobody' })).orgs, []);
  });

  test('snapshotJson: the same text as JSON.stringify(snapshot()), read page by page', async () => {
    const s = await b.open({ ...deterministic(), snapshotPage: 2 }); // every section crosses pages
    await twoOrgs(s);
    for (let i = 0; i < 5; i++) await s.createInstance({ org: 'acme', app: 'web', region: 'ord' });
    for (const scope of [{}, { org: 'beta' }, { org: 'acme' }, { org: 'nobody' }]) {
      const text = await textOf(s.snapshotJson(scope));
      assert.equal(text, JSON.stringify(await s.snapshot(scope)), JSON.stringify(scope));
    }
    assert.equal(JSON.parse(await textOf(s.snapshotJson())).instances.length, 7);
  });

  test('snapshotJson is read as it is taken: a reader paused mid-text blocks no write and sees none', async () => {
    const s = await b.open({ ...deterministic(), snapshotPage: 2 });
    await twoOrgs(s);
    for (let i = 0; i < 40; i++) await s.createInstance({ org: 'acme', app: 'web', region: 'ord' });
    const before = JSON.stringify(await s.snapshot());
    const it = s.snapshotJson()[Symbol.asyncIterator]();
    let text = '';
    const first = await it.next();
    text += first.done ? '' : first.value;
    // Writes while the reader holds its read open (a slow client): they commit, the text does not see them.
    await s.createOrg('gamma');
    await s.createInstance({ org: 'acme', app: 'web', region: 'ord' });
    for (let r = await it.next(); !r.done; r = await it.next()) text += r.value;
    assert.equal(text, before);
    assert.equal((await s.snapshot()).instances.length, 43);
    // Ending early ends the read; the store goes on.
    const early = s.snapshotJson()[Symbol.asyncIterator]();
    await early.next();
    await early.return?.(undefined);
    await s.createOrg('delta');
  });

  test('snapshot taken during concurrent writes equals the replay of the log up to its revision', async () => {
    const s = await b.open({ ...deterministic(), snapshotPage: 3 });
    await seedFleet(s);
    const writes = Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0
        ? s.createInstance({ org: 'acme', app: 'web', region: 'ord' })
        : s.createNetwork('acme', `n${i}`),
    );
    const asText = async () => JSON.parse(await textOf(s.snapshotJson())) as Snapshot;
    const snaps = await Promise.all([s.snapshot(), s.snapshot(), asText(), ...writes.slice(0, 1)]);
    await Promise.all(writes);
    const log = await allChangesSince(s, 0);
    for (const snap of snaps.slice(0, 3) as Snapshot[]) {
      const upTo = log.filter((c) => c.rev <= snap.revision);
      assert.deepEqual(stateOf(snap), replay(emptyState(), upTo), `snapshot at ${snap.revision}`);
    }
    const end = await s.snapshot();
    assert.deepEqual(stateOf(end), replay(emptyState(), log));
  });
});
