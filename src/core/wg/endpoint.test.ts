// Table tests of the endpoint rules: device endpoints (IP literal and port, canonical), host endpoints (a DNS name
// allowed), their ports, and allowed-IP ranges; each bad input with its exact message.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  endpointOf,
  endpointPort,
  normalizeAllowedIp,
  parseEndpoint,
  parseHostEndpoint,
} from './endpoint.ts';

const fails = (message: string, field: string) => ({
  name: 'SixpnError',
  code: 'invalid_argument',
  message,
  details: { field },
});

describe('parseEndpoint', () => {
  const good: [string, string][] = [
    ['198.18.0.1:51820', '198.18.0.1:51820'],
    ['0.0.0.0:1', '0.0.0.0:1'],
    ['255.255.255.255:65535', '255.255.255.255:65535'],
    ['[fdaa::1]:51820', '[fdaa::1]:51820'],
    ['[FDAA:0:0::1]:51820', '[fdaa::1]:51820'],
    ['[2001:db8:0:0:0:0:0:7]:443', '[2001:db8::7]:443'],
  ];
  for (const [text, canon] of good)
    test(`${text} → ${canon}`, () => assert.equal(parseEndpoint(text), canon));

  const ipLiteral = (t: string) =>
    `endpoint '${t}' must be IPv4:port or [IPv6]:port with an IP literal (e.g. 198.18.0.1:51820)`;
  const badPort = (t: string) => `endpoint '${t}' has a bad port; expected 1–65535, e.g. 198.18.0.1:51820`;
  const bad: [string, string][] = [
    ['198.18.0.1', ipLiteral('198.18.0.1')],
    ['gw.example.com:51820', ipLiteral('gw.example.com:51820')],
    ['256.0.0.1:51820', ipLiteral('256.0.0.1:51820')],
    ['01.2.3.4:51820', ipLiteral('01.2.3.4:51820')],
    ['fdaa::1:51820', ipLiteral('fdaa::1:51820')],
    ['198.18.0.1:0', badPort('198.18.0.1:0')],
    ['198.18.0.1:65536', badPort('198.18.0.1:65536')],
    ['198.18.0.1:051820', badPort('198.18.0.1:051820')],
    ['198.18.0.1:', badPort('198.18.0.1:')],
    ['[fdaa::1]', `endpoint '[fdaa::1]' must look like [fdaa::1]:51820`],
    ['[fdaa::1]51820', `endpoint '[fdaa::1]51820' must look like [fdaa::1]:51820`],
    ['[nope]:51820', `endpoint '[nope]:51820' does not hold an IPv6 address in brackets`],
    ['[fdaa::1]:x', badPort('[fdaa::1]:x')],
  ];
  for (const [text, message] of bad)
    test(`rejects ${text}`, () => assert.throws(() => parseEndpoint(text), fails(message, 'endpoint')));

  test('the message names the field it is given', () =>
    assert.throws(
      () => parseEndpoint('x', '--endpoint'),
      fails(
        `--endpoint 'x' must be IPv4:port or [IPv6]:port with an IP literal (e.g. 198.18.0.1:51820)`,
        '--endpoint',
      ),
    ));
  test('endpointOf builds the canonical form', () => {
    assert.equal(endpointOf('198.18.0.1', 51820), '198.18.0.1:51820');
    assert.equal(endpointOf('FDAA::1', 7), '[fdaa::1]:7');
  });
});

describe('parseHostEndpoint', () => {
  const good = [
    '198.51.100.7:51821',
    '[2001:db8::7]:51821',
    'gw.example.com:51821',
    'gw:1',
    'localhost:1',
    'gw.example.com:443',
    '198.18.1.4:51821',
    'GW-1.Example.COM:65535',
    `${'a'.repeat(63)}.example:51820`,
  ];
  for (const text of good)
    test(`accepts ${text} as given`, () => assert.equal(parseHostEndpoint(text), text));

  const shape = (t: string, field = 'endpoint') =>
    `${field} '${t}' must be HOST:PORT, e.g. 198.51.100.7:51821, [2001:db8::7]:51821 or gw.example.com:51821`;
  const badPort = (t: string) => `endpoint '${t}' has a bad port; expected 1–65535, e.g. 198.18.0.1:51820`;
  const bad: [string, string][] = [
    ['nope', shape('nope')],
    ['', shape('')],
    ['198.18.1.4', shape('198.18.1.4')],
    ['a_b:1', shape('a_b:1')],
    ['198.18.1.4:70000', badPort('198.18.1.4:70000')],
    [':51820', shape(':51820')],
    ['1.2.3:51820', shape('1.2.3:51820')],
    ['999.1.1.1:51820', shape('999.1.1.1:51820')],
    ['fdaa::1:51820', shape('fdaa::1:51820')],
    ['[nope]:51820', shape('[nope]:51820')],
    ['-gw.example.com:51820', shape('-gw.example.com:51820')],
    ['gw_1.example.com:51820', shape('gw_1.example.com:51820')],
    [`${'a'.repeat(64)}.example:51820`, shape(`${'a'.repeat(64)}.example:51820`)],
    ['gw.example.com:0', badPort('gw.example.com:0')],
    ['gw.example.com:65536', badPort('gw.example.com:65536')],
    ['gw.example.com:', badPort('gw.example.com:')],
  ];
  for (const [text, message] of bad)
    test(`rejects ${text.slice(0, 40)}`, () =>
      assert.throws(() => parseHostEndpoint(text), fails(message, 'endpoint')));
  test('the message names the field it is given', () =>
    assert.throws(
      () => parseHostEndpoint('nope', '--peer-endpoint'),
      fails(shape('nope', '--peer-endpoint'), '--peer-endpoint'),
    ));
});

describe('endpointPort', () => {
  const rows: [string, number][] = [
    ['198.18.0.1:51820', 51820],
    ['[fdaa::1]:7', 7],
    ['gw.example.com:65535', 65535],
  ];
  for (const [text, port] of rows) {
    test(`${text} → ${port}`, () => {
      const ep = text.startsWith('gw') ? parseHostEndpoint(text) : parseEndpoint(text);
      assert.equal(endpointPort(ep), port);
    });
  }
});

describe('normalizeAllowedIp', () => {
  const good: [string, string][] = [
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['10.0.0.1', '10.0.0.1/32'],
    ['fdaa:0:18::/48', 'fdaa:0:18::/48'],
    ['FDAA:0:18:0:0:0:0:0/48', 'fdaa:0:18::/48'],
    ['fdaa::2', 'fdaa::2/128'],
  ];
  for (const [text, canon] of good)
    test(`${text} → ${canon}`, () => assert.equal(normalizeAllowedIp(text), canon));
  for (const text of ['10.0.0.0/33', '10.0.0.0/08', '10.0.0.0/x']) {
    test(`rejects ${text}`, () =>
      assert.throws(
        () => normalizeAllowedIp(text),
        fails(`allowed IP '${text}' has a bad prefix length (0–32)`, 'allowed_ip'),
      ));
  }
});
