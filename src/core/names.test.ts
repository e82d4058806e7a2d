// Table tests of name validation: DNS labels (RFC 1035 §2.3.1), region codes, reserved app names, peer names.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SixpnError } from './errors.ts';
import { checkLabel, checkRegion, LABEL_RE, PEER_NAME_RE, REGION_RE, RESERVED_APP_NAMES } from './names.ts';

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
  const good = ['ord', 'nrt', 'ams', 'us', 'fra2', 'abcdefgh', 'a1'];
  for (const code of good) test(`accepts ${code}`, () => assert.equal(checkRegion('region', code), code));
  const bad = ['', 'o', 'ORD', 'Ord', '1ord', 'abcdefghi', 'or-d', 'or d', 'ord.', '_ord'];
  for (const code of bad) {
    test(`rejects ${JSON.stringify(code)}`, () => {
      assert.equal(REGION_RE.test(code), false);
      assert.throws(
        () => checkRegion('region', code),
        invalidWith('region', /is not a region code: use 2–8 lowercase/),
      );
    });
  }
});

describe('reserved app names', () => {
  const rows: [string, boolean][] = [
    ['_api', true],
    ['_apps', true],
    ['_peer', true],
    ['_instances', true],
    ['internal', true],
    ['web', false],
    ['api', false],
  ];
  for (const [name, reserved] of rows)
    test(`${name}: ${reserved}`, () => assert.equal(RESERVED_APP_NAMES.has(name), reserved));
  test('the only reserved name that is a valid label is "internal"', () => {
    assert.deepEqual(
      [...RESERVED_APP_NAMES].filter((n) => LABEL_RE.test(n)),
      ['internal'],
    );
  });
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
