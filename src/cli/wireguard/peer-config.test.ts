// The generated peer file: pinned by a golden file, parsed back field by field; default names; bad answers.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { SixpnError } from '../../core/errors.ts';
import { PEER_NAME_RE } from '../../core/names.ts';
import { publicKeyOf, type WgPrivateKey } from '../../core/wg/keys.ts';
import { parseWgQuick } from '../../core/wg/wg-quick.ts';
import {
  type CreatedPeerView,
  defaultConfigFile,
  defaultPeerName,
  renderPeerConfig,
  wgQuickInterfaceOf,
} from './peer-config.ts';

const golden = readFileSync(new URL('./testdata/peer.conf', import.meta.url), 'utf8');
const PRIVATE = 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=' as WgPrivateKey;
const GATEWAY_KEY = 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=';

const created: CreatedPeerView = {
  peer: { name: 'ana-thinkpad-7f3a', org: 'acme', network: 'default', address: 'fdaa:0:18:0:5::102' },
  gateway: { name: 'ord-gw1', region: 'ord', peer_key: GATEWAY_KEY, peer_endpoint: '198.18.1.4:51821' },
  network: { prefix: 'fdaa:0:18::/48', dns: 'fdaa:0:18::3' },
};

test('the peer file matches the golden file byte for byte', () => {
  assert.equal(renderPeerConfig(created, PRIVATE), golden);
});

test('the peer file carries exactly what the issue asks', () => {
  const cfg = parseWgQuick(renderPeerConfig(created, PRIVATE));
  assert.deepEqual(cfg.interface.address, ['fdaa:0:18:0:5::102/120']);
  assert.deepEqual(cfg.interface.dns, ['fdaa:0:18::3']);
  assert.equal(cfg.interface.privateKey, PRIVATE);
  assert.equal(cfg.interface.listenPort, undefined, 'a roaming client picks its own port');
  assert.equal(cfg.peers.length, 1);
  assert.equal(cfg.peers[0]?.publicKey, GATEWAY_KEY);
  assert.deepEqual(cfg.peers[0]?.allowedIps, ['fdaa:0:18::/48']);
  assert.equal(cfg.peers[0]?.endpoint, '198.18.1.4:51821');
  assert.equal(cfg.peers[0]?.persistentKeepalive, 15);
  assert.notEqual(publicKeyOf(PRIVATE), GATEWAY_KEY);
});

test('an unregistered gateway is a clear error, not a broken file', () => {
  const gw = { ...created.gateway, peer_key: null };
  assert.throws(
    () => renderPeerConfig({ ...created, gateway: gw }, PRIVATE),
    (e: unknown) => e instanceof SixpnError && e.code === 'failed_precondition',
  );
});

test('a bad answer (no IPv6 address) is refused', () => {
  const peer = { ...created.peer, address: '10.0.0.2' };
  assert.throws(() => renderPeerConfig({ ...created, peer }, PRIVATE), SixpnError);
});

const names: [string | undefined, string | undefined, string, string][] = [
  ['ana', 'thinkpad', '7f3a', 'ana-thinkpad-7f3a'],
  ['Ana.Maria', 'ThinkPad.corp.example', '00ff', 'ana-maria-thinkpad-00ff'],
  ['runner_1', 'ip-10-0-0-1.ec2.internal', 'abcd', 'runner-1-ip-10-0-0-1-abcd'],
  [undefined, 'box', '1234', 'box-1234'],
  [undefined, undefined, '1234', 'peer-1234'],
  ['___', '...', '9999', 'peer-9999'],
  ['a'.repeat(80), 'h', 'beef', `${'a'.repeat(58)}-beef`],
  ['ünïcode', 'höst', 'c0de', 'n-code-h-st-c0de'],
];
for (const [user, host, rnd, want] of names) {
  test(`default name of ${user}@${host}: ${want}`, () => {
    const got = defaultPeerName(user, host, rnd);
    assert.equal(got, want);
    assert.match(got, PEER_NAME_RE);
    assert.ok(got.length <= 63);
  });
}

test('default file names are ones wg-quick accepts; explicit ones are checked', () => {
  for (const [name, file] of [
    ['laptop', 'laptop.conf'],
    ['exactly-15-char', 'exactly-15-char.conf'],
    ['ana-thinkpad-7f3a', 'ana-thinkp-7f3a.conf'],
    ['runner-1-ip-10-0-0-1-abcd', 'runner-1-i-abcd.conf'],
    ['a---------b-1234', 'a-1234.conf'],
  ] as const) {
    assert.equal(defaultConfigFile(name), file);
    assert.equal(wgQuickInterfaceOf(file), file.slice(0, -5));
  }
  assert.equal(wgQuickInterfaceOf('/home/ana/wg/sxwa1.conf'), 'sxwa1');
  assert.equal(wgQuickInterfaceOf('ana-thinkpad-7f3a.conf'), undefined, '17 characters');
  assert.equal(wgQuickInterfaceOf('laptop.txt'), undefined);
  assert.equal(wgQuickInterfaceOf('my laptop.conf'), undefined);
});
