// Store suite, part 7: join tokens. A join consumes one use and creates and registers the host with its token in one
// transaction; a used, expired, revoked or unknown token, or a taken name without `replace`, changes nothing
// (no revision, no host, no token, no use counted). Token rotation replaces a host's tokens.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachBackend } from '../../../test/support/postgres.ts';
import { hashSecret } from '../auth.ts';
import type { Store } from './store.ts';
import { deterministic, rejectsWithoutWrite, wgKey } from './test-fixtures.ts';

const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const inAnHour = new Date(T0 + 3_600_000).toISOString();

/** What a refused join must leave as it was: hosts, tokens and join tokens. */
async function everything(s: Store) {
  return JSON.stringify([await s.listHosts(), await s.listTokens(), await s.listJoinTokens()]);
}

async function refusedJoin(s: Store, join: Parameters<Store['joinHost']>[0], message: RegExp) {
  const before = await everything(s);
  await rejectsWithoutWrite(
    s,
    () => s.joinHost(join, hashSecret(`host-${join.name}`)),
    'unauthenticated',
    message,
  );
  assert.equal(await everything(s), before, 'a refused join changes nothing');
}

const joinOf = (id: string, secret: string, name: string, n: number) => ({
  id,
  hash: hashSecret(secret),
  name,
  endpoint: `198.18.1.${n}:51820`,
  mesh_key: wgKey(n),
});

forEachBackend('store join tokens', (b) => {
  const open = async () => {
    const s = await b.open(deterministic());
    await s.createRegion({ code: 'ord', name: 'Chicago', lat: 41.98, lon: -87.9 });
    return s;
  };

  test('a join consumes one use, creates and registers the host, and stores its token hashed', async () => {
    const s = await open();
    const jt = await s.createJoinToken(
      { region: 'ord', role: 'host', uses: 2, expires_at: inAnHour },
      hashSecret('j1'),
    );
    assert.match(jt.id, /^j[0-9a-f]{16}$/);
    assert.deepEqual([jt.used, jt.uses, jt.revoked_at], [0, 2, null]);
    const head = await s.headRevision();
    const { host, token } = await s.joinHost(joinOf(jt.id, 'j1', 'ord1', 1), hashSecret('host-ord1'));
    assert.equal(await s.headRevision(), head + 1, 'one revision: the host, created and registered');
    assert.deepEqual([host.name, host.region, host.role, host.mesh_key], ['ord1', 'ord', 'host', wgKey(1)]);
    assert.ok(host.registered_at);
    assert.deepEqual([token.kind, token.host], ['host', 'ord1']);
    assert.equal((await s.getTokenByHash(hashSecret('host-ord1')))?.host, 'ord1');
    const [after] = await s.listJoinTokens();
    assert.deepEqual([after?.used, after?.last_used_at !== null], [1, true]);
    await s.joinHost(joinOf(jt.id, 'j1', 'ord2', 2), hashSecret('host-ord2'));
    await refusedJoin(s, joinOf(jt.id, 'j1', 'ord3', 3), /has been used 2 of 2 time/);
  });

  test('expired, revoked, unknown and mistyped join tokens are refused and change nothing', async () => {
    const s = await open();
    const old = await s.createJoinToken(
      { region: 'ord', role: 'host', uses: 1, expires_at: new Date(T0 - 1000).toISOString() },
      hashSecret('old'),
    );
    await refusedJoin(s, joinOf(old.id, 'old', 'ord1', 1), /expired at/);
    const jt = await s.createJoinToken(
      { region: 'ord', role: 'host', uses: 1, expires_at: inAnHour },
      hashSecret('j'),
    );
    await refusedJoin(s, joinOf(jt.id, 'wrong secret', 'ord1', 1), /not valid/);
    await refusedJoin(s, joinOf('j0000000000000000', 'j', 'ord1', 1), /not valid/);
    const revoked = await s.revokeJoinToken(jt.id);
    assert.ok(revoked.revoked_at);
    assert.deepEqual(await s.revokeJoinToken(jt.id), revoked, 'revoking again changes nothing');
    await refusedJoin(s, joinOf(jt.id, 'j', 'ord1', 1), /was revoked at/);
  });

  test('a taken name is refused unless replace; replace keeps the host and revokes its old token', async () => {
    const s = await open();
    const jt = await s.createJoinToken(
      { region: 'ord', role: 'host', uses: 5, expires_at: inAnHour },
      hashSecret('j'),
    );
    const first = await s.joinHost(joinOf(jt.id, 'j', 'ord1', 1), hashSecret('t1'));
    const before = await everything(s);
    await rejectsWithoutWrite(
      s,
      () => s.joinHost(joinOf(jt.id, 'j', 'ord1', 2), hashSecret('t2')),
      'already_exists',
      /already exists; join with another --name, or pass --replace/,
    );
    assert.equal(await everything(s), before);
    const second = await s.joinHost({ ...joinOf(jt.id, 'j', 'ord1', 2), replace: true }, hashSecret('t2'));
    assert.deepEqual([second.host.id, second.host.num], [first.host.id, first.host.num]);
    assert.equal(second.host.mesh_key, wgKey(2));
    assert.equal(await s.getTokenByHash(hashSecret('t1')), undefined, 'the old token stops working');
    assert.ok(await s.getTokenByHash(hashSecret('t2')));
    const gw = await s.createJoinToken(
      { region: 'ord', role: 'gateway', uses: 1, expires_at: inAnHour },
      hashSecret('g'),
    );
    await rejectsWithoutWrite(
      s,
      () => s.joinHost({ ...joinOf(gw.id, 'g', 'ord1', 3), replace: true }, hashSecret('t3')),
      'invalid_argument',
      /peer_key/,
    );
    await rejectsWithoutWrite(
      s,
      () =>
        s.joinHost(
          {
            ...joinOf(gw.id, 'g', 'ord1', 3),
            peer_key: wgKey(4),
            peer_endpoint: '198.18.1.3:51821',
            replace: true,
          },
          hashSecret('t3'),
        ),
      'failed_precondition',
      /'ord1' is a host in region ord; this join token is for a gateway in ord/,
    );
    assert.equal((await s.listJoinTokens()).find((t) => t.id === gw.id)?.used, 0);
  });

  test('rotation replaces every token of the host; other hosts keep theirs', async () => {
    const s = await open();
    await s.createHost({ name: 'ord1', region: 'ord', role: 'host' });
    await s.createHost({ name: 'ord2', region: 'ord', role: 'host' });
    await s.createToken({ kind: 'host', name: 'host ord1', host: 'ord1' }, hashSecret('a1'));
    await s.createToken({ kind: 'host', name: 'host ord2', host: 'ord2' }, hashSecret('a2'));
    const head = await s.headRevision();
    const t = await s.rotateHostToken('ord1', 'host', hashSecret('b1'));
    assert.deepEqual([t.kind, t.host], ['host', 'ord1']);
    assert.equal(await s.headRevision(), head, 'tokens are not watched state');
    assert.equal(await s.getTokenByHash(hashSecret('a1')), undefined);
    assert.ok(await s.getTokenByHash(hashSecret('b1')));
    assert.ok(await s.getTokenByHash(hashSecret('a2')));
    await assert.rejects(s.rotateHostToken('ord1', 'gateway', hashSecret('c1')), /gateway 'ord1' not found/);
  });

  test('deleting a region drops its join tokens', async () => {
    const s = await open();
    await s.createJoinToken({ region: 'ord', role: 'host', uses: 1, expires_at: inAnHour }, hashSecret('j'));
    await s.deleteRegion('ord');
    assert.deepEqual(await s.listJoinTokens(), []);
  });
});
