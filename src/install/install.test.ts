import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { envTemplate, type InstallTarget, installUnit, uninstallUnit } from './install.ts';
import { serviceUnit } from './units.ts';

function fixture(systemd: boolean) {
  const root = mkdtempSync(join(tmpdir(), 'sixpn-install-'));
  const calls: string[] = [];
  const t: InstallTarget = {
    unitDir: root,
    configDir: join(root, 'etc-sixpn'),
    systemctl: systemd ? async (args) => void calls.push(args.join(' ')) : undefined,
  };
  const unit = (role: 'server' | 'agent') =>
    serviceUnit(role, { node: '/usr/bin/node', bin: '/usr/lib/sixpn/bin/sixpn.js', configDir: t.configDir });
  return { root, calls, t, unit, done: () => rmSync(root, { recursive: true, force: true }) };
}

const SECRET = 'sixpn_test-admin-secret-0123456789abcdef';

test('install server writes the unit (0644) and a 0600 env file with the admin token, which the unit never holds', async () => {
  const f = fixture(true);
  try {
    const out = await installUnit(f.unit('server'), f.t, () => envTemplate('server', SECRET));
    const unitPath = join(f.root, 'sixpn-server.service');
    const env = join(f.t.configDir, 'server.env');
    assert.equal(statSync(unitPath).mode & 0o777, 0o644);
    assert.equal(statSync(env).mode & 0o777, 0o600);
    assert.equal(statSync(f.t.configDir).mode & 0o777, 0o700);
    assert.match(readFileSync(env, 'utf8'), new RegExp(`^SIXPN_ADMIN_TOKEN=${SECRET}$`, 'm'));
    assert.doesNotMatch(readFileSync(unitPath, 'utf8'), new RegExp(SECRET));
    assert.deepEqual(f.calls, [
      'daemon-reload',
      'enable sixpn-server.service',
      'restart sixpn-server.service',
    ]);
    assert.match(out.join('\n'), /enabled and started sixpn-server.service/);

    // again: the env file (and its token) is kept, the unit is unchanged; a loose mode is tightened
    await chmod(env, 0o644);
    const again = await installUnit(f.unit('server'), f.t, () => envTemplate('server', 'another'));
    assert.match(again.join('\n'), /kept .*server\.env \(its mode was 644: now 0600\)/);
    assert.match(again.join('\n'), /sixpn-server\.service unchanged/);
    assert.equal(statSync(env).mode & 0o777, 0o600);
    assert.match(readFileSync(env, 'utf8'), new RegExp(SECRET));

    const gone = await uninstallUnit('server', f.t);
    assert.match(gone.join('\n'), /stopped and disabled sixpn-server\.service/);
    assert.throws(() => statSync(unitPath), /ENOENT/);
    assert.equal(statSync(env).mode & 0o777, 0o600, 'the env file is kept');
    assert.deepEqual(f.calls.slice(-2), ['disable --now sixpn-server.service', 'daemon-reload']);
    assert.match((await uninstallUnit('server', f.t)).join('\n'), /is not installed/);
  } finally {
    f.done();
  }
});

test('install agent needs the config of `sixpn agent join` first, and writes nothing without it', async () => {
  const f = fixture(true);
  try {
    await assert.rejects(
      installUnit(f.unit('agent'), f.t, () => envTemplate('agent', undefined)),
      (e: Error & { code?: string }) =>
        e.code === 'failed_precondition' && /sixpn agent join URL TOKEN/.test(e.message),
    );
    assert.throws(() => statSync(join(f.root, 'sixpn-agent.service')), /ENOENT/);
    assert.deepEqual(f.calls, []);
  } finally {
    f.done();
  }
});

test('without systemd the unit is written, not enabled, and the output says so', async () => {
  const f = fixture(false);
  try {
    await installUnit(f.unit('server'), f.t, () => envTemplate('server', SECRET)); // makes the config dir
    writeFileSync(join(f.t.configDir, 'agent.toml'), '');
    const out = await installUnit(f.unit('agent'), f.t, () => envTemplate('agent', undefined));
    assert.match(out.join('\n'), /systemd is not running on this machine/);
    assert.doesNotMatch(readFileSync(join(f.t.configDir, 'agent.env'), 'utf8'), /TOKEN=/);
    assert.match((await uninstallUnit('agent', f.t)).join('\n'), /sixpn agent --teardown/);
  } finally {
    f.done();
  }
});
