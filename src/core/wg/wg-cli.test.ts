// Unit tests for the `wg` tool adapter: dump parsing (a real `wg show dump`) and `wg set` arguments.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { SixpnError } from '../errors.ts';
import type { WgEndpoint } from './endpoint.ts';
import type { WgPresharedKey, WgPrivateKey, WgPublicKey } from './keys.ts';
import { parseDump, wgSetArgs } from './wg-cli.ts';

const A = 'hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=' as WgPublicKey;
const B = '3p7bfXt9wbTTV2OYvCS9yTfpXa+2Ss4q+aXGb1nqGVU=' as WgPublicKey;
const SECRET = 'dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=';

test('parseDump reads a real wg dump', () => {
  const d = parseDump(readFileSync(new URL('./testdata/wg-dump.txt', import.meta.url), 'utf8'));
  assert.equal(d.listenPort, 51820);
  assert.equal(d.fwmark, 0x42);
  assert.equal(d.privateKey, 'cAdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LGo=');
  assert.deepEqual(d.peers, [
    {
      publicKey: B,
      presharedKey: SECRET,
      endpoint: '[fdaa::1]:51820',
      allowedIps: ['10.0.0.0/8', 'fdaa:0:1:0:3::5/128'],
      lastHandshakeTimeSec: 0,
      lastHandshakeTimeNsec: 0,
      rxBytes: 0,
      txBytes: 0,
      persistentKeepaliveInterval: 0,
      protocolVersion: 1,
    },
  ]);
});

test('parseDump: no key, fwmark off, peer without anything', () => {
  const d = parseDump(`(none)\t(none)\t0\toff\n${A}\t(none)\t(none)\t(none)\t1700000000\t5\t6\t25\n`);
  assert.equal(d.privateKey, null);
  assert.equal(d.fwmark, 0);
  assert.equal(d.peers[0]?.endpoint, null);
  assert.deepEqual(d.peers[0]?.allowedIps, []);
  assert.equal(d.peers[0]?.lastHandshakeTimeSec, 1700000000);
  assert.equal(d.peers[0]?.persistentKeepaliveInterval, 25);
});

test('parseDump rejects short lines', () => {
  assert.throws(() => parseDump('a\tb\n'), SixpnError);
  assert.throws(() => parseDump(`(none)\t(none)\t0\toff\n${A}\t(none)\n`), SixpnError);
});

const file = (s: string) => (s === SECRET ? '/run/k1' : '/run/k2');

const cases: [string, Parameters<typeof wgSetArgs>[1], string[], string[]][] = [
  [
    'device and new peer',
    {
      privateKey: SECRET as WgPrivateKey,
      listenPort: 51820,
      fwmark: 0,
      peers: [
        {
          publicKey: A,
          endpoint: '198.18.0.2:51820' as WgEndpoint,
          persistentKeepaliveInterval: 25,
          replaceAllowedIps: true,
          allowedIps: ['fdaa:0:1::/48'],
        },
      ],
    },
    [],
    [
      'listen-port',
      '51820',
      'fwmark',
      'off',
      'private-key',
      '/run/k1',
      'peer',
      A,
      'endpoint',
      '198.18.0.2:51820',
      'persistent-keepalive',
      '25',
      'allowed-ips',
      'fdaa:0:1::/48',
    ],
  ],
  [
    'remove, psk cleared, keepalive off',
    {
      peers: [
        { publicKey: A, remove: true },
        { publicKey: B, presharedKey: null, persistentKeepaliveInterval: 0 },
      ],
    },
    [A],
    ['peer', A, 'remove', 'peer', B, 'preshared-key', '/dev/null', 'persistent-keepalive', 'off'],
  ],
  [
    'update_only skips a missing peer',
    { peers: [{ publicKey: A, updateOnly: true, presharedKey: SECRET as WgPresharedKey }] },
    [],
    [],
  ],
  [
    'a peer added with a handshake: keepalive on in its add, off in its second entry (wg keeps both, in order)',
    {
      peers: [
        {
          publicKey: A,
          endpoint: '198.18.0.2:51820' as WgEndpoint,
          persistentKeepaliveInterval: 1,
          replaceAllowedIps: true,
          allowedIps: [],
        },
        { publicKey: A, updateOnly: true, persistentKeepaliveInterval: 0 },
      ],
    },
    [],
    [
      'peer',
      A,
      'endpoint',
      '198.18.0.2:51820',
      'persistent-keepalive',
      '1',
      'allowed-ips',
      '',
      'peer',
      A,
      'persistent-keepalive',
      'off',
    ],
  ],
  [
    'replace_peers removes the others',
    { replacePeers: true, peers: [{ publicKey: B, replaceAllowedIps: true, allowedIps: [] }] },
    [A, B],
    ['peer', A, 'remove', 'peer', B, 'allowed-ips', ''],
  ],
];
for (const [name, op, existing, want] of cases) {
  test(`wgSetArgs: ${name}`, () => {
    assert.deepEqual(wgSetArgs('sxwg0', op, new Set(existing), file), ['set', 'sxwg0', ...want]);
  });
}

test('wgSetArgs refuses allowed IPs without replace (wg set always replaces)', () => {
  assert.throws(
    () => wgSetArgs('sxwg0', { peers: [{ publicKey: A, allowedIps: ['fdaa::/16'] }] }, new Set(), file),
    /replaceAllowedIps/,
  );
});
