// Table tests of the lab's small pure pieces: /proc stat parsing, env files, the preflight message, the unbound
// config and the resolvconf shim.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEnvFile } from './exec.ts';
import { laptopEnv, renderResolvconfShim } from './laptop.ts';
import { labPlan } from './plan.ts';
import { missingMessage } from './preflight.ts';
import { parseStartTime } from './processes.ts';
import { EXAMPLE_TEST, renderUnboundConf } from './unbound-conf.ts';

test('parseStartTime reads field 22 of /proc/PID/stat, whatever the command name holds', () => {
  const tail = 'S 1 123 123 0 -1 4194560 1 0 0 0 5 3 0 0 20 0 1 0 987654 1000 100';
  const cases: [string, number | undefined][] = [
    [`4321 (node) ${tail}`, 987654],
    [`4321 (a b) c)) ${tail}`, 987654],
    ['4321 (node', undefined],
    ['4321 (node) S 1', undefined],
  ];
  for (const [stat, want] of cases) assert.equal(parseStartTime(stat), want, stat);
});

test('parseEnvFile', () => {
  const cases: [string, Record<string, string>][] = [
    [
      'SIXPN_PRIVATE_IP=fdaa:0:1::2\nSIXPN_REGION=ord\n',
      { SIXPN_PRIVATE_IP: 'fdaa:0:1::2', SIXPN_REGION: 'ord' },
    ],
    ['# c\n\nexport A="x y"\nB=\'q\'\nC=a=b\n', { A: 'x y', B: 'q', C: 'a=b' }],
    ['not a line\n1X=2\n', {}],
  ];
  for (const [text, want] of cases) assert.deepEqual(parseEnvFile(text), want, text);
});

test('missingMessage names the missing programs and their Debian packages', () => {
  const has = (p: string) => p === 'ip';
  assert.equal(missingMessage(['ip'], has), undefined);
  assert.equal(
    missingMessage(['ip', 'wg', 'wg-quick', 'unbound'], has),
    'the lab needs wg, wg-quick, unbound, which are not installed: apt-get install wireguard-tools unbound (or run bash scripts/setup.sh)',
  );
  assert.match(missingMessage(['nft'], has) ?? '', /nft, which is not installed: apt-get install nftables/);
});

test('the unbound config serves example.test on the underlay only', () => {
  const conf = renderUnboundConf({ address: '198.18.0.2', dir: '/run/x/unbound', allow: ['198.18.0.0/15'] });
  for (const line of [
    'interface: 198.18.0.2',
    'access-control: 0.0.0.0/0 refuse',
    'access-control: 198.18.0.0/15 allow',
    'directory: "/run/x/unbound"',
    'do-daemonize: no',
    `local-data: "${EXAMPLE_TEST.name}. 60 IN A ${EXAMPLE_TEST.a}"`,
    `local-data: "${EXAMPLE_TEST.name}. 60 IN AAAA ${EXAMPLE_TEST.aaaa}"`,
    'control-enable: no',
  ]) {
    assert.ok(conf.includes(`  ${line}\n`), line);
  }
});

test('the laptop: the resolvconf shim writes only the laptop resolver file; its PATH comes first', () => {
  const p = labPlan({ regions: [{ code: 'ord', hosts: 1 }], gateways: [], dir: '/run/l' });
  const shim = renderResolvconfShim(p);
  assert.ok(shim.startsWith('#!/bin/sh\n'));
  assert.match(shim, /^file='\/etc\/netns\/sixpn-lab-laptop\/resolv.conf'$/m);
  assert.match(shim, /^saved='\/run\/l\/laptop\/resolv.conf.orig'$/m);
  assert.doesNotMatch(shim.replace(/^#.*$/gm, ''), /\/etc\/resolv\.conf/);
  const env = laptopEnv(p, '/usr/bin:/bin');
  assert.equal(env.PATH, '/run/l/laptop/bin:/usr/bin:/bin');
  assert.equal(env.WG_QUICK_USERSPACE_IMPLEMENTATION, 'wireguard-go');
});
