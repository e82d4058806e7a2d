import assert from 'node:assert/strict';
import { test } from 'node:test';
import { missingPrerequisites, prerequisitesError, probePrerequisites } from './prerequisites.ts';

const ALL = ['ip', 'nft', 'wg', 'wireguard-go'];

test('missingPrerequisites: wireguard-go is needed only without kernel WireGuard', () => {
  const cases: [string, string[], boolean, string[]][] = [
    ['everything there', ALL, false, []],
    ['kernel WireGuard, no wireguard-go', ['ip', 'nft', 'wg'], true, []],
    ['no kernel WireGuard, no wireguard-go', ['ip', 'nft', 'wg'], false, ['wireguard-go']],
    ['a bare machine', [], false, ['ip', 'nft', 'wg', 'wireguard-go']],
    ['a bare machine with the module', [], true, ['ip', 'nft', 'wg']],
  ];
  for (const [name, commands, kernelWireguard, want] of cases) {
    const got = missingPrerequisites({ commands: new Set(commands), kernelWireguard });
    assert.deepEqual(
      got.map((m) => m.command),
      want,
      name,
    );
  }
});

test('prerequisitesError names the programs and the Debian packages to install', () => {
  assert.equal(prerequisitesError([]), undefined);
  const e = prerequisitesError(missingPrerequisites({ commands: new Set(['ip']), kernelWireguard: false }));
  assert.equal(e?.code, 'failed_precondition');
  assert.equal(
    e?.message,
    'this host lacks nft, wg, wireguard-go (wireguard-go because the kernel has no WireGuard module loaded): install them with `apt-get install nftables wireguard-tools wireguard-go` and run again',
  );
  assert.deepEqual(e?.details?.packages, ['nftables', 'wireguard-tools', 'wireguard-go']);
});

test('probePrerequisites finds the programs of this machine', () => {
  const found = probePrerequisites('/nonexistent');
  assert.ok(found.commands.has('ip'), 'ip is found in the sbin folders even with an empty PATH');
});
