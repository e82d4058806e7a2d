// The watch hub over a real (SQLite) store whose reads can be held or made to fail: a stream that reads history
// while the hub moves on misses nothing, and a commit whose fetch failed (database down) still reaches streams.

import assert from 'node:assert/strict';
import { after, afterEach, describe, test } from 'node:test';
import type { Change } from '../core/model.ts';
import { silentLogger } from '../lib/log.ts';
import { openStore } from './store/open.ts';
import type { ChangePage, Scope, Store } from './store/store.ts';
import { type HubStore, WatchHub } from './watch-hub.ts';

/** Where a held read waits until the test releases it. */
class Gate {
  #open: (() => void) | undefined;
  wait(): Promise<void> {
    return new Promise<void>((r) => {
      this.#open = r;
    });
  }
  release(): void {
    this.#open?.();
  }
  /** Whether a read has come to wait here. */
  get holding(): boolean {
    return this.#open !== undefined;
  }
}

/** The store as the hub sees it, with hooks on `changesSince`: hold a read after it ran, or fail reads. */
class HookedStore implements HubStore {
  /** When set, a read from this `since` waits at `gate` after it read (its result is then stale). */
  holdSince: number | undefined;
  readonly gate = new Gate();
  /** Reads that fail before reaching the database. */
  failReads = 0;
  failed = 0;

  constructor(readonly store: Store) {}

  onCommit = (l: (head: number) => void) => this.store.onCommit(l);
  headRevision = () => this.store.headRevision();

  async changesSince(since: number, limit: number, scope?: Scope): Promise<ChangePage> {
    if (this.failReads > 0) {
      this.failReads--;
      this.failed++;
      throw new Error('Connection terminated unexpectedly');
    }
    const page = await this.store.changesSince(since, limit, scope);
    if (since === this.holdSince) {
      this.holdSince = undefined;
      await this.gate.wait();
    }
    return page;
  }
}

const region = (code: string) => ({ code, name: code, lat: 1, lon: 2 });
const until = async (cond: () => boolean, what: string) => {
  const deadline = Date.now() + 3000;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

/** Collects the changes of a stream in the background. */
function collect(hub: WatchHub, since: number, signal: AbortSignal) {
  const got: Change[] = [];
  const done = (async () => {
    for await (const ev of hub.stream(since, {}, signal)) if ('change' in ev) got.push(ev.change);
  })();
  return { got, done };
}

describe('WatchHub', () => {
  const stores: Store[] = [];
  let cleanup: (() => void) | undefined;
  // A failed assertion must not leave a stream waiting (it would keep the process alive).
  afterEach(() => cleanup?.());
  after(() => Promise.all(stores.map((s) => s.close())));
  /** A store with regions `before` committed, then a hub over it (so nothing before is buffered). */
  const setup = async (...before: string[]) => {
    const store = await openStore('sqlite::memory:');
    stores.push(store);
    for (const c of before) await store.createRegion(region(c));
    const hooked = new HookedStore(store);
    const hub = new WatchHub(hooked, { logger: silentLogger, heartbeatMs: 60_000, retryMinMs: 10 });
    const ctl = new AbortController();
    cleanup = () => {
      ctl.abort();
      hooked.gate.release();
      hub.close();
    };
    return { store, hooked, hub, signal: ctl.signal };
  };

  test('a stream reading history while the hub moves past it still gets every later change', async () => {
    const { store, hooked, hub, signal } = await setup('r1', 'r2', 'r3');
    await hub.start(); // head 3, nothing buffered: a stream from 0 reads the store
    hooked.holdSince = 0;
    const s = collect(hub, 0, signal);
    await until(() => hooked.gate.holding, 'the stream to read history');
    // Commits while that read is held: the hub fetches and buffers them, its head moves to 5.
    await store.createRegion(region('r4'));
    await store.createRegion(region('r5'));
    await until(() => s.got.length === 0 && hub.fetchedHead === 5, 'the hub to reach 5');
    hooked.gate.release();
    await until(() => s.got.length >= 5, 'five changes on the stream');
    assert.deepEqual(
      s.got.map((c) => c.rev),
      [1, 2, 3, 4, 5],
    );
    cleanup?.();
    await s.done;
  });

  test('a commit whose fetch failed reaches waiting streams once the database answers again', async () => {
    const { store, hooked, hub, signal } = await setup('r1');
    await hub.start();
    const s = collect(hub, 1, signal);
    hooked.failReads = 3; // the database is down when the hub fetches the commit
    await store.createRegion(region('r2'));
    await until(() => s.got.length === 1, 'the change after the failed fetches');
    assert.equal(hooked.failed, 3);
    assert.deepEqual(
      s.got.map((c) => c.rev),
      [2],
    );
    cleanup?.();
    await s.done;
  });

  test('close stops retrying', async () => {
    const { store, hooked, hub } = await setup();
    await hub.start();
    hooked.failReads = 1000;
    await store.createRegion(region('r1'));
    await until(() => hooked.failed >= 2, 'a retry');
    hub.close();
    const n = hooked.failed;
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(hooked.failed <= n + 1, `still fetching after close: ${hooked.failed - n} more reads`);
  });
});

/** A log in memory whose commits tell the hub their changes (as a local commit does) or only their head. */
class HandingStore implements HubStore {
  readonly log: Change[] = [];
  reads = 0;
  /** When set, the next read waits at `gate` after it read. */
  hold = false;
  readonly gate = new Gate();
  #listeners: ((head: number, changes?: readonly Change[]) => void)[] = [];

  onCommit = (l: (head: number, changes?: readonly Change[]) => void) => {
    this.#listeners.push(l);
    return () => {};
  };
  headRevision = async () => this.log.length;
  async changesSince(since: number, limit: number): Promise<ChangePage> {
    this.reads++;
    const page = { changes: this.log.filter((c) => c.rev > since).slice(0, limit), head: this.log.length };
    if (this.hold) {
      this.hold = false;
      await this.gate.wait();
    }
    return page;
  }

  /** Commits `n` changes; tells `head` with them (`hand`), without them, or not at all. */
  commit(n: number, tell: 'hand' | 'head' | 'none'): Change[] {
    const made = Array.from({ length: n }, () => {
      const rev = this.log.length + 1;
      const obj = { code: `r${rev}`, name: 'r', lat: 1, lon: 2, created_at: '' };
      const c: Change = { rev, op: 'put', kind: 'region', id: obj.code, org: null, obj };
      this.log.push(c);
      return c;
    });
    if (tell !== 'none')
      for (const l of this.#listeners) l(this.log.length, tell === 'hand' ? made : undefined);
    return made;
  }

  /** Tells `head` with `changes` again (what the store's dedup prevents; the hub must not repeat them). */
  tell(head: number, changes?: readonly Change[]): void {
    for (const l of this.#listeners) l(head, changes);
  }
}

describe('WatchHub with changes handed over by local commits', () => {
  test('handed-over changes reach streams with no read; a gap or a bare head is read; nothing twice', async () => {
    const store = new HandingStore();
    const hub = new WatchHub(store, { logger: silentLogger, heartbeatMs: 60_000 });
    const ctl = new AbortController();
    try {
      await hub.start();
      const s = collect(hub, 0, ctl.signal);
      store.commit(2, 'hand');
      await until(() => s.got.length === 2, 'the handed-over changes');
      assert.equal(store.reads, 0, 'no read for changes handed over');
      store.commit(1, 'head');
      await until(() => s.got.length === 3, 'a change told by its head');
      assert.equal(store.reads, 1);
      store.commit(1, 'none'); // another replica's commit, not heard yet
      store.commit(1, 'hand'); // does not follow on from the hub's head 3: read
      await until(() => s.got.length === 5, 'the changes after a gap');
      assert.equal(store.reads, 2);
      store.hold = true;
      const [c6] = store.commit(1, 'head'); // the read of 6 is held…
      await until(() => store.gate.holding, 'the held read');
      store.tell(6, [c6!]); // …while 6 is handed over: taken at once, and the read's copy is dropped
      await until(() => s.got.length === 6, 'the handed-over 6');
      store.gate.release();
      store.commit(1, 'hand');
      await until(() => s.got.length === 7, 'the change after');
      assert.deepEqual(
        s.got.map((c) => c.rev),
        [1, 2, 3, 4, 5, 6, 7],
      );
      const late = collect(hub, 0, ctl.signal); // from the hub's buffer
      await until(() => late.got.length >= 7, 'a later stream');
      assert.deepEqual(
        late.got.map((c) => c.rev),
        [1, 2, 3, 4, 5, 6, 7],
        'the buffer holds each change once',
      );
      ctl.abort();
      await Promise.all([s.done, late.done]);
    } finally {
      ctl.abort();
      store.gate.release();
      hub.close();
    }
  });
});
