// Unit tests of the load-balancing part of the table: objects only when there are services, the DNAT rule per
// service, validation, and the order that lets a service go away (elements before the chains they jump to).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  asHostId,
  asInstanceNum,
  asNetworkId,
  asServiceNum,
  defaultPlan,
  formatIPv6,
  hostResolverAddress,
  instanceAddress,
  instancePrefix,
  serviceAddress,
} from '../address.ts';
import { SixpnError } from '../errors.ts';
import { expectedListing } from './check.ts';
import { buildIsolation, type IsolationSpec } from './isolation.ts';
import type { NftCommand } from './json.ts';
import { normalizeServices, type ServiceBalance, serviceChain } from './service-lb.ts';

const plan = defaultPlan;
const N = asNetworkId(0x18);
const M = asNetworkId(0x2a);
const svc = (net = N, s = 1) => serviceAddress(plan, net, asServiceNum(s));
const inst = (host: number, n: number, net = N) =>
  instanceAddress(plan, net, asHostId(host), asInstanceNum(n));

function spec(services?: ServiceBalance[]): IsolationSpec {
  return {
    table: 'sixpn',
    plan,
    networks: [N, M],
    interfaces: ['sxmesh'],
    guards: [
      { iface: 'sxi1', allowed: [instancePrefix(plan, N, asHostId(1), asInstanceNum(1))], network: N },
    ],
    resolvers: [hostResolverAddress(plan)],
    ...(services ? { services } : {}),
  };
}

const texts = (cmds: NftCommand[]) => cmds.map((c) => JSON.stringify(c));
const rulesOf = (cmds: NftCommand[], chain: string) =>
  cmds.filter(
    (c) => JSON.stringify(c).startsWith('{"add":{"rule"') && JSON.stringify(c).includes(`"chain":"${chain}"`),
  );

test('no services (absent or empty): the table has no load-balancing object', () => {
  for (const s of [undefined, []]) {
    const all = texts(buildIsolation(spec(s)).nftables).join('\n');
    for (const word of ['svc_', 'prerouting', 'dnat', 'numgen']) assert.ok(!all.includes(word), word);
  }
});

test('a service with three members: a chain with numgen mod 3 over them, a dispatch element, a refusal rule', () => {
  const members = [inst(3, 9), inst(1, 1), inst(2, 5)];
  const cmds = buildIsolation(spec([{ address: svc(), members }])).nftables;
  const chain = serviceChain(plan, svc());
  assert.equal(chain, 'svc_00000018_00000001');
  const [dnat] = rulesOf(cmds, chain);
  assert.deepEqual(dnat?.add, {
    rule: {
      family: 'inet',
      table: 'sixpn',
      chain,
      expr: [
        {
          dnat: {
            family: 'ip6',
            addr: {
              map: {
                key: { numgen: { mode: 'random', mod: 3, offset: 0 } },
                // sorted: the same members give the same batch whatever order they came in
                data: {
                  set: [
                    [0, 'fdaa:0:18:0:1:0:1:2'],
                    [1, 'fdaa:0:18:0:2:0:5:2'],
                    [2, 'fdaa:0:18:0:3:0:9:2'],
                  ],
                },
              },
            },
          },
        },
      ],
    },
  });
  const all = texts(cmds).join('\n');
  assert.ok(all.includes('"elem":[["fdaa:0:18::1:2",{"jump":{"target":"svc_00000018_00000001"}}]]'));
  assert.ok(all.includes('"name":"svc_addrs","elem":["fdaa:0:18::1:2"]'));
  const pre = rulesOf(cmds, 'prerouting');
  assert.equal(pre.length, 1);
  assert.match(JSON.stringify(pre[0]), /"@guarded".*"@same_net".*"vmap".*"@svc_dispatch"/);
  // The refusal comes before the same-network accept, after anti-spoofing.
  const fwd = rulesOf(cmds, 'forward').map((c) => JSON.stringify(c));
  const refuse = fwd.findIndex((r) => r.includes('"reject"'));
  const same = fwd.findIndex((r) => r.includes('same network /48'));
  const spoof = fwd.findIndex((r) => r.includes('anti-spoofing'));
  assert.ok(spoof < refuse && refuse < same, `${spoof} < ${refuse} < ${same}`);
  assert.match(fwd[refuse] ?? '', /"@svc_addrs".*"@same_net"/);
});

test('a service with no member is refused, not dispatched; one with members is', () => {
  const cmds = buildIsolation(
    spec([
      { address: svc(N, 2), members: [] },
      { address: svc(M, 7), members: [inst(1, 1, M)] },
    ]),
  ).nftables;
  const all = texts(cmds).join('\n');
  assert.ok(all.includes('"name":"svc_addrs","elem":["fdaa:0:18::2:2","fdaa:0:2a::7:2"]'));
  assert.ok(all.includes('"elem":[["fdaa:0:2a::7:2",{"jump":{"target":"svc_0000002a_00000007"}}]]'));
  assert.ok(!all.includes('svc_00000018_00000002'));
  assert.equal(rulesOf(cmds, 'svc_0000002a_00000007').length, 1);
});

test('rules grow by one per service with members (plus three fixed: dispatch, refusal, hairpin), not per member', () => {
  const count = (s: ServiceBalance[]) =>
    buildIsolation(spec(s)).nftables.filter((c) => JSON.stringify(c).startsWith('{"add":{"rule"')).length;
  const base = count([]);
  const many = Array.from({ length: 50 }, (_, i) => inst(1, i + 1));
  assert.equal(count([{ address: svc(), members: many }]), base + 4);
  assert.equal(
    count([
      { address: svc(N, 1), members: many },
      { address: svc(N, 2), members: [many[0]!] },
    ]),
    base + 5,
  );
});

test('the hairpin: one postrouting snat map over every member, each mapped to its own service address', () => {
  const cmds = buildIsolation(
    spec([
      { address: svc(N, 1), members: [inst(1, 1), inst(1, 2)] },
      { address: svc(N, 2), members: [inst(1, 3)] },
    ]),
  ).nftables;
  const post = cmds.filter((c) => JSON.stringify(c).includes('"chain":"postrouting"') && 'add' in c);
  const rules = post.filter((c) => JSON.stringify(c).startsWith('{"add":{"rule"'));
  assert.equal(rules.length, 1);
  const text = JSON.stringify(rules[0]);
  for (const [m, s] of [
    [inst(1, 1), svc(N, 1)],
    [inst(1, 2), svc(N, 1)],
    [inst(1, 3), svc(N, 2)],
  ] as const) {
    const a = formatIPv6(m);
    assert.ok(text.includes(`[{"concat":["${a}","${a}"]},"${formatIPv6(s)}"]`), `${a} → ${formatIPv6(s)}`);
  }
  assert.equal(
    buildIsolation(spec([{ address: svc(), members: [] }])).nftables.filter((c) =>
      JSON.stringify(c).includes('postrouting'),
    ).length,
    0,
    'no member: no hairpin chain',
  );
});

test('bad services: not a service address, a network not admitted, a member of another network, twice', () => {
  const bad: [ServiceBalance[], RegExp][] = [
    [[{ address: inst(1, 1), members: [] }], /is not a service address/],
    [[{ address: svc(asNetworkId(0x99)), members: [] }], /network this table does not admit/],
    [
      [{ address: svc(), members: [inst(1, 1, M)] }],
      /member fdaa:0:2a:0:1:0:1:2 of fdaa:0:18::1:2 is not in its network/,
    ],
    [
      [
        { address: svc(), members: [] },
        { address: svc(), members: [] },
      ],
      /listed twice/,
    ],
  ];
  for (const [services, re] of bad) {
    assert.throws(
      () => buildIsolation(spec(services)),
      (e: unknown) =>
        e instanceof SixpnError &&
        e.code === 'invalid_argument' &&
        re.test(e.message) &&
        e.details?.field === 'services',
    );
  }
});

test('normalizeServices sorts services and members and drops duplicate members', () => {
  const out = normalizeServices(
    plan,
    [N],
    [
      { address: svc(N, 2), members: [inst(2, 1), inst(1, 1), inst(2, 1)] },
      { address: svc(N, 1), members: [] },
    ],
  );
  assert.deepEqual(out, [
    { address: svc(N, 1), members: [] },
    { address: svc(N, 2), members: [inst(1, 1), inst(2, 1)] },
  ]);
});

test('a service that goes away: its dispatch element is deleted before its chain, the chain before nothing refers to it', () => {
  const before = spec([
    { address: svc(N, 1), members: [inst(1, 1)] },
    { address: svc(N, 2), members: [inst(1, 1)] },
  ]);
  const had = expectedListing(before);
  const cmds = texts(buildIsolation(spec([{ address: svc(N, 2), members: [inst(1, 1)] }]), had).nftables);
  const delElem = cmds.findIndex((c) => c.startsWith('{"delete":{"element"') && c.includes('svc_dispatch'));
  const delChain = cmds.indexOf(
    '{"delete":{"chain":{"family":"inet","table":"sixpn","name":"svc_00000018_00000001"}}}',
  );
  assert.ok(delElem > 1 && delChain > delElem, `${delElem} < ${delChain}`);
  assert.ok(cmds[delElem]?.includes('"elem":["fdaa:0:18::1:2"]'), 'a map element is deleted by its key');
  // All services gone: the sets and the prerouting chain go too, sets before chains.
  const none = texts(buildIsolation(spec([]), had).nftables);
  const delMap = none.indexOf('{"delete":{"map":{"family":"inet","table":"sixpn","name":"svc_dispatch"}}}');
  const delPre = none.indexOf('{"delete":{"chain":{"family":"inet","table":"sixpn","name":"prerouting"}}}');
  const delSvc = none.indexOf(
    '{"delete":{"chain":{"family":"inet","table":"sixpn","name":"svc_00000018_00000002"}}}',
  );
  assert.ok(delMap > 1 && delPre > delMap && delSvc > delMap);
});

test('a new service: its chain is added before the dispatch element that jumps to it', () => {
  const had = expectedListing(spec([]));
  const cmds = texts(buildIsolation(spec([{ address: svc(), members: [inst(1, 1)] }]), had).nftables);
  const addChain = cmds.indexOf(
    '{"add":{"chain":{"family":"inet","table":"sixpn","name":"svc_00000018_00000001"}}}',
  );
  const addElem = cmds.findIndex((c) => c.startsWith('{"add":{"element"') && c.includes('svc_dispatch'));
  assert.ok(addChain > 1 && addElem > addChain);
});
