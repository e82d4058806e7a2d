// The mount check that keeps lab instance namespaces visible: /run/netns shared (ok) or slave-only (refused).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { netnsMountIsPrivate } from './preflight.ts';

const rows: [string, string, boolean][] = [
  [
    'machine namespace: shared',
    '42 27 254:0 /run/netns /run/netns rw,relatime shared:1 - ext4 /dev/vda rw',
    false,
  ],
  ['ip netns exec: slave', '65 45 254:0 /run/netns /run/netns rw,relatime master:1 - ext4 /dev/vda rw', true],
  ['shared and slave', '65 45 254:0 /run/netns /run/netns rw shared:7 master:1 - ext4 /dev/vda rw', false],
  ['not a mount point', '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw', false],
];
for (const [name, info, want] of rows) {
  test(`netnsMountIsPrivate: ${name}`, () => assert.equal(netnsMountIsPrivate(info), want));
}
