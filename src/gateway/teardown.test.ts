// Teardown over in-memory seams: both interfaces (with their addresses and routes) and the nft table go;
// keys and saved state stay; a second teardown is harmless.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LocalState } from '../core/state.ts';
import { gatewayFleet } from '../core/test-fleet.ts';
import { silentLogger } from '../lib/log.ts';
import { NFT_TABLE } from './desired.ts';
import { reconcileGateway } from './reconcile.ts';
import { teardownGateway } from './teardown.ts';
import { fakeGatewaySeams, identity, runContext } from './test-fakes.ts';

const F = gatewayFleet();

test('teardown removes what the gateway made, twice without error', async () => {
  const id = identity('gw1');
  const s = fakeGatewaySeams(id);
  await reconcileGateway(new LocalState(F.snapshot()), id, s, runContext(id), silentLogger, true);
  await s.files.write('/state/peer.key', 'k', 0o600);
  assert.ok(s.net.hasLink(undefined, 'sxp9') && (await s.nft.list(NFT_TABLE)));
  for (let i = 0; i < 2; i++) {
    await teardownGateway(s, '/state', silentLogger);
    const here = await s.net.readNs();
    assert.deepEqual([...here.links.keys()], ['lo'], 'only the loopback is left');
    assert.deepEqual(here.routes, []);
    assert.equal(await s.nft.list(NFT_TABLE), undefined);
    assert.equal(await s.files.read('/state/nft.hash'), undefined);
    assert.equal(await s.files.read('/state/peer.key'), 'k', 'keys stay');
  }
});
