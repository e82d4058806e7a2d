// Unit tests for wg-quick files: a golden file pins the format; parse and render round-trip.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  asHostId,
  asNetworkId,
  asPeerIndex,
  defaultPlan,
  formatCidr,
  formatIPv6,
  networkDnsAddress,
  networkPrefix,
  peerAddress,
} from '../address.ts';
import { SixpnError } from '../errors.ts';
import type { WgPrivateKey, WgPublicKey } from './keys.ts';
import { parseWgQuick, renderWgQuick, type WgQuickConfig } from './wg-quick.ts';

const golden = readFileSync(new URL('./testdata/peer.conf', import.meta.url), 'utf8');
const net = asNetworkId(0x18);

const peerConfig: WgQuickConfig = {
  comments: ["sixpn peer 'laptop' of acme/default", 'gateway ord-gw1 (ord)'],
  interface: {
    privateKey: 'dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=' as WgPrivateKey,
    address: [`${formatIPv6(peerAddress(defaultPlan, net, asHostId(5), asPeerIndex(1)))}/120`],
    dns: [formatIPv6(networkDnsAddress(defaultPlan, net))],
  },
  peers: [
    {
      publicKey: 'hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=' as WgPublicKey,
      allowedIps: [formatCidr(networkPrefix(defaultPlan, net))],
      endpoint: '198.18.0.10:51820',
      persistentKeepalive: 15,
    },
  ],
};

test('renderWgQuick matches the golden file', () => {
  assert.equal(renderWgQuick(peerConfig), golden);
});

test('parseWgQuick(golden) gives the config back', () => {
  assert.deepEqual(parseWgQuick(golden), peerConfig);
});

test('parse accepts what users write: case, repeats, comments, spacing', () => {
  const text = [
    '[interface]',
    'privatekey=dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=   # mine',
    'Address = 10.0.0.2/32,fdaa::2/120',
    'Address = fdaa::5',
    'ListenPort = 51000',
    'MTU = 1380',
    '[PEER]',
    'PublicKey = hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=',
    'AllowedIPs = fdaa:0:0018::/48',
    'AllowedIPs = 0.0.0.0/0',
    'Endpoint = gw.example.com:51820',
    '',
  ].join('\n');
  const c = parseWgQuick(text);
  assert.deepEqual(c.interface.address, ['10.0.0.2/32', 'fdaa::2/120', 'fdaa::5']);
  assert.equal(c.interface.listenPort, 51000);
  assert.equal(c.interface.mtu, 1380);
  assert.deepEqual(c.peers[0]?.allowedIps, ['fdaa:0:18::/48', '0.0.0.0/0']);
  assert.equal(c.peers[0]?.endpoint, 'gw.example.com:51820');
  assert.equal(renderWgQuick(parseWgQuick(renderWgQuick(c))), renderWgQuick(c));
});

const badFiles: [string, string, RegExp][] = [
  ['no private key', '[Interface]\nAddress = fdaa::2/120\n', /needs a PrivateKey/],
  ['key outside section', 'PrivateKey = x\n', /outside a section/],
  ['unknown key', '[Interface]\nPostUp = rm -rf /\n', /unsupported \[Interface\] key 'PostUp'/],
  [
    'peer without key',
    '[Interface]\nPrivateKey = dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=\n[Peer]\n',
    /PublicKey/,
  ],
  ['bad endpoint', '[Interface]\n[Peer]\nEndpoint = nope\n', /^Endpoint 'nope' must be HOST:PORT, e\.g\./],
];
for (const [name, text, re] of badFiles) {
  test(`parseWgQuick rejects ${name}`, () => {
    assert.throws(
      () => parseWgQuick(text),
      (e: unknown) => e instanceof SixpnError && re.test(e.message),
    );
  });
}

test('render refuses a config wg-quick would not take', () => {
  const noAddr = { ...peerConfig, interface: { ...peerConfig.interface, address: [] } };
  assert.throws(() => renderWgQuick(noAddr), /at least one Address/);
  const badDns = { ...peerConfig, interface: { ...peerConfig.interface, dns: ['resolver'] } };
  assert.throws(() => renderWgQuick(badDns), /DNS 'resolver'/);
  const badEp = { ...peerConfig, peers: [{ ...peerConfig.peers[0]!, endpoint: '198.18.0.10' }] };
  assert.throws(() => renderWgQuick(badEp), /^SixpnError: Endpoint '198.18.0.10' must be HOST:PORT/);
});
