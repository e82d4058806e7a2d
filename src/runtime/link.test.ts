// Unit tests for the name rules of the link driver (its `ip -j` parsers are tested in core/iproute.test.ts).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SixpnError } from '../core/errors.ts';
import { checkOwnedLink } from './link.ts';
import { checkNetnsName } from './netns.ts';

const owned: [string | undefined, string, boolean][] = [
  [undefined, 'sxwg0', true],
  [undefined, 'eth0', false],
  ['sixpn-lab-h1', 'eth0', true],
  ['other-ns', 'sxwg0', false],
  [undefined, 'sx-too-long-name', false],
];
for (const [ns, name, ok] of owned) {
  test(`checkOwnedLink(${ns}, ${name}) ${ok ? 'allows' : 'refuses'}`, () => {
    if (ok) checkOwnedLink(ns, name);
    else assert.throws(() => checkOwnedLink(ns, name), SixpnError);
  });
}

test('namespace names are sixpn-…', () => {
  assert.equal(checkNetnsName('sixpn-lab-ord-1'), 'sixpn-lab-ord-1');
  for (const bad of ['lab', 'sixpn-', 'sixpn-UPPER', 'sixpn-a/b'])
    assert.throws(() => checkNetnsName(bad), SixpnError);
});
