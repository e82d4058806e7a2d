// Table tests of record ids: generation, and the parse function of each kind with its exact message.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ID_PREFIXES, type IdKind, newId, parseId, parseInstanceId } from './ids.ts';

describe('newId', () => {
  test('prefix and 12 hex digits, parsed back as the same kind', () => {
    for (const kind of Object.keys(ID_PREFIXES) as IdKind[]) {
      const id = newId(kind, () => 0.5);
      assert.equal(id, `${ID_PREFIXES[kind]}_800000800000`);
      assert.equal(parseId(kind, id), id);
    }
  });
  test('the extremes of random stay 6 digits per half', () => {
    assert.equal(
      newId('org', () => 0),
      'o_000000000000',
    );
    assert.equal(
      newId('org', () => 0.999999999),
      'o_ffffffffffff',
    );
  });
});

describe('parseId', () => {
  const good: [IdKind, string][] = [
    ['org', 'o_3fa2c1d0b9e8'],
    ['network', 'n_000000000000'],
    ['app', 'a_ffffffffffff'],
    ['host', 'h_0123456789ab'],
    ['peer', 'p_abcdef012345'],
    ['token', 't_3fa2c1d0b9e8'],
  ];
  for (const [kind, id] of good) test(`${kind}: accepts ${id}`, () => assert.equal(parseId(kind, id), id));

  const bad: [IdKind, string][] = [
    ['org', 'a_3fa2c1d0b9e8'],
    ['org', 'o_3FA2C1D0B9E8'],
    ['org', 'o_3fa2c1d0b9e'],
    ['org', 'o_3fa2c1d0b9e8f'],
    ['org', 'o3fa2c1d0b9e8'],
    ['app', ''],
    ['app', 'web'],
    ['token', ' t_3fa2c1d0b9e8'],
  ];
  for (const [kind, id] of bad) {
    const p = ID_PREFIXES[kind];
    test(`${kind}: rejects ${JSON.stringify(id)}`, () =>
      assert.throws(() => parseId(kind, id), {
        code: 'invalid_argument',
        message: `${kind} id '${id}' must be ${p}_ and 12 lowercase hex digits, like ${p}_3fa2c1d0b9e8`,
        details: { field: `${kind} id` },
      }));
  }
  test('the message names the field it is given', () =>
    assert.throws(() => parseId('token', 'x', 'id'), {
      message: /^id 'x' must be t_ and 12/,
      details: { field: 'id' },
    }));
});

describe('parseInstanceId', () => {
  const good: [string, string][] = [
    ['0a7b007d', '0a7b007d'],
    ['0A7B007D', '0a7b007d'],
    [' 0a7b007d ', '0a7b007d'],
    ['ffffffff', 'ffffffff'],
    ['00000001', '00000001'],
  ];
  for (const [text, id] of good)
    test(`${JSON.stringify(text)} → ${id}`, () => assert.equal(parseInstanceId(text), id));
  for (const text of ['00000000', '0a7b007', '0a7b007d0', 'xyz', '', 'i_0a7b007d']) {
    test(`rejects ${JSON.stringify(text)}`, () =>
      assert.throws(() => parseInstanceId(text), {
        code: 'invalid_argument',
        message: `instance id '${text}' must be 8 hex digits like 0a7b007d (see sixpn instances list)`,
        details: { field: 'instance id' },
      }));
  }
});
