// The attack suite's check of service addresses (issue 12): acme's web has one (`fdaa:N:N:0:0:S:S:2`, load-balanced
// by nftables on every host and gateway of its network, src/core/nft/service-lb.ts). Only web's own network reaches
// it: not another network of acme, not globex's instance (also when it forges an acme source), not globex's peer
// (also when it routes acme's prefix into its tunnel). Every attempt is dropped and counted where the isolation
// table counts drops.

import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AttackLab } from './attack-control.ts';
import type { Drops } from './attack-support.ts';
import {
  digShort,
  eventually,
  inNs,
  instNs,
  NsProcess,
  ping6,
  sendUdp,
  TCP_ECHO,
  tcpExchange,
  UDP_SINK,
} from './support.ts';

/** TCP and UDP port the web instances serve behind the service address (nothing else in the e2e files uses it). */
const PORT = 7900;

/** The attack lab as this check needs it, beyond {@link AttackLab}. */
export interface ServiceLab extends AttackLab {
  /** acme/web's service address (given in the suite's set-up). */
  service: string;
  nets: { A: number; B: number };
  /** Namespaces of alice (acme's peer) and bob (globex's peer). */
  alice: string;
  bob: string;
  /** Makes bob's side route acme's prefix into his tunnel (as the peers check does). */
  bobClaimsA(): Promise<void>;
  hostDrops(host: string): Promise<Drops>;
  gwDrops(): Promise<Drops>;
}

/** An instance of acme in a second network `side` (app `probe`) on ord2, once its namespace has its address. */
async function sideInstance(l: ServiceLab) {
  const admin = l.client();
  const n = await admin.createNetwork('acme', 'side');
  await admin.createApp('acme', { name: 'probe', network: 'side', private_network: true });
  const i = await admin.createInstance('acme', 'probe', { region: 'ord', host: 'ord2' });
  assert.ok(i.address);
  const ns = instNs(i.id);
  const ready = async () =>
    (await inNs(ns, 'ip', ['-6', '-o', 'addr', 'show', 'dev', 'eth0']).catch(() => '')).includes(
      i.address ?? '-',
    );
  assert.ok(await eventually(ready, 15_000, 100), `acme/side instance ${i.id} set up on ord2`);
  return { ns, address: i.address, num: n.num };
}

export async function serviceIsolation(l: ServiceLab): Promise<void> {
  const [web1, web2, db, vault] = [
    l.inst('web', 'ord1'),
    l.inst('web', 'ord2'),
    l.inst('db'),
    l.inst('vault'),
  ];
  assert.equal(vault.host, 'ord1');
  const procs = [web1, web2].flatMap((w) => [
    new NsProcess(w.ns, TCP_ECHO, [String(PORT)]),
    new NsProcess(w.ns, UDP_SINK, [String(PORT)]),
  ]);
  let side: Awaited<ReturnType<typeof sideInstance>> | undefined;
  try {
    for (const p of procs) assert.ok(await p.waitFor(/^listening$/));
    const reach = () => tcpExchange(db.ns, l.service, PORT);
    assert.ok(await eventually(reach, 15_000, 200), 'control: acme’s db reaches the service address');
    assert.ok(await tcpExchange(l.alice, l.service, PORT), 'control: acme’s peer alice reaches it');
    side = await sideInstance(l);
    assert.ok(
      (await digShort(side.ns, 'AAAA', 'probe.internal')).includes(side.address),
      'control: the side instance is up and its DNS answers',
    );
    assert.deepEqual(await digShort(side.ns, 'AAAA', 'svc.web.internal'), [], 'side learns no svc.web');
    await l.bobClaimsA();
    const cases: [string, string, () => Promise<Drops>, number][] = [
      ['globex’s vault (beside web on ord1)', vault.ns, () => l.hostDrops('ord1'), l.nets.B],
      ['acme’s other network (on ord2)', side.ns, () => l.hostDrops('ord2'), side.num],
      ['globex’s peer bob', l.bob, () => l.gwDrops(), l.nets.B],
    ];
    for (const [what, ns, drops, charged] of cases) {
      const before = await drops();
      assert.equal(await ping6(ns, l.service), false, `ping from ${what}`);
      assert.equal(await tcpExchange(ns, l.service, PORT, 1_000), false, `TCP from ${what}`);
      const after = await drops();
      assert.ok(after.net(charged) > before.net(charged), `${what}: counted`);
    }
    // vault forges db's source: dropped as spoofed on ord1 (a reply would go to db, but nothing may reach web).
    await inNs(vault.ns, 'ip', ['-6', 'addr', 'add', `${db.address}/128`, 'dev', 'eth0', 'nodad']);
    try {
      const before = await l.hostDrops('ord1');
      await sendUdp(vault.ns, db.address, l.service, PORT, 'forged');
      const after = await l.hostDrops('ord1');
      assert.ok(after.spoofed > before.spoofed, 'forged source counted as spoofed');
      assert.ok(after.net(l.nets.B) > before.net(l.nets.B), 'and charged to globex’s network');
    } finally {
      await inNs(vault.ns, 'ip', ['-6', 'addr', 'del', `${db.address}/128`, 'dev', 'eth0']).catch(() => {});
    }
    await sleep(300);
    const lines = procs.flatMap((p) => p.lines);
    assert.deepEqual(
      lines.filter((x) => x.includes(' forged')),
      [],
      'no forged datagram reached web',
    );
    const from = new Set(lines.flatMap((x) => /^conn (\S+)$/.exec(x)?.[1] ?? []));
    for (const bad of [vault.address, side.address]) assert.ok(!from.has(bad), `${bad} reached web`);
  } finally {
    for (const p of procs) await p.stop();
    // also after a half-made side network (then some of these are not there)
    const admin = l.client();
    const gone = side ? undefined : () => undefined;
    await admin.deleteApp('acme', 'probe').catch(gone);
    await admin.deleteNetwork('acme', 'side').catch(gone);
  }
}
