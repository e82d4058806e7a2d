// The agent's unit tests' seams: its identity on a host of the agent fleet (core/test-fleet.ts) and an agent over
// in-memory fakes wired together.

import assert from 'node:assert/strict';
import { LocalState } from '../core/state.ts';
import { agentFleet, testKey } from '../core/test-fleet.ts';
import { endpointOf } from '../core/wg/endpoint.ts';
import { silentLogger } from '../lib/log.ts';
import { MemoryFiles } from '../runtime/file-store.ts';
import { MemoryNet } from '../runtime/net-fake.ts';
import { MemoryNft } from '../runtime/nft-fake.ts';
import { FakeWgDevice } from '../runtime/wg-device-fake.ts';
import type { AgentIdentity, AttachedAs } from './desired.ts';
import type { AgentSeams, ReconcileContext } from './observe.ts';
import { reconcileOnce } from './reconcile.ts';

const fleet = agentFleet();

export function identity(name = 'h1', over: Partial<AgentIdentity> = {}): AgentIdentity {
  const h = fleet.hosts.get(name);
  if (!h) throw new Error(`no host ${name} in the agent fleet`);
  return {
    host: name,
    region: h.region,
    plan: fleet.plan,
    meshIface: 'sxm1',
    endpoint: endpointOf(`198.18.1.${h.num}`, 51820),
    meshKey: testKey(name).privateKey,
    lab: true,
    netnsTemplate: 'sixpn-i-{id}',
    envDir: '/state/instances',
    etcNetnsDir: '/etc/netns',
    ...over,
  };
}

export function context(id: AgentIdentity): ReconcileContext {
  return {
    lab: id.lab,
    meshIface: id.meshIface,
    netnsTemplate: id.netnsTemplate,
    envDir: id.envDir,
    etcNetnsDir: id.etcNetnsDir,
    manageForwarding: true,
    nftHashFile: '/state/nft.hash',
  };
}

/** An agent over in-memory fakes, with the registration calls it made. */
export function fakeAgent(name = 'h1', over: Partial<AgentIdentity> = {}) {
  const net = new MemoryNet();
  const id = identity(name, over);
  const registrations: { endpoint: string; mesh_key: string }[] = [];
  const seams: AgentSeams & { net: MemoryNet; files: MemoryFiles; mesh: FakeWgDevice; nft: MemoryNft } = {
    net,
    files: new MemoryFiles(),
    mesh: new FakeWgDevice(id.meshIface, {
      add: (i) => net.addLink(undefined, i, { mtu: 1420 }),
      remove: (i) => net.delLink(undefined, i),
    }),
    nft: new MemoryNft(),
    register: async (body) => {
      registrations.push(body);
    },
  };
  const ctx = context(id);
  return {
    id,
    seams,
    ctx,
    registrations,
    reconcile: (state: LocalState, attached?: ReadonlyMap<string, AttachedAs>) =>
      reconcileOnce(state, id, seams, ctx, silentLogger, undefined, attached),
    /** Mutations the fakes have seen so far. */
    mutations: () => [
      ...net.calls,
      ...seams.files.calls,
      ...seams.mesh.sets.map((s) => `mesh-set ${JSON.stringify(s)}`),
      ...seams.nft.batches.map(() => 'nft'),
      ...registrations.map(() => 'register'),
    ],
  };
}

/** An agent on h1 already converged on the agent fleet's snapshot, and that snapshot. */
export async function convergedAgent() {
  const agent = fakeAgent('h1');
  const snap = fleet.snapshot();
  const first = await agent.reconcile(new LocalState(snap));
  assert.deepEqual(first.failed, []);
  return { agent, snap };
}
