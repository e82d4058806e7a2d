// Plans for instances attached over the local socket: a runtime's namespace pinned by path (CNI), the agent's own
// namespace outside lab mode (`sixpn run`), another interface name, /etc files, and teardown that leaves the
// runtime's namespace alive.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LocalState } from '../core/state.ts';
import { agentFleet } from '../core/test-fleet.ts';
import type { AttachedAs } from './desired.ts';
import { fakeAgent } from './test-fixture.ts';

const F = agentFleet();
const A1 = '000000a1';
const PIN = `sixpn-i-${A1}`;

function stopped(id: string) {
  const s = F.snapshot();
  s.instances = s.instances.map((i) => (i.id === id ? { ...i, state: 'stopped' as const } : i));
  return new LocalState(s);
}

describe('instances attached over the local socket', () => {
  test("a runtime's namespace is pinned, plumbed on its ifname, given files; a stop leaves it alive", async () => {
    const agent = fakeAgent('h1', { lab: false });
    agent.seams.net.addRuntimeNetns('/var/run/netns/cni-1');
    const attached = new Map<string, AttachedAs>([[A1, { netns: '/var/run/netns/cni-1', ifname: 'net1' }]]);
    const r = await agent.reconcile(new LocalState(F.snapshot()), attached);
    assert.deepEqual(r.failed, []);
    const steps = r.actions.map((a) => a.do + ('ns' in a && a.ns ? ` ${a.ns}` : ''));
    assert.ok(steps.includes(`netns-attach ${PIN}`), steps.join('\n'));
    assert.ok(!steps.some((x) => x.startsWith('netns-add')), 'an unattached instance waits for its runtime');
    const inside = await agent.seams.net.readNs(PIN);
    assert.deepEqual(inside.links.get('net1')?.globalAddrs, ['fdaa:0:1:0:1:0:a1:2/112']);
    assert.ok(inside.routes.some((x) => x.dst === 'fdaa::/16' && x.dev === 'net1' && x.via === 'fe80::1'));
    for (const f of ['hosts', 'resolv.conf', 'nsswitch.conf'])
      assert.ok(await agent.seams.files.read(`/etc/netns/${PIN}/${f}`), f);
    const again = await agent.reconcile(new LocalState(F.snapshot()), attached);
    assert.deepEqual(again.actions, [], 'a second pass changes nothing');

    const down = await agent.reconcile(stopped(A1), attached);
    assert.deepEqual(down.failed, []);
    assert.deepEqual(
      down.actions.filter((a) => a.do !== 'nft').map((a) => a.do),
      ['link-del', 'netns-del', 'dir-remove', 'file-remove'],
    );
    assert.ok(!(await agent.seams.net.listNetns()).includes(PIN), 'the pin is gone');
    const runtime = await agent.seams.net.readNs('/var/run/netns/cni-1');
    assert.deepEqual([...runtime.links.keys()], ['lo'], "the runtime's namespace lives on, our veth is gone");
  });

  test('sixpn run: outside lab mode the agent makes its own namespace, and removes it on stop', async () => {
    const agent = fakeAgent('h1', { lab: false });
    const attached = new Map<string, AttachedAs>([[A1, { netns: null, ifname: 'eth0' }]]);
    const r = await agent.reconcile(new LocalState(F.snapshot()), attached);
    assert.deepEqual(r.failed, []);
    assert.ok(agent.seams.net.calls.includes(`netns-add ${PIN}`));
    const down = await agent.reconcile(stopped(A1), attached);
    assert.deepEqual(
      down.actions.filter((a) => a.do !== 'nft').map((a) => a.do),
      ['link-del', 'netns-del', 'dir-remove', 'file-remove'],
    );
  });
});
