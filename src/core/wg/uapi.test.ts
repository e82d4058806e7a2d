// Unit tests for the UAPI encoder/parser: tables, round trips, and a golden dump taken from wireguard-go.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { SixpnError } from '../errors.ts';
import type { WgEndpoint } from './endpoint.ts';
import type { WgPresharedKey, WgPrivateKey, WgPublicKey } from './keys.ts';
import { encodeGet, encodeSet, parseGet, parseSet, parseSetReply, type UapiSet } from './uapi.ts';

const PRIV = 'dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=' as WgPrivateKey;
const PRIV_HEX = '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a';
const PUB_A = 'hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=' as WgPublicKey;
const PUB_A_HEX = '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a';
const PUB_B = '3p7bfXt9wbTTV2OYvCS9yTfpXa+2Ss4q+aXGb1nqGVU=' as WgPublicKey;
const PUB_B_HEX = 'de9edb7d7b7dc1b4d3576398bc24bdc937e95dafb64ace2af9a5c66f59ea1955';
const ZERO = '0'.repeat(64);

const encodeCases: [string, UapiSet, string[]][] = [
  ['empty', {}, []],
  [
    'device fields',
    { privateKey: PRIV, listenPort: 51820, fwmark: 66, replacePeers: true },
    [`private_key=${PRIV_HEX}`, 'listen_port=51820', 'fwmark=66', 'replace_peers=true'],
  ],
  ['remove private key and mark', { privateKey: null, fwmark: 0 }, [`private_key=${ZERO}`, 'fwmark=0']],
  [
    'new peer, IPv4 endpoint',
    {
      peers: [
        {
          publicKey: PUB_A,
          endpoint: '198.18.0.2:51820' as WgEndpoint,
          persistentKeepaliveInterval: 25,
          replaceAllowedIps: true,
          allowedIps: ['fdaa:0:1:0:2::/80', 'fdaa:0000:0002:0000:0002::/80'],
        },
      ],
    },
    [
      `public_key=${PUB_A_HEX}`,
      'endpoint=198.18.0.2:51820',
      'persistent_keepalive_interval=25',
      'replace_allowed_ips=true',
      'allowed_ip=fdaa:0:1:0:2::/80',
      'allowed_ip=fdaa:0:2:0:2::/80',
    ],
  ],
  [
    'IPv6 endpoint is canonicalised, psk set, update only',
    {
      peers: [
        {
          publicKey: PUB_B,
          updateOnly: true,
          presharedKey: PRIV as unknown as WgPresharedKey,
          endpoint: '[FDAA:0::1]:51820' as WgEndpoint,
        },
      ],
    },
    [`public_key=${PUB_B_HEX}`, 'update_only=true', `preshared_key=${PRIV_HEX}`, 'endpoint=[fdaa::1]:51820'],
  ],
  [
    'remove peer ignores other fields',
    { peers: [{ publicKey: PUB_A, remove: true, allowedIps: ['fdaa::/16'] }] },
    [`public_key=${PUB_A_HEX}`, 'remove=true'],
  ],
  [
    'clear psk, keepalive off, IPv4 range',
    {
      peers: [
        { publicKey: PUB_A, presharedKey: null, persistentKeepaliveInterval: 0, allowedIps: ['10.0.0.0/8'] },
      ],
    },
    [
      `public_key=${PUB_A_HEX}`,
      `preshared_key=${ZERO}`,
      'persistent_keepalive_interval=0',
      'allowed_ip=10.0.0.0/8',
    ],
  ],
];

for (const [name, op, want] of encodeCases) {
  test(`encodeSet: ${name}`, () => {
    assert.equal(encodeSet(op), `${['set=1', ...want].join('\n')}\n\n`);
  });
}

test('parseSet(encodeSet(x)) keeps the meaning of x', () => {
  for (const [, op] of encodeCases) {
    const text = encodeSet(op);
    assert.equal(encodeSet(parseSet(text)), text);
  }
  const op: UapiSet = {
    listenPort: 1,
    peers: [{ publicKey: PUB_A, endpoint: '[fdaa::1]:2' as WgEndpoint, allowedIps: ['fdaa::1/128'] }],
  };
  assert.deepEqual(parseSet(encodeSet(op)), op);
});

const badSets: [string, UapiSet, RegExp][] = [
  ['port too big', { listenPort: 70000 }, /listen_port/],
  [
    'endpoint host name',
    { peers: [{ publicKey: PUB_A, endpoint: 'gw.example:51820' as WgEndpoint }] },
    /IP literal/,
  ],
  [
    'endpoint without port',
    { peers: [{ publicKey: PUB_A, endpoint: '[fdaa::1]' as WgEndpoint }] },
    /\[fdaa::1\]/,
  ],
  ['allowed ip host bits', { peers: [{ publicKey: PUB_A, allowedIps: ['fdaa::1/64'] }] }, /host bits/],
  ['bad key', { peers: [{ publicKey: 'nope' as WgPublicKey }] }, /44 characters/],
  ['keepalive negative', { peers: [{ publicKey: PUB_A, persistentKeepaliveInterval: -1 }] }, /keepalive/],
];
for (const [name, op, re] of badSets) {
  test(`encodeSet rejects ${name}`, () => {
    assert.throws(
      () => encodeSet(op),
      (e: unknown) => e instanceof SixpnError && re.test(e.message),
    );
  });
}

const golden = readFileSync(new URL('./testdata/get-two-peers.uapi', import.meta.url), 'utf8');

test('parseGet reads a wireguard-go dump', () => {
  const dev = parseGet(golden);
  assert.equal(dev.listenPort, 51820);
  assert.equal(dev.fwmark, 66);
  assert.ok(dev.privateKey);
  assert.equal(dev.peers.length, 2);
  const [b, a] = dev.peers;
  assert.equal(b?.publicKey, PUB_B);
  assert.equal(b?.presharedKey, PRIV);
  assert.equal(b?.endpoint, '[fdaa::1]:51820');
  assert.deepEqual(b?.allowedIps, ['fdaa:0:1::/64']);
  assert.equal(a?.publicKey, PUB_A);
  assert.equal(a?.presharedKey, null);
  assert.equal(a?.endpoint, '198.18.0.2:51820');
  assert.equal(a?.persistentKeepaliveInterval, 25);
  assert.deepEqual(a?.allowedIps, ['fdaa:0:1:0:2::/80', 'fdaa:0:2:0:2::/80']);
  assert.equal(a?.lastHandshakeTimeSec, 0);
});

test('encodeGet(parseGet(golden)) reproduces the dump byte for byte', () => {
  assert.equal(encodeGet(parseGet(golden)), golden);
});

test('parseGet: counters, handshake time, unknown keys skipped, empty device', () => {
  const text = [
    'listen_port=1',
    'jc=4',
    `public_key=${PUB_A_HEX}`,
    'last_handshake_time_sec=1700000000',
    'last_handshake_time_nsec=123',
    'rx_bytes=18446744073709',
    'tx_bytes=92',
    'some_future_key=x',
    'errno=0',
    '',
    '',
  ].join('\n');
  const p = parseGet(text).peers[0];
  assert.equal(p?.lastHandshakeTimeSec, 1700000000);
  assert.equal(p?.lastHandshakeTimeNsec, 123);
  assert.equal(p?.rxBytes, 18446744073709);
  assert.equal(p?.txBytes, 92);
  assert.deepEqual(parseGet('errno=0\n\n'), { privateKey: null, listenPort: 0, fwmark: 0, peers: [] });
});

const badGets: [string, string, string][] = [
  ['errno', 'errno=-22\n\n', 'invalid_argument'],
  ['errno EADDRINUSE', 'errno=-98\n\n', 'failed_precondition'],
  ['errno other', 'errno=-5\n\n', 'unavailable'],
  ['no errno', 'listen_port=1\n\n', 'invalid_argument'],
  ['no blank line', 'errno=0\n', 'invalid_argument'],
  ['not key=value', 'hello\nerrno=0\n\n', 'invalid_argument'],
  ['bad number', `public_key=${PUB_A_HEX}\nrx_bytes=-1\nerrno=0\n\n`, 'invalid_argument'],
];
for (const [name, text, code] of badGets) {
  test(`parseGet fails on ${name}`, () => {
    assert.throws(
      () => parseGet(text),
      (e: unknown) => e instanceof SixpnError && e.code === code,
    );
  });
}

test('parseSetReply', () => {
  parseSetReply('errno=0\n\n');
  assert.throws(
    () => parseSetReply('errno=-22\n\n'),
    (e: unknown) => e instanceof SixpnError && e.details?.errno === -22,
  );
  assert.throws(() => parseSetReply('garbage'), SixpnError);
});

test('parseSet rejects unknown keys and bad values', () => {
  assert.throws(() => parseSet('set=1\nfoo=1\n\n'), /unknown device key/);
  assert.throws(() => parseSet(`set=1\npublic_key=${PUB_A_HEX}\nremove=false\n\n`), /must be 'true'/);
  assert.throws(() => parseSet('get=1\n\n'), /must start with 'set=1'/);
});
