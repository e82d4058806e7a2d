// Table tests of connection precedence: --api/--token flags > SIXPN_API_URL/SIXPN_TOKEN > the login file.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SixpnError } from '../core/errors.ts';
import type { LoginFile } from './config-file.ts';
import { type ConnectionInput, DEFAULT_API, requireToken, resolveConnection } from './connection.ts';

const file: LoginFile = {
  api: 'http://file:4280',
  token: 'file-token',
  org: 'acme',
  kind: 'org',
  name: 'ci',
};

type Want = { api: string; apiFrom: string; token: string | undefined; tokenFrom: string | undefined };
const rows: [string, ConnectionInput, Want][] = [
  [
    'nothing: the default URL, no token',
    { flags: {}, env: {}, file: undefined },
    { api: DEFAULT_API, apiFrom: 'default', token: undefined, tokenFrom: undefined },
  ],
  [
    'the login file alone',
    { flags: {}, env: {}, file },
    { api: 'http://file:4280', apiFrom: 'file', token: 'file-token', tokenFrom: 'file' },
  ],
  [
    'env beats the file',
    { flags: {}, env: { SIXPN_API_URL: 'http://env:1/', SIXPN_TOKEN: 'env-token' }, file },
    { api: 'http://env:1', apiFrom: 'env', token: 'env-token', tokenFrom: 'env' },
  ],
  [
    'flags beat env and file',
    {
      flags: { api: 'http://flag:2', token: 'flag-token' },
      env: { SIXPN_API_URL: 'http://env:1', SIXPN_TOKEN: 'env-token' },
      file,
    },
    { api: 'http://flag:2', apiFrom: 'flag', token: 'flag-token', tokenFrom: 'flag' },
  ],
  [
    'each field on its own: URL from the flag, token from env',
    { flags: { api: 'http://flag:2' }, env: { SIXPN_TOKEN: 'env-token' }, file },
    { api: 'http://flag:2', apiFrom: 'flag', token: 'env-token', tokenFrom: 'env' },
  ],
  [
    'the file token is not sent to another URL',
    { flags: { api: 'http://other:3' }, env: {}, file },
    { api: 'http://other:3', apiFrom: 'flag', token: undefined, tokenFrom: undefined },
  ],
  [
    'the file token is used when the other URL is the same one spelled differently',
    { flags: {}, env: { SIXPN_API_URL: 'http://FILE:4280/' }, file },
    { api: 'http://file:4280', apiFrom: 'env', token: 'file-token', tokenFrom: 'file' },
  ],
  [
    'empty env values count as unset',
    { flags: {}, env: { SIXPN_API_URL: '', SIXPN_TOKEN: ' ' }, file },
    { api: 'http://file:4280', apiFrom: 'file', token: 'file-token', tokenFrom: 'file' },
  ],
];
for (const [name, input, want] of rows) {
  test(name, () => {
    const c = resolveConnection(input);
    assert.deepEqual({ api: c.api, apiFrom: c.apiFrom, token: c.token, tokenFrom: c.tokenFrom }, want);
  });
}

test('the org of the login file travels only with its token', () => {
  assert.equal(resolveConnection({ flags: {}, env: {}, file }).fileOrg, 'acme');
  assert.equal(resolveConnection({ flags: {}, env: { SIXPN_TOKEN: 't' }, file }).fileOrg, undefined);
});

test('a bad URL names where it came from', () => {
  assert.throws(
    () => resolveConnection({ flags: {}, env: { SIXPN_API_URL: 'nope' }, file }),
    /SIXPN_API_URL 'nope'/,
  );
  assert.throws(() => resolveConnection({ flags: { api: 'x' }, env: {}, file }), /--api 'x'/);
});

test('requireToken says how to get one', () => {
  const c = resolveConnection({ flags: {}, env: {}, file: undefined });
  assert.throws(
    () => requireToken(c),
    (e: unknown) =>
      e instanceof SixpnError &&
      e.code === 'unauthenticated' &&
      e.message ===
        'no API token for http://127.0.0.1:4280: run `sixpn login --api http://127.0.0.1:4280`, set SIXPN_TOKEN, or pass --token',
  );
});
