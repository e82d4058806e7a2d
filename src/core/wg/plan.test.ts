// Unit tests for the WireGuard reconciler: minimal operations, untouched peers, and "applying twice changes nothing".

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SixpnError } from '../errors.ts';
import { pick as pickOne, seededRandom } from '../seeded-random.ts';
import { applySet, clampPrivateKey } from './apply.ts';
import type { WgEndpoint } from './endpoint.ts';
import { generateKeyPair, type WgPrivateKey, type WgPublicKey } from './keys.ts';
import { type DeviceConfig, describeSet, type PeerConfig, planDevice, planPeer } from './plan.ts';
import type { DeviceState } from './uapi.ts';

const me = generateKeyPair();
const keys = Array.from({ length: 8 }, () => generateKeyPair().publicKey);
const k = (i: number): WgPublicKey => keys[i]!;
const testKeyIndex = (key: WgPublicKey) => keys.indexOf(key);
const ep = (s: string) => s as WgEndpoint;
const empty: DeviceState = { privateKey: null, listenPort: 0, fwmark: 0, peers: [] };

function cfg(peers: PeerConfig[], extra: Partial<DeviceConfig> = {}): DeviceConfig {
  return { privateKey: me.privateKey, peers, ...extra };
}

/** Applies the plan, then checks that planning again gives null. Returns the converged state and the op. */
function converge(desired: DeviceConfig, observed: DeviceState) {
  const op = planDevice(desired, observed);
  const after = op ? applySet(observed, op) : observed;
  assert.equal(planDevice(desired, after), null, 'second plan must be empty');
  return { op, after };
}

const base = cfg(
  [
    {
      publicKey: k(0),
      allowedIps: ['fdaa:0:1:0:2::/80'],
      endpoint: ep('198.18.0.2:51820'),
      persistentKeepalive: 25,
    },
    { publicKey: k(1), allowedIps: ['fdaa:0:1:0:3::/80', 'fdaa:0:2:0:3::/80'] },
  ],
  { listenPort: 51820 },
);
const baseState = applySet(empty, planDevice(base, empty)!);

test('from an empty device: key, port and every peer, in one operation', () => {
  const op = planDevice(base, empty);
  assert.ok(op);
  assert.equal(op.privateKey, me.privateKey);
  assert.equal(op.listenPort, 51820);
  assert.deepEqual(describeSet(op), { add: 2, change: 0, remove: 0, handshake: 0, device: true });
  converge(base, empty);
});

test('an applied device needs nothing (null)', () => {
  assert.equal(planDevice(base, baseState), null);
});

test('a clamped private key on the device counts as the same key', () => {
  const raw = Buffer.alloc(32, 0xff).toString('base64') as WgPrivateKey;
  const desired = cfg([], { privateKey: raw });
  const dev = { ...empty, privateKey: clampPrivateKey(raw) };
  assert.notEqual(dev.privateKey, raw);
  assert.equal(planDevice(desired, dev), null);
});

type Check = ((op: NonNullable<ReturnType<typeof planDevice>>) => void) | 'no operation';
const cases: [string, (d: DeviceConfig) => DeviceConfig, Check][] = [
  [
    'add one peer: only that peer',
    (d) => cfg([...d.peers, { publicKey: k(2), allowedIps: ['fdaa:0:1:0:4::/80'] }], { listenPort: 51820 }),
    (op) =>
      assert.deepEqual(op, {
        peers: [{ publicKey: k(2), replaceAllowedIps: true, allowedIps: ['fdaa:0:1:0:4::/80'] }],
      }),
  ],
  [
    'remove one peer: only a removal',
    (d) => cfg([d.peers[0]!], { listenPort: 51820 }),
    (op) => assert.deepEqual(op, { peers: [{ publicKey: k(1), remove: true }] }),
  ],
  [
    'endpoint changed: update_only with just the endpoint',
    (d) => cfg([{ ...d.peers[0]!, endpoint: ep('[fdaa::9]:51820') }, d.peers[1]!], { listenPort: 51820 }),
    (op) =>
      assert.deepEqual(op, { peers: [{ publicKey: k(0), updateOnly: true, endpoint: '[fdaa::9]:51820' }] }),
  ],
  [
    'keepalive turned off',
    (d) => cfg([{ ...d.peers[0]!, persistentKeepalive: 0 }, d.peers[1]!], { listenPort: 51820 }),
    (op) =>
      assert.deepEqual(op, {
        peers: [{ publicKey: k(0), updateOnly: true, persistentKeepaliveInterval: 0 }],
      }),
  ],
  [
    'allowed IPs changed: replace with the full list',
    (d) => cfg([d.peers[0]!, { ...d.peers[1]!, allowedIps: ['fdaa:0:1:0:3::/80'] }], { listenPort: 51820 }),
    (op) =>
      assert.deepEqual(op, {
        peers: [
          { publicKey: k(1), updateOnly: true, replaceAllowedIps: true, allowedIps: ['fdaa:0:1:0:3::/80'] },
        ],
      }),
  ],
  [
    'allowed IPs in another order and spelling: nothing',
    (d) =>
      cfg([d.peers[0]!, { ...d.peers[1]!, allowedIps: ['fdaa:0000:2:0:3::/80', 'fdaa:0:1:0:3:0:0:0/80'] }], {
        listenPort: 51820,
      }),
    'no operation',
  ],
  [
    'listen port changed: only the port',
    (d) => cfg([...d.peers], { listenPort: 51821 }),
    (op) => assert.deepEqual(op, { listenPort: 51821 }),
  ],
  ['listen port left undefined: nothing', (d) => cfg([...d.peers]), 'no operation'],
  [
    'endpoint left undefined keeps what the device learned',
    (d) => cfg([{ ...d.peers[0]!, endpoint: undefined }, d.peers[1]!], { listenPort: 51820 }),
    'no operation',
  ],
  [
    'a range moves from one peer to another',
    (d) =>
      cfg(
        [
          { ...d.peers[0]!, allowedIps: ['fdaa:0:1:0:2::/80', 'fdaa:0:2:0:3::/80'] },
          { ...d.peers[1]!, allowedIps: ['fdaa:0:1:0:3::/80'] },
        ],
        { listenPort: 51820 },
      ),
    (op) => assert.equal(op.peers?.length, 2),
  ],
  [
    'new private key: only the key',
    (d) => cfg([...d.peers], { listenPort: 51820, privateKey: generateKeyPair().privateKey }),
    (op) => assert.deepEqual(Object.keys(op), ['privateKey']),
  ],
];

for (const [name, change, check] of cases) {
  test(`plan: ${name}`, () => {
    const desired = change(base);
    const op = planDevice(desired, baseState);
    if (check === 'no operation') assert.equal(op, null);
    else if (op === null) assert.fail('expected an operation');
    else check(op);
    converge(desired, baseState);
  });
}

test('peers that are right are never mentioned (their sessions are kept)', () => {
  const live: DeviceState = {
    ...baseState,
    peers: baseState.peers.map((p) => ({ ...p, lastHandshakeTimeSec: 1700000000, rxBytes: 5, txBytes: 6 })),
  };
  const desired = cfg([...base.peers, { publicKey: k(3), allowedIps: ['fdaa:0:1:0:5::/80'] }], {
    listenPort: 51820,
  });
  const op = planDevice(desired, live)!;
  assert.deepEqual(
    op.peers?.map((p) => p.publicKey),
    [k(3)],
  );
  const after = applySet(live, op);
  assert.equal(after.peers.find((p) => p.publicKey === k(0))?.lastHandshakeTimeSec, 1700000000);
});

test('a peer added with handshakeOnAdd: keepalive on in its add, off in a last entry; the device ends as wanted', () => {
  const mesh = (p: PeerConfig): PeerConfig => ({ ...p, handshakeOnAdd: true });
  const added = { publicKey: k(3), endpoint: ep('198.18.1.3:51820'), allowedIps: ['fdaa:0:1:0:9::/80'] };
  const desired = cfg([...base.peers.map(mesh), mesh(added)], { listenPort: 51820 });
  // k(0) is already there (not added again: no handshake), k(3) is new.
  const { op, after } = converge(desired, baseState);
  assert.deepEqual(op?.peers, [
    { ...added, replaceAllowedIps: true, persistentKeepaliveInterval: 1 },
    { publicKey: k(3), updateOnly: true, persistentKeepaliveInterval: 0 },
  ]);
  assert.deepEqual(describeSet(op!), { add: 1, change: 0, remove: 0, handshake: 1, device: false });
  assert.equal(after.peers.find((p) => p.publicKey === k(3))?.persistentKeepaliveInterval, 0);
});

test('handshakeOnAdd: a new device hears from every peer; none without an endpoint or with a keepalive', () => {
  const peers: PeerConfig[] = [
    { publicKey: k(4), endpoint: ep('198.18.1.4:51820'), allowedIps: [], handshakeOnAdd: true },
    { publicKey: k(5), allowedIps: [], handshakeOnAdd: true },
    {
      publicKey: k(6),
      endpoint: ep('198.18.1.6:51820'),
      allowedIps: [],
      persistentKeepalive: 25,
      handshakeOnAdd: true,
    },
  ];
  const { op } = converge(cfg(peers), empty);
  assert.deepEqual(
    op?.peers?.map((p) => [testKeyIndex(p.publicKey), p.updateOnly ?? false, p.persistentKeepaliveInterval]),
    [
      [4, false, 1],
      [5, false, undefined],
      [6, false, 25],
      [4, true, 0],
    ],
  );
  // planPeer (one update per peer) never nudges
  assert.equal(planPeer(peers[0], undefined)?.persistentKeepaliveInterval, undefined);
});

const invalidConfigs: [string, DeviceConfig, RegExp][] = [
  [
    'duplicate peer',
    cfg([
      { publicKey: k(0), allowedIps: [] },
      { publicKey: k(0), allowedIps: [] },
    ]),
    /listed twice/,
  ],
  ['own key as peer', cfg([{ publicKey: me.publicKey, allowedIps: [] }]), /own public key/],
  [
    'range given to two peers',
    cfg([
      { publicKey: k(0), allowedIps: ['fdaa::/16'] },
      { publicKey: k(1), allowedIps: ['fdaa::/16'] },
    ]),
    /given to two peers/,
  ],
  ['bad range', cfg([{ publicKey: k(0), allowedIps: ['fdaa::1/16'] }]), /host bits/],
];
for (const [name, desired, re] of invalidConfigs) {
  test(`plan rejects ${name}`, () => {
    assert.throws(
      () => planDevice(desired, empty),
      (e: unknown) => e instanceof SixpnError && e.code === 'invalid_argument' && re.test(e.message),
    );
  });
}

test('random walk: every plan converges in one step and the next plan is null', () => {
  const rnd = seededRandom(42);
  const pick = <T>(xs: readonly T[]): T => pickOne(rnd, xs);
  const ranges = Array.from({ length: 12 }, (_, i) => `fdaa:0:${i + 1}::/48`);
  let state = empty;
  for (let round = 0; round < 200; round++) {
    const used = new Set<string>();
    const peers: PeerConfig[] = [];
    for (const key of keys) {
      if (rnd() < 0.4) continue;
      const mine = ranges.filter((r) => !used.has(r) && rnd() < 0.2);
      for (const r of mine) used.add(r);
      peers.push({
        publicKey: key,
        allowedIps: mine,
        ...(rnd() < 0.5
          ? { endpoint: ep(pick(['198.18.0.1:51820', '198.18.0.2:51820', '[fdaa::1]:1'])) }
          : {}),
        ...(rnd() < 0.5 ? { persistentKeepalive: pick([0, 15, 25]) } : {}),
      });
    }
    const desired = cfg(peers, rnd() < 0.5 ? { listenPort: pick([51820, 51821]) } : {});
    state = converge(desired, state).after;
    assert.deepEqual(state.peers.map((p) => p.publicKey).sort(), peers.map((p) => p.publicKey).sort());
  }
});

test('planPeer: one peer at a time gives the same updates as planDevice', () => {
  const want: PeerConfig = { publicKey: k(5), allowedIps: ['fdaa:0:1:0:9::/80'], persistentKeepalive: 15 };
  const added = planPeer(want, undefined);
  assert.deepEqual(
    added,
    planDevice(cfg([...base.peers, want], { listenPort: 51820 }), baseState)?.peers?.[0],
  );
  const have = applySet(baseState, { peers: [added!] }).peers.find((p) => p.publicKey === k(5));
  assert.equal(planPeer(want, have), undefined);
  assert.deepEqual(planPeer({ ...want, persistentKeepalive: 0 }, have), {
    publicKey: k(5),
    updateOnly: true,
    persistentKeepaliveInterval: 0,
  });
  assert.deepEqual(planPeer(undefined, have), { publicKey: k(5), remove: true });
  assert.equal(planPeer(undefined, undefined), undefined);
  assert.throws(() => planPeer({ ...want, publicKey: k(6) }, have), /different public keys/);
});
