// The join prerequisites: nothing missing, each program with its Debian package, WireGuard from either source.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { missingPrerequisites } from './prerequisites.ts';

test('names what is missing and the Debian packages to install', () => {
  const all = new Set(['ip', 'nft', 'wg', 'wireguard-go']);
  assert.equal(missingPrerequisites({ programs: all, kernelWireguard: false }), undefined);
  assert.equal(
    missingPrerequisites({ programs: new Set(['ip', 'nft', 'wg']), kernelWireguard: true }),
    undefined,
    'kernel WireGuard needs no wireguard-go',
  );
  assert.equal(
    missingPrerequisites({ programs: new Set(['ip']), kernelWireguard: false }),
    'this machine lacks nft, wg, WireGuard (the kernel module, or wireguard-go): install with `apt-get install nftables wireguard-tools wireguard-go` and join again',
  );
});
