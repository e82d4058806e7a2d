// Store suite, part 2: bad input names the field, duplicates are `already_exists`, missing things are
// `not_found` naming them, in-use deletes are `failed_precondition`; none of them writes a revision.

import { test } from 'node:test';
import { forEachBackend } from '../../../test/support/postgres.ts';
import type { ErrorCode } from '../../core/errors.ts';
import type { Store } from './store.ts';
import { deterministic, rejectsWithoutWrite, seedFleet, wgKey } from './test-fixtures.ts';

interface Case {
  name: string;
  call: (s: Store) => Promise<unknown>;
  code: ErrorCode;
  message?: RegExp;
  field?: string;
}

const peer = { org: 'acme', network: 'default', name: 'laptop', region: 'ord', public_key: wgKey(1) };

const invalidInput: Case[] = [
  { name: 'org name uppercase', call: (s) => s.createOrg('Acme'), code: 'invalid_argument', field: 'name' },
  { name: 'org name empty', call: (s) => s.createOrg(''), code: 'invalid_argument', field: 'name' },
  {
    name: 'org name 64 chars',
    call: (s) => s.createOrg('a'.repeat(64)),
    code: 'invalid_argument',
    field: 'name',
  },
  {
    name: 'network name with dot',
    call: (s) => s.createNetwork('acme', 'a.b'),
    code: 'invalid_argument',
    field: 'name',
  },
  {
    name: 'network name leading dash',
    call: (s) => s.createNetwork('acme', '-x'),
    code: 'invalid_argument',
    field: 'name',
  },
  {
    name: 'app name reserved',
    call: (s) => s.createApp({ org: 'acme', name: 'internal', private_network: true }),
    code: 'invalid_argument',
    message: /reserved/,
    field: 'name',
  },
  {
    name: 'app name underscore',
    call: (s) => s.createApp({ org: 'acme', name: '_apps', private_network: true }),
    code: 'invalid_argument',
    field: 'name',
  },
  {
    name: 'app network invalid',
    call: (s) => s.createApp({ org: 'acme', name: 'x', network: 'Bad', private_network: true }),
    code: 'invalid_argument',
    field: 'network',
  },
  {
    name: 'region code',
    call: (s) => s.createRegion({ code: 'ORD', name: 'x', lat: 0, lon: 0 }),
    code: 'invalid_argument',
    field: 'code',
  },
  {
    name: 'region lat',
    call: (s) => s.createRegion({ code: 'xyz', name: 'x', lat: 90.5, lon: 0 }),
    code: 'invalid_argument',
    field: 'lat',
  },
  {
    name: 'region lon',
    call: (s) => s.createRegion({ code: 'xyz', name: 'x', lat: 0, lon: -181 }),
    code: 'invalid_argument',
    field: 'lon',
  },
  {
    name: 'region name empty',
    call: (s) => s.createRegion({ code: 'xyz', name: ' ', lat: 0, lon: 0 }),
    code: 'invalid_argument',
    field: 'name',
  },
  {
    name: 'host name',
    call: (s) => s.createHost({ name: 'h_1', region: 'ord', role: 'host' }),
    code: 'invalid_argument',
    field: 'name',
  },
  {
    name: 'host role',
    call: (s) => s.createHost({ name: 'h1', region: 'ord', role: 'router' as 'host' }),
    code: 'invalid_argument',
    field: 'role',
  },
  {
    name: 'register endpoint',
    call: (s) => s.registerHost('ord-1', { endpoint: 'nope', mesh_key: wgKey(1) }),
    code: 'invalid_argument',
    field: 'endpoint',
  },
  {
    name: 'register mesh key',
    call: (s) => s.registerHost('ord-1', { endpoint: '198.18.0.2:51820', mesh_key: 'short' }),
    code: 'invalid_argument',
    field: 'mesh_key',
  },
  {
    name: 'instance region',
    call: (s) => s.createInstance({ org: 'acme', app: 'web', region: 'Chicago' }),
    code: 'invalid_argument',
    field: 'region',
  },
  {
    name: 'instance state',
    call: (s) => s.createInstance({ org: 'acme', app: 'web', region: 'ord', state: 'running' as 'started' }),
    code: 'invalid_argument',
    field: 'state',
  },
  {
    name: 'peer name',
    call: (s) => s.createPeer({ ...peer, name: 'my laptop' }),
    code: 'invalid_argument',
    field: 'name',
  },
  {
    name: 'peer key',
    call: (s) => s.createPeer({ ...peer, public_key: 'x' }),
    code: 'invalid_argument',
    field: 'public_key',
  },
  {
    name: 'token kind',
    call: (s) => s.createToken({ kind: 'root' as 'admin', name: 'x' }, 'h'.repeat(64)),
    code: 'invalid_argument',
    field: 'kind',
  },
  {
    name: 'token network on an org token',
    call: (s) => s.createToken({ kind: 'org', name: 'x', org: 'acme', network: 'default' }, 'h'.repeat(64)),
    code: 'invalid_argument',
    field: 'network',
  },
];

const duplicates: Case[] = [
  {
    name: 'org',
    call: (s) => s.createOrg('acme'),
    code: 'already_exists',
    message: /org 'acme' already exists/,
  },
  {
    name: 'network',
    call: (s) => s.createNetwork('acme', 'default'),
    code: 'already_exists',
    message: /acme\/default/,
  },
  {
    name: 'app',
    call: (s) => s.createApp({ org: 'acme', name: 'web', private_network: false }),
    code: 'already_exists',
    message: /app 'acme\/web'/,
  },
  {
    name: 'region',
    call: (s) => s.createRegion({ code: 'ord', name: 'again', lat: 0, lon: 0 }),
    code: 'already_exists',
    message: /region 'ord'/,
  },
  {
    name: 'host (a gateway of the same name)',
    call: (s) => s.createHost({ name: 'ord-1', region: 'ams', role: 'gateway' }),
    code: 'already_exists',
    message: /host 'ord-1'/,
  },
  {
    name: 'peer name, any case',
    call: (s) => s.createPeer({ ...peer, name: 'LAPTOP', public_key: wgKey(9) }),
    code: 'already_exists',
  },
  {
    name: 'peer public key',
    call: (s) => s.createPeer({ ...peer, name: 'other' }),
    code: 'already_exists',
    message: /public key/,
  },
];

const missing: Case[] = [
  { name: 'org', call: (s) => s.getOrg('nope'), code: 'not_found', message: /org 'nope' not found/ },
  {
    name: 'org of a network',
    call: (s) => s.createNetwork('nope', 'x'),
    code: 'not_found',
    message: /org 'nope'/,
  },
  { name: 'delete org', call: (s) => s.deleteOrg('nope'), code: 'not_found', message: /org 'nope'/ },
  {
    name: 'region of a host',
    call: (s) => s.createHost({ name: 'x', region: 'fra', role: 'host' }),
    code: 'not_found',
    message: /region 'fra'/,
  },
  {
    name: 'host',
    call: (s) => s.registerHost('nope', { endpoint: '1.2.3.4:1', mesh_key: wgKey(1) }),
    code: 'not_found',
    message: /host 'nope'/,
  },
  {
    name: 'app',
    call: (s) => s.createInstance({ org: 'acme', app: 'nope', region: 'ord' }),
    code: 'not_found',
    message: /app 'acme\/nope'/,
  },
  {
    name: 'region of an instance',
    call: (s) => s.createInstance({ org: 'acme', app: 'web', region: 'fra' }),
    code: 'not_found',
    message: /region 'fra'/,
  },
  {
    name: 'instance',
    call: (s) => s.setInstanceState('0000abcd', 'stopped'),
    code: 'not_found',
    message: /instance '0000abcd'/,
  },
  {
    name: 'network of a peer',
    call: (s) => s.createPeer({ ...peer, network: 'nope' }),
    code: 'not_found',
    message: /network 'acme\/nope'/,
  },
  {
    name: 'peer',
    call: (s) => s.deletePeer('acme', 'nope'),
    code: 'not_found',
    message: /peer 'acme\/nope'/,
  },
  {
    name: 'app list of a missing org',
    call: (s) => s.listApps('nope'),
    code: 'not_found',
    message: /org 'nope'/,
  },
  {
    name: 'token org',
    call: (s) => s.createToken({ kind: 'org', name: 'x', org: 'nope' }, 'h'.repeat(64)),
    code: 'not_found',
  },
];

const preconditions: Case[] = [
  {
    name: 'delete a region with hosts',
    call: (s) => s.deleteRegion('ams'),
    code: 'failed_precondition',
    message: /hosts ams-1/,
  },
  {
    name: 'instance on a gateway',
    call: (s) => s.createInstance({ org: 'acme', app: 'web', region: 'ord', host: 'gw-ord-1' }),
    code: 'failed_precondition',
    message: /gateway/,
  },
  {
    name: 'instance pinned to a host of another region',
    call: (s) => s.createInstance({ org: 'acme', app: 'web', region: 'ord', host: 'ams-1' }),
    code: 'failed_precondition',
    message: /in region 'ams', not 'ord'/,
  },
];

forEachBackend('store errors', (b) => {
  const groups: [string, Case[]][] = [
    ['invalid input', invalidInput],
    ['duplicate', duplicates],
    ['missing', missing],
    ['in the way', preconditions],
  ];
  for (const [group, cases] of groups) {
    test(`${group}: each case fails with its code and writes nothing`, async (t) => {
      const s = await b.open(deterministic());
      await seedFleet(s);
      await s.createPeer(peer);
      for (const c of cases) {
        await t.test(c.name, () =>
          rejectsWithoutWrite(
            s,
            () => c.call(s),
            c.code,
            c.message,
            c.field ? { field: c.field } : undefined,
          ),
        );
      }
    });
  }
});
