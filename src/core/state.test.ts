// LocalState: snapshot load, changes in order (put, delete, replays ignored), heartbeats, and back to a Snapshot.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Change, Host, Region, Snapshot } from './model.ts';
import { LocalState } from './state.ts';
import { gatewayFleet } from './test-fleet.ts';

const T = '2026-01-01T00:00:00Z';
const region = (code: string): Region => ({ code, name: code, lat: 1, lon: 2, created_at: T });
const host = (name: string, endpoint: string | null = null): Host => ({
  id: `id-${name}`,
  name,
  region: 'ord',
  role: 'host',
  num: 1,
  endpoint,
  mesh_key: null,
  peer_key: null,
  peer_endpoint: null,
  created_at: T,
  registered_at: null,
});
const snap: Snapshot = {
  revision: 5,
  orgs: [],
  networks: [],
  regions: [region('ord')],
  hosts: [host('h1')],
  apps: [],
  instances: [],
  peers: [],
};
const put = (rev: number, obj: Host): Change => ({
  rev,
  op: 'put',
  kind: 'host',
  id: obj.id,
  org: null,
  obj,
});

const rows: { name: string; changes: Change[]; applied: boolean[]; rev: number; hosts: string[] }[] = [
  { name: 'nothing', changes: [], applied: [], rev: 5, hosts: ['h1:null'] },
  {
    name: 'a put adds, a later put replaces',
    changes: [put(6, host('h2')), put(7, host('h2', '198.18.1.2:51820'))],
    applied: [true, true],
    rev: 7,
    hosts: ['h1:null', 'h2:198.18.1.2:51820'],
  },
  {
    name: 'a delete removes',
    changes: [{ rev: 6, op: 'delete', kind: 'host', id: 'id-h1', org: null, obj: host('h1') }],
    applied: [true],
    rev: 6,
    hosts: [],
  },
  {
    name: 'changes at or below the revision are ignored',
    changes: [put(5, host('h2')), put(3, host('h3')), put(6, host('h4')), put(6, host('h5'))],
    applied: [false, false, true, false],
    rev: 6,
    hosts: ['h1:null', 'h4:null'],
  },
];
for (const r of rows) {
  test(`LocalState: ${r.name}`, () => {
    const s = new LocalState(snap);
    assert.deepEqual(
      r.changes.map((c) => s.applyChange(c)),
      r.applied,
    );
    assert.equal(s.revision, r.rev);
    assert.deepEqual(
      s.all('host').map((h) => `${h.name}:${h.endpoint}`),
      r.hosts,
    );
  });
}

test('LocalState: regions are keyed by code; snapshot() round-trips', () => {
  const s = new LocalState(snap);
  s.applyChange({ rev: 6, op: 'put', kind: 'region', id: 'nrt', org: null, obj: region('nrt') });
  assert.equal(s.get('region', 'nrt')?.code, 'nrt');
  const again = new LocalState(s.snapshot());
  assert.deepEqual(again.snapshot(), s.snapshot());
  assert.equal(again.revision, 6);
});

test('LocalState: a heartbeat moves the revision forward, never back; a snapshot replaces everything', () => {
  const s = new LocalState(snap);
  s.advance(9);
  s.advance(8);
  assert.equal(s.revision, 9);
  s.applySnapshot({ ...snap, revision: 2, hosts: [] });
  assert.equal(s.revision, 2);
  assert.deepEqual(s.all('host'), []);
});

test('peerNetworks follows puts, moves and deletes as a walk over every peer would', () => {
  const F = gatewayFleet();
  const s = F.state();
  const walk = (gw: string, num?: number) =>
    [
      ...new Set(
        s
          .all('peer')
          .filter((p) => p.gateway === gw && (num === undefined || p.gateway_num === num))
          .map((p) => p.network_num),
      ),
    ].sort((a, b) => a - b);
  const check = () => {
    for (const gw of ['gw1', 'gw2', 'nowhere']) {
      assert.deepEqual(s.peerNetworks(gw), walk(gw), gw);
      assert.deepEqual(s.peerNetworks(gw, 9), walk(gw, 9), `${gw} as 9`);
    }
  };
  check();
  let rev = s.revision;
  const put = (obj: ReturnType<typeof F.makePeer>) =>
    s.applyChange({ rev: ++rev, op: 'put', kind: 'peer', id: obj.id, org: obj.org, obj });
  const tablet = F.makePeer('tablet', 'globex', 'gw1', 3);
  put(tablet);
  check();
  put(F.makePeer('tablet', 'globex', 'gw2', 1)); // moved to another gateway
  check();
  put({ ...F.makePeer('ci', 'acme', 'gw1', 2), gateway_num: 77 }); // claims another number
  check();
  for (const p of s.all('peer'))
    s.applyChange({ rev: ++rev, op: 'delete', kind: 'peer', id: p.id, org: p.org, obj: p });
  check();
  assert.deepEqual(s.peerNetworks('gw1'), []);
  s.applySnapshot(F.snapshot({ revision: ++rev }));
  check();
  assert.deepEqual(s.peerNetworks('gw1', 9), walk('gw1', 9));
  assert.notDeepEqual(walk('gw1', 9), []);
});
