// applyNftNow: the isolation table alone, at once, after a health or placement change; the pass after it finds the
// table as it should be, and nothing happens before a first pass made the table.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LocalState } from '../core/state.ts';
import { agentFleet } from '../core/test-fleet.ts';
import { applyNftNow } from './reconcile.ts';
import { convergedAgent, fakeAgent } from './test-fixture.ts';

const F = agentFleet();

describe('the isolation table at once (applyNftNow)', () => {
  test('a change of the table is applied alone, once; the next pass finds nothing to do for it', async () => {
    const { agent, snap } = await convergedAgent();
    const stopped = {
      ...snap,
      instances: snap.instances.map((i) => (i.id === '000000c1' ? { ...i, state: 'stopped' as const } : i)),
    };
    const state = new LocalState(stopped);
    const before = agent.seams.nft.batches.length;
    assert.equal(await applyNftNow(state, agent.id, agent.seams, agent.ctx, new Map()), true);
    assert.equal(agent.seams.nft.batches.length, before + 1, 'one batch');
    assert.equal(
      await applyNftNow(state, agent.id, agent.seams, agent.ctx, new Map()),
      false,
      'applied already',
    );
    assert.equal(agent.seams.nft.batches.length, before + 1);
    const pass = await agent.reconcile(state);
    assert.deepEqual(pass.failed, []);
    assert.ok(pass.actions.length > 0, 'the pass still tears the stopped instance down');
    assert.ok(!pass.actions.some((a) => a.do === 'nft'), 'but the table is as it should be');
  });

  test('nothing before the first pass made the table', async () => {
    const agent = fakeAgent('h1');
    const state = new LocalState(F.snapshot());
    assert.equal(await applyNftNow(state, agent.id, agent.seams, agent.ctx, new Map()), false);
    assert.equal(agent.seams.nft.batches.length, 0);
  });
});
