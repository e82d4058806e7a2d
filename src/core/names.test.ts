// Table tests of every naming rule: DNS labels (RFC 1035 §2.3.1), reserved words, app names, region codes, peer
// names, interface names and nft tables, each with its exact message.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SixpnError } from './errors.ts';
import {
  checkAppName,
  checkIfaceName,
  checkLabel,
  checkNftTable,
  checkOwnIfaceName,
  checkPeerName,
  checkRegion,
  isReservedName,
  LABEL_RE,
  PEER_NAME_RE,
  REGION_RE,
} from './names.ts';

const invalidWith = (field: string, msg: RegExp) => (e: unknown) =>
  e instanceof SixpnError &&
  e.code === 'invalid_argument' &&
  e.details?.field === field &&
  msg.test(e.message);

describe('checkLabel', () => {
  const good = [
    'a',
    'z',
    '0',
    'web',
    'web-1',
    '1web',
    'a-b-c',
    'a--b',
    'x'.repeat(63),
    `a${'-'.repeat(61)}b`,
    '007',
  ];
  for (const name of good) {
    test(`accepts ${JSON.stringify(name)}`, () => {
      assert.equal(checkLabel('app name', name), name);
      assert.ok(LABEL_RE.test(name));
    });
  }

  const bad: [string, RegExp][] = [
    ['', /'' is not a valid name: it is empty/],
    ['x'.repeat(64), /it is 64 characters; the limit is 63/],
    ['Web', /use lowercase \(web\)/],
    ['Web_1', /use lowercase letters, digits and "-"/], // no "use lowercase (web_1)": that would still be invalid
    ['WEB', /use lowercase \(web\)/],
    ['-web', /must not start or end with "-"/],
    ['web-', /must not start or end with "-"/],
    ['-', /must not start or end with "-"/],
    ['web_1', /use lowercase letters, digits and "-"/],
    ['web.1', /use lowercase letters, digits and "-"/],
    ['web 1', /use lowercase letters, digits and "-"/],
    ['wéb', /use lowercase letters, digits and "-"/],
    ['_api', /use lowercase letters, digits and "-"/],
    ['a/b', /use lowercase letters, digits and "-"/],
  ];
  for (const [name, msg] of bad) {
    test(`rejects ${JSON.stringify(name)}`, () => {
      assert.equal(LABEL_RE.test(name), false);
      assert.throws(() => checkLabel('app name', name), invalidWith('app name', msg));
    });
  }

  test('the message names the field and the value', () => {
    assert.throws(() => checkLabel('org name', 'Acme'), /^SixpnError: org name 'Acme' is not a valid name/);
  });
});

describe('checkRegion', () => {
  const good = ['ord', 'nrt', 'ams', 'us', 'fra2', 'abcdefgh', 'a1', 'top', 'svc1'];
  for (const code of good) test(`accepts ${code}`, () => assert.equal(checkRegion('region', code), code));
  const bad = ['', 'o', 'ORD', 'Ord', '1ord', 'abcdefghi', 'or-d', 'or d', 'ord.', '_ord'];
  for (const code of bad) {
    test(`rejects ${JSON.stringify(code)}`, () => {
      assert.equal(REGION_RE.test(code), false);
      assert.throws(
        () => checkRegion('region', code),
        invalidWith(
          'region',
          new RegExp(
            `^region '${code}' is not a region code: use 2–8 lowercase letters or digits, like ord$`,
          ),
        ),
      );
    });
  }
  for (const code of ['all', 'vms', 'vm', 'of', 'svc', 'top3', 'regions', 'nearest', 'global']) {
    test(`rejects the reserved word ${code}`, () =>
      assert.throws(
        () => checkRegion('code', code),
        invalidWith('code', /^code '\w+' is reserved by \.internal/),
      ));
  }
});

const RESERVED_MESSAGE = (field: string, v: string) =>
  `${field} '${v}' is reserved by .internal DNS (global, all, regions, vms, vm, nearest, of, svc, internal, top<N> and names starting with _); choose another`;

describe('reserved words (DESIGN.md)', () => {
  const rows: [string, boolean][] = [
    ['global', true],
    ['all', true],
    ['regions', true],
    ['vms', true],
    ['vm', true],
    ['nearest', true],
    ['of', true],
    ['svc', true],
    ['internal', true],
    ['top1', true],
    ['top25', true],
    ['_api', true],
    ['_apps', true],
    ['_peer', true],
    ['_instances', true],
    ['_anything', true],
    ['top', false],
    ['topx', false],
    ['web', false],
    ['api', false],
    ['svcs', false],
    ['region', false],
    ['vm1', false],
  ];
  for (const [name, reserved] of rows)
    test(`${name}: ${reserved}`, () => assert.equal(isReservedName(name), reserved));
});

describe('checkAppName', () => {
  for (const name of ['web', 'api', 'top', 'svcs', 'a-b'])
    test(`accepts ${name}`, () => assert.equal(checkAppName('app name', name), name));
  for (const name of ['global', 'all', 'svc', 'top10', 'internal', 'nearest', 'of', 'vm', 'vms', 'regions']) {
    test(`rejects ${name} with the one message`, () =>
      assert.throws(() => checkAppName('app name', name), {
        code: 'invalid_argument',
        message: RESERVED_MESSAGE('app name', name),
      }));
  }
  test('a label rule failure comes first (_api is not a label)', () =>
    assert.throws(
      () => checkAppName('name', '_api'),
      invalidWith('name', /^name '_api' is not a valid name/),
    ));
});

describe('checkPeerName', () => {
  const rows: [string, string][] = [
    ['laptop', 'laptop'],
    ['My-Laptop', 'my-laptop'],
    ['ci-1', 'ci-1'],
    ['x'.repeat(63), 'x'.repeat(63)],
  ];
  for (const [name, out] of rows)
    test(`${name} → ${out}`, () => assert.equal(checkPeerName('name', name), out));
  for (const name of ['x'.repeat(64), '', 'my_laptop', 'my laptop', 'laptop.local']) {
    test(`rejects ${JSON.stringify(name)}`, () =>
      assert.throws(() => checkPeerName('peer name', name), {
        code: 'invalid_argument',
        message: `peer name '${name}' is not a valid peer name: use letters, digits and "-", 1–63 characters (it is used lowercased in DNS)`,
      }));
  }
});

describe('interface names', () => {
  const good = ['eth0', 'sxmesh', 'sxi0a7b007d', 'a', 'x'.repeat(15), 'br-lan.10', 'wg_0'];
  for (const name of good)
    test(`accepts ${name}`, () => assert.equal(checkIfaceName('interface', name), name));
  for (const name of ['', 'x'.repeat(16), 'eth 0', 'eth0/1', 'wg:0', 'eth0\n', 'é']) {
    test(`rejects ${JSON.stringify(name)}`, () =>
      assert.throws(() => checkIfaceName('--interface', name), {
        code: 'invalid_argument',
        message: `--interface '${name}' is not an interface name: use 1–15 of A-Z a-z 0-9 _ . - (Linux allows 15 bytes)`,
      }));
  }
  for (const name of ['sxmesh', 'sx0', `sx${'a'.repeat(13)}`])
    test(`own: accepts ${name}`, () => assert.equal(checkOwnIfaceName('--mesh-interface', name), name));
  for (const name of ['sx', 'eth0', 'wg0', 'xsx']) {
    test(`own: rejects ${name}`, () =>
      assert.throws(() => checkOwnIfaceName('--mesh-interface', name), {
        code: 'invalid_argument',
        message: `--mesh-interface '${name}' is not one of sixpn's: in the machine's namespace sixpn only manages sx… interfaces (e.g. sxmesh)`,
      }));
  }
  test('own: a name over 15 characters fails the interface rule first', () =>
    assert.throws(() => checkOwnIfaceName('iface', `sx${'a'.repeat(14)}`), /is not an interface name/));
});

describe('nft tables', () => {
  for (const t of ['sixpn', 'sixpn_gw', 'sixpn0', `sixpn${'a'.repeat(26)}`])
    test(`accepts ${t}`, () => assert.equal(checkNftTable('table', t), t));
  for (const t of ['filter', 'Sixpn', 'sixpn-gw', `sixpn${'a'.repeat(27)}`, 'sixpnA', '']) {
    test(`rejects ${JSON.stringify(t)}`, () =>
      assert.throws(() => checkNftTable('nft table', t), {
        code: 'invalid_argument',
        message: `nft table '${t}' is not a sixpn table name: use "sixpn" and up to 26 of a-z 0-9 _ (sixpn tables only)`,
      }));
  }
});

describe('peer names', () => {
  const rows: [string, boolean][] = [
    ['laptop', true],
    ['My-Laptop', true],
    ['ci-1', true],
    ['x'.repeat(63), true],
    ['x'.repeat(64), false],
    ['', false],
    ['my_laptop', false],
    ['my laptop', false],
    ['laptop.local', false],
  ];
  for (const [name, ok] of rows)
    test(`${JSON.stringify(name)}: ${ok}`, () => assert.equal(PEER_NAME_RE.test(name), ok));
});
