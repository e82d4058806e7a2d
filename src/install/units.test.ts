import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ROLE_NODE_FLAGS } from '../core/node-flags.ts';
import { capabilitiesOf, type Role, type ServerFlags, serviceUnit, type UnitPaths } from './units.ts';

const PATHS: UnitPaths = {
  node: process.execPath,
  bin: fileURLToPath(new URL('../../bin/sixpn.js', import.meta.url)),
  configDir: '/etc/sixpn',
};

/** The value(s) of `key` in a unit's text. */
const values = (text: string, key: string) =>
  text
    .split('\n')
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1));

interface Case {
  name: string;
  role: Role;
  server?: ServerFlags;
  exec: string;
  caps: string;
  writes: string;
}

const CASES: Case[] = [
  {
    name: 'server, defaults: SQLite in its state dir, no capability',
    role: 'server',
    exec: 'server --db sqlite:/var/lib/sixpn/server/sixpn.db --listen [::]:4280',
    caps: '',
    writes: '/var/lib/sixpn/server',
  },
  {
    name: 'server on port 443 with PostgreSQL and its own names: NET_BIND_SERVICE',
    role: 'server',
    server: {
      db: 'postgres://sixpn@db.example/sixpn',
      listen: '0.0.0.0:443',
      hostname: ['cp.example.com', 'cp2'],
    },
    exec: 'server --db postgres://sixpn@db.example/sixpn --listen 0.0.0.0:443 --hostname cp.example.com --hostname cp2',
    caps: 'CAP_NET_BIND_SERVICE',
    writes: '/var/lib/sixpn/server',
  },
  {
    name: 'server with SQLite elsewhere and its own certificate',
    role: 'server',
    server: { db: 'sqlite:/srv/sixpn/db.sqlite', tlsCert: '/etc/ssl/cp.pem', tlsKey: '/etc/ssl/cp.key' },
    exec: 'server --db sqlite:/srv/sixpn/db.sqlite --listen [::]:4280 --tls-cert /etc/ssl/cp.pem --tls-key /etc/ssl/cp.key',
    caps: '',
    writes: '/var/lib/sixpn/server /srv/sixpn',
  },
  {
    name: 'agent: runs from /etc/sixpn/agent.toml',
    role: 'agent',
    exec: 'agent',
    caps: 'CAP_NET_ADMIN CAP_SYS_ADMIN CAP_NET_BIND_SERVICE',
    writes: '/var/lib/sixpn/agent /run/netns /run/wireguard /run/sixpn /etc/netns',
  },
  {
    name: 'gateway: runs from /etc/sixpn/gateway.toml',
    role: 'gateway',
    exec: 'gateway',
    caps: 'CAP_NET_ADMIN',
    writes: '/var/lib/sixpn/gateway /run/wireguard',
  },
];

for (const c of CASES) {
  test(`unit: ${c.name}`, () => {
    const u = serviceUnit(c.role, PATHS, c.server);
    assert.equal(u.name, `sixpn-${c.role}.service`);
    const flags = `${ROLE_NODE_FLAGS[c.role].join(' ')} `;
    assert.deepEqual(values(u.text, 'ExecStart'), [`${PATHS.node} ${flags}${PATHS.bin} ${c.exec}`]);
    assert.deepEqual(values(u.text, 'CapabilityBoundingSet'), [c.caps]);
    assert.deepEqual(values(u.text, 'AmbientCapabilities'), ['']);
    assert.deepEqual(values(u.text, 'ReadWritePaths'), [c.writes]);
    assert.deepEqual(values(u.text, 'EnvironmentFile'), [`/etc/sixpn/${c.role}.env`]);
    assert.deepEqual(values(u.text, 'StateDirectory'), [`sixpn/${c.role}`]);
    for (const [k, v] of [
      ['Restart', 'always'],
      ['After', 'network-online.target'],
      ['Wants', 'network-online.target'],
      ['NoNewPrivileges', 'yes'],
      ['ProtectSystem', 'strict'],
      ['WantedBy', 'multi-user.target'],
    ]) {
      assert.deepEqual(values(u.text, k as string), [v], k);
    }
    assert.doesNotMatch(u.text, /TOKEN|PASSWORD|sixpn_[A-Za-z0-9_-]{20,}/i);
  });
}

test('unit: a checkout under /root keeps home read-only instead of hidden (the service must read its code)', () => {
  const u = serviceUnit('agent', { ...PATHS, bin: '/root/sixpn/bin/sixpn.js' });
  assert.deepEqual(values(u.text, 'ProtectHome'), ['read-only']);
  const v = serviceUnit('agent', { ...PATHS, bin: '/usr/lib/node_modules/sixpn/bin/sixpn.js' });
  assert.deepEqual(values(v.text, 'ProtectHome'), ['yes']);
});

test('unit: what cannot go in a unit is refused with the flag named', () => {
  assert.throws(
    () => serviceUnit('server', PATHS, { db: 'postgres://sixpn:hunter2@db/sixpn' }),
    (e: Error & { details?: { field?: string } }) =>
      /password/.test(e.message) && /PGPASSWORD/.test(e.message) && e.details?.field === 'db',
  );
  assert.throws(() => serviceUnit('server', PATHS, { db: 'sqlite:./x.db' }), /absolute path/);
  assert.throws(() => serviceUnit('server', PATHS, { listen: 'nowhere' }), /--listen 'nowhere'/);
  assert.throws(() => serviceUnit('server', PATHS, { hostname: ['a\nb'] }), /line break/);
});

test('capabilitiesOf: the server gets NET_BIND_SERVICE only below port 1024', () => {
  assert.deepEqual(capabilitiesOf('server', 4280), []);
  assert.deepEqual(capabilitiesOf('server', 443), ['CAP_NET_BIND_SERVICE']);
  assert.deepEqual(capabilitiesOf('gateway'), ['CAP_NET_ADMIN']);
});

const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });

test('every unit passes `systemd-analyze verify` with no warning', {
  skip: analyze.status !== 0 && 'systemd-analyze is not installed',
}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sixpn-units-'));
  try {
    for (const c of CASES) {
      const u = serviceUnit(c.role, PATHS, c.server);
      const path = join(dir, u.name);
      writeFileSync(path, u.text);
      const r = spawnSync('systemd-analyze', ['verify', '--man=no', path], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${c.name}: ${r.stderr}`);
      assert.equal(r.stderr.trim(), '', `${c.name}: systemd-analyze said: ${r.stderr}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
