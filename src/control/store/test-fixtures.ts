// Shared pieces of the store tests: a seeded random source (src/core/seeded-random.ts), a stepping clock, WireGuard-shaped keys, a small
// fleet, and assertions on error codes. Not a test file itself.

import assert from 'node:assert/strict';
import { type ErrorCode, isSixpnError } from '../../core/errors.ts';
import { type Change, type EntityKind, entityId, type Snapshot } from '../../core/model.ts';
import { seededRandom } from '../../core/seeded-random.ts';
import type { Store } from './store.ts';

/** A clock that starts at `start` and moves one second per reading. */
export function steppingClock(start = '2030-01-01T00:00:00.000Z'): () => Date {
  let t = Date.parse(start);
  return () => {
    const d = new Date(t);
    t += 1000;
    return d;
  };
}

/** A valid WireGuard public key (44 base64 characters) that differs for each `n`. */
export function wgKey(n: number): string {
  const b = Buffer.alloc(32, 7);
  b.writeUInt32BE(n >>> 0, 0);
  return b.toString('base64');
}

export const deterministic = (seed = 1) => ({ random: seededRandom(seed), now: steppingClock() });

/**
 * Regions ord (hosts ord-1, ord-2; gateways gw-ord-1, gw-ord-2), ams (host ams-1), nrt (no machines); org
 * `acme` with apps `web` (private networking) and `batch` (none).
 */
export async function seedFleet(store: Store): Promise<void> {
  await store.createRegion({ code: 'ord', name: 'Chicago', lat: 41.98, lon: -87.9 });
  await store.createRegion({ code: 'ams', name: 'Amsterdam', lat: 52.37, lon: 4.9 });
  await store.createRegion({ code: 'nrt', name: 'Tokyo', lat: 35.76, lon: 140.39 });
  await store.createHost({ name: 'ord-1', region: 'ord', role: 'host' });
  await store.createHost({ name: 'ord-2', region: 'ord', role: 'host' });
  await store.createHost({ name: 'ams-1', region: 'ams', role: 'host' });
  await store.createHost({ name: 'gw-ord-1', region: 'ord', role: 'gateway' });
  await store.createHost({ name: 'gw-ord-2', region: 'ord', role: 'gateway' });
  await store.createOrg('acme');
  await store.createApp({ org: 'acme', name: 'web', private_network: true });
  await store.createApp({ org: 'acme', name: 'batch', private_network: false });
}

/** Asserts that `p` rejects with a SixpnError of `code` whose message matches `message` (when given). */
export async function rejectsWith(
  p: Promise<unknown>,
  code: ErrorCode,
  message?: RegExp,
  details?: Record<string, unknown>,
): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isSixpnError(e), `expected a SixpnError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    for (const [k, v] of Object.entries(details ?? {})) assert.deepEqual(e.details?.[k], v);
    return true;
  });
}

/** Asserts the call fails with `code` and writes nothing: the head revision is unchanged. */
export async function rejectsWithoutWrite(
  store: Store,
  call: () => Promise<unknown>,
  code: ErrorCode,
  message?: RegExp,
  details?: Record<string, unknown>,
): Promise<void> {
  const head = await store.headRevision();
  await rejectsWith(call(), code, message, details);
  assert.equal(await store.headRevision(), head, 'a failed call must not write a revision');
}

type Collections = Omit<Snapshot, 'revision'>;
const COLLECTION: Record<EntityKind, keyof Collections> = {
  org: 'orgs',
  network: 'networks',
  region: 'regions',
  host: 'hosts',
  app: 'apps',
  instance: 'instances',
  peer: 'peers',
};

/** A snapshot as maps from entity id to object: order-free, for comparing states. */
export type State = Record<keyof Collections, Map<string, unknown>>;

export function stateOf(s: Snapshot): State {
  const out = emptyState();
  for (const [kind, key] of Object.entries(COLLECTION) as [EntityKind, keyof Collections][]) {
    for (const obj of s[key]) out[key].set(entityId(kind, obj as { id?: string; code?: string }), obj);
  }
  return out;
}

export function emptyState(): State {
  return {
    orgs: new Map(),
    networks: new Map(),
    regions: new Map(),
    hosts: new Map(),
    apps: new Map(),
    instances: new Map(),
    peers: new Map(),
  };
}

/** Applies change entries in order, as a watcher would. */
export function replay(state: State, changes: readonly Change[]): State {
  for (const c of changes) {
    const m = state[COLLECTION[c.kind]];
    if (c.op === 'put') m.set(c.id, c.obj);
    else {
      assert.ok(m.has(c.id), `rev ${c.rev}: delete of ${c.kind} ${c.id} that the watcher never saw`);
      m.delete(c.id);
    }
  }
  return state;
}

/** Every change entry after `since`, paging through `changesSince`. */
export async function allChangesSince(store: Store, since: number, page = 1000): Promise<Change[]> {
  const out: Change[] = [];
  for (let rev = since; ; ) {
    const { changes } = await store.changesSince(rev, page);
    out.push(...changes);
    if (changes.length < page) return out;
    rev = changes[changes.length - 1]?.rev ?? rev;
  }
}
