// resolv.conf nameserver lines.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseResolvConf } from './resolv-conf.ts';

test('nameservers in order; comments and options ignored', () => {
  const text = [
    '# generated',
    'search example.test',
    'nameserver 10.0.0.2',
    '  nameserver   fdaa::3  ',
    '; nameserver 192.0.2.9',
    'nameserver 192.0.2.1 # trailing comment',
    'options edns0 ndots:2',
    'nameserverx 1.1.1.1',
  ].join('\n');
  assert.deepEqual(parseResolvConf(text), ['10.0.0.2', 'fdaa::3', '192.0.2.1']);
  assert.deepEqual(parseResolvConf(''), []);
});
