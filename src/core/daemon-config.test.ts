// The agent/gateway config: round trip, and errors that name the file and the key.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type DaemonConfig, encodeDaemonConfig, parseDaemonConfig } from './daemon-config.ts';

const cfg: DaemonConfig = {
  api: 'https://198.18.0.1:4280',
  ca_fingerprint: `sha256:${'ab'.repeat(32)}`,
  token_file: '/etc/sixpn/agent.token',
  name: 'ord1',
  region: 'ord',
  endpoint: '198.18.1.1:51820',
  state_dir: '/var/lib/sixpn/agent',
  mesh_interface: 'sxm1',
  wireguard: 'userspace',
  lab: true,
  upstream: ['198.18.0.2:53'],
};

test('encode → parse round-trips', () => {
  const text = encodeDaemonConfig(cfg, 'agent');
  assert.match(text, /^# written by `sixpn agent join`/);
  assert.deepEqual(parseDaemonConfig(text, 'agent.toml'), cfg);
});

test('errors name the file and the key', () => {
  assert.throws(() => parseDaemonConfig('api = ', 'a.toml'), /a\.toml:1:\d+: TOML syntax error/);
  assert.throws(
    () => parseDaemonConfig(`${encodeDaemonConfig(cfg, 'agent')}token = "x"\n`, 'a.toml'),
    /key 'token' is not a key/,
  );
  assert.throws(() => parseDaemonConfig('api = "x"\n', 'a.toml'), /a\.toml: key 'token_file'/);
});
