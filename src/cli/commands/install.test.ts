import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runInProcess } from '../test-support.ts';

test('sixpn install server --dry-run prints the unit with absolute paths and writes nothing', async () => {
  const r = await runInProcess(
    [
      'install',
      'server',
      '--dry-run',
      '--db',
      'sqlite:data/cp.db',
      '--listen',
      '[::]:443',
      '--hostname',
      'cp.example.com',
    ],
    { cwd: '/srv' },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^# sixpn-server\.service \(dry run: nothing written/);
  assert.match(
    r.stdout,
    /^ExecStart=\/\S+ --max-semi-space-size=4 \/\S+\/bin\/sixpn\.js server --db sqlite:\/srv\/data\/cp\.db --listen \[::\]:443 --hostname cp\.example\.com$/m,
  );
  assert.match(r.stdout, /^CapabilityBoundingSet=CAP_NET_BIND_SERVICE$/m);
  assert.match(r.stdout, /^ReadWritePaths=\/var\/lib\/sixpn\/server \/srv\/data$/m);
});

test('sixpn install agent --dry-run: the agent unit; a server flag on it is a usage error naming the flag', async () => {
  const ok = await runInProcess(['install', 'agent', '--dry-run']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(
    ok.stdout,
    /^ExecStart=\S+ --max-semi-space-size=1 --v8-pool-size=1 --invocation-count-for-maglev=5000 --no-sparkplug --invocation-count-for-feedback-allocation=100 --no-node-snapshot --expose-gc \S+ agent$/m,
  );
  const bad = await runInProcess(['install', 'agent', '--dry-run', '--listen', ':80']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--listen is a flag of `sixpn install server`/);
  const role = await runInProcess(['install', 'dns', '--dry-run']);
  assert.equal(role.code, 2);
  assert.match(role.stderr, /server, agent, gateway/);
});

test('sixpn install server refuses a database password on its command line', async () => {
  const r = await runInProcess(['install', 'server', '--dry-run', '--db', 'postgres://sixpn:pw@db/sixpn']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /PGPASSWORD/);
  assert.equal(r.stdout, '');
});
