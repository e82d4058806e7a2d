// Joining real hosts, end to end in a lab (which itself joins every host and gateway with `sixpn agent join` /
// `sixpn gateway join`): daemons run from their config alone; no token in any lab process's argv or environment;
// a wrong CA fingerprint, an expired, revoked or used join token and a taken name are refused with nothing
// created; a rotated token reaches the running agent through its token file; a deleted host's mesh peer leaves
// every other host.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SIXPN_BIN } from '../../src/lab/control.ts';
import { labNodes } from '../../src/lab/plan.ts';
import { readLabState } from '../../src/lab/state.ts';
import { run } from '../../src/runtime/exec.ts';
import { readStatusFile } from '../../src/runtime/status-file.ts';
import { cannotRun, eventually } from './support.ts';
import { type Cli, labCli } from './wireguard-support.ts';
import { withLab } from './with-lab.ts';

/** Every process running in one of the lab's namespaces (and its instances'), by PID. */
async function labPids(nsPrefix: string): Promise<number[]> {
  const names = (await run('ip', ['netns', 'list'])).stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(nsPrefix) || n.startsWith('sixpn-i-'));
  const pids = new Set<number>();
  for (const ns of names) {
    for (const p of (await run('ip', ['netns', 'pids', ns])).stdout.split('\n').filter(Boolean))
      pids.add(Number(p));
  }
  return [...pids];
}

const procText = (pid: number, what: 'cmdline' | 'environ') => {
  try {
    return readFileSync(`/proc/${pid}/${what}`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return ''; // gone meanwhile
  }
};

/** `wg show IFACE peers` in `ns`: the mesh peers' public keys. */
const meshPeers = async (ns: string, iface: string) =>
  (await run('ip', ['netns', 'exec', ns, 'wg', 'show', iface, 'peers'])).stdout.split('\n').filter(Boolean);

describe('joining hosts: join tokens, secrets out of argv, rotation and deletion', {
  skip: cannotRun(),
  timeout: 300_000,
}, () => {
  const lab = withLab({
    letter: 'j',
    regions: [
      { code: 'ord', hosts: 2 },
      { code: 'nrt', hosts: 1 },
    ],
    gateways: ['ord'],
  });
  const cli = (args: string[], env: Record<string, string> = {}) =>
    labCli(lab.plan, lab.name, lab.dir)(args, lab.state.adminToken, env);
  /** `sixpn agent join` run in ord1's namespace (it reaches the control plane), into a config dir of the suite's own. */
  const joinFrom = (tokenText: string, name: string, dir: string) => {
    const file = join(lab.dir, `${name}.jointoken`);
    writeFileSync(file, tokenText, { mode: 0o600 });
    const ns = lab.plan.hosts[0]?.ns ?? '';
    const args = [
      `--net=/run/netns/${ns}`,
      '--',
      process.execPath,
      SIXPN_BIN,
      'agent',
      'join',
      lab.plan.underlay.apiUrl,
      '--token-file',
      file,
      '--name',
      name,
      '--config-dir',
      join(dir, 'etc'),
      '--state-dir',
      join(dir, 'state'),
    ];
    return new Promise<Cli>((resolve) => {
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SIXPN_')));
      execFile('nsenter', args, { timeout: 30_000, env }, (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  };

  lab.check('every node joined and runs from its config alone; its token is in a 0600 file', async () => {
    for (const n of labNodes(lab.plan)) {
      const rec = lab.state.processes[`${n.role === 'host' ? 'agent' : 'gateway'}:${n.name}`];
      assert.ok(rec, n.name);
      const argv = procText(rec.pid, 'cmdline').trim().split(' ');
      assert.deepEqual(argv.slice(-3), [
        n.role === 'host' ? 'agent' : 'gateway',
        '--config-dir',
        n.configDir,
      ]);
      const token = join(n.configDir, n.role === 'host' ? 'agent.token' : 'gateway.token');
      assert.equal(statSync(token).mode & 0o777, 0o600, token);
      assert.equal(
        statSync(join(n.configDir, n.role === 'host' ? 'agent.toml' : 'gateway.toml')).mode & 0o777,
        0o600,
      );
    }
    assert.equal(statSync(lab.plan.files.adminToken).mode & 0o777, 0o600);
    assert.ok(!existsSync(lab.plan.files.joinDir), 'the join token files are gone');
    const list = await cli(['hosts', 'join-token', 'list', '--json']);
    assert.equal(list.code, 0, list.stderr);
    const used = JSON.parse(list.stdout) as { used: number; uses: number }[];
    assert.deepEqual(
      used.map((t) => t.used === t.uses),
      [true, true, true],
      'ord hosts, nrt hosts, ord gateways',
    );
  });

  lab.check('no token in the argv or environment of any lab process', async () => {
    const saved = readLabState(lab.plan.files.state);
    assert.ok(saved);
    const secrets = [saved.adminToken, ...Object.values(saved.hostTokens)];
    const pids = await labPids(lab.plan.nsPrefix);
    assert.ok(pids.length >= 8, `lab processes: ${pids}`);
    for (const pid of pids) {
      for (const what of ['cmdline', 'environ'] as const) {
        const text = procText(pid, what);
        for (const s of secrets)
          assert.ok(!text.includes(s), `a token in /proc/${pid}/${what}: ${procText(pid, 'cmdline')}`);
        // any sixpn token or join token at all, known to this test or not
        assert.doesNotMatch(
          text,
          /sixpn_[A-Za-z0-9_-]{20}|sixpn1\.[0-9a-fnoe]+\.j[0-9a-f]{16}/,
          `/proc/${pid}/${what}`,
        );
      }
    }
    process.stderr.write(`e2e: ${pids.length} lab processes: no token in argv or environment\n`);
  });

  lab.check(
    'a wrong CA fingerprint, an expired, revoked or used join token, or a taken name: refused, nothing created',
    async () => {
      const admin = lab.admin();
      const hostsBefore = JSON.stringify(await admin.listHosts());
      const good = await admin.createJoinToken({ region: 'ord', uses: 1, expires_in: '10m' });
      const parts = good.token.split('.');
      const fp = parts[1] ?? '';
      const wrong = [parts[0], `${fp[0] === 'a' ? 'b' : 'a'}${fp.slice(1)}`, parts[2], parts[3]].join('.');
      const bad = await joinFrom(wrong, 'ord9', join(lab.dir, 'wrong'));
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /not the pinned CA sha256:/);
      assert.ok(!existsSync(join(lab.dir, 'wrong')), 'nothing written on this machine');
      const taken = await joinFrom(good.token, 'ord1', join(lab.dir, 'taken'));
      assert.match(taken.stderr, /host 'ord1' already exists; join with another --name, or pass --replace/);
      const expired = await admin.createJoinToken({ region: 'ord', expires_in: 1 });
      await sleep(1_100);
      assert.match((await joinFrom(expired.token, 'ord9', join(lab.dir, 'expired'))).stderr, /expired at/);
      const revoked = await admin.createJoinToken({ region: 'ord' });
      await admin.revokeJoinToken(revoked.join_token.id);
      assert.match(
        (await joinFrom(revoked.token, 'ord9', join(lab.dir, 'revoked'))).stderr,
        /was revoked at/,
      );
      assert.equal(JSON.stringify(await admin.listHosts()), hostsBefore, 'the store is unchanged');
      for (const d of ['taken', 'expired', 'revoked']) assert.ok(!existsSync(join(lab.dir, d, 'etc')), d);
      const ok = await joinFrom(good.token, 'ord9', join(lab.dir, 'ord9'));
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /joined as host ord9 in ord .* endpoint 198\.18\.1\.1:51820/);
      const again = await joinFrom(good.token, 'ord8', join(lab.dir, 'ord8'));
      assert.match(again.stderr, /has been used 1 of 1 time/);
      assert.deepEqual((await admin.listHosts()).map((h) => h.name).sort(), ['nrt1', 'ord1', 'ord2', 'ord9']);
      assert.equal((await cli(['hosts', 'delete', 'ord9'])).code, 0);
    },
  );

  lab.check('a rotated token reaches the running agent through its token file', async () => {
    const ord2 = lab.plan.hosts.find((h) => h.name === 'ord2');
    assert.ok(ord2);
    const old = readFileSync(join(ord2.configDir, 'agent.token'), 'utf8').trim();
    const r = await cli(['hosts', 'rotate-token', 'ord2']);
    assert.equal(r.code, 0, r.stderr);
    const fresh = r.stdout.trim();
    assert.equal(
      (await labCli(lab.plan, lab.name, lab.dir)(['orgs', 'list'], old)).code,
      3,
      'the old token is refused',
    );
    const set = await run(
      process.execPath,
      [SIXPN_BIN, 'agent', 'set-token', '--config-dir', ord2.configDir],
      {
        input: `${fresh}\n`,
      },
    );
    assert.match(set.stdout, /wrote .*agent\.token \(0600\)/);
    assert.equal(statSync(join(ord2.configDir, 'agent.token')).mode & 0o777, 0o600);
    // The stream opened with the old token ends at its next heartbeat; the agent reconnects with the file's token.
    assert.ok(
      await eventually(
        async () => readFileSync(ord2.log, 'utf8').includes('no longer authenticates'),
        20_000,
        200,
      ),
      'the old stream was cut',
    );
    const inst = await lab.admin().createInstance('acme', 'db', { region: 'ord', host: 'ord2' });
    const head = (await lab.admin().snapshot()).revision;
    assert.ok(
      await eventually(async () => (readStatusFile(ord2.stateDir)?.revision ?? 0) >= head, 20_000, 100),
      'ord2 follows the control plane with its new token',
    );
    await lab.admin().deleteInstance(inst.id);
  });

  lab.check('a deleted host leaves the mesh of every other host', async () => {
    const admin = lab.admin();
    const nrt1 = (await admin.listHosts()).find((h) => h.name === 'nrt1');
    assert.ok(nrt1?.mesh_key);
    for (const i of await admin.listInstances({ host: 'nrt1' })) await admin.deleteInstance(i.id);
    const others = labNodes(lab.plan).filter((n) => n.name !== 'nrt1');
    for (const n of others)
      assert.ok((await meshPeers(n.ns, n.meshInterface)).includes(nrt1.mesh_key), n.name);
    const t0 = performance.now();
    assert.equal((await cli(['hosts', 'delete', 'nrt1'])).code, 0);
    const gone = await eventually(
      async () => {
        for (const n of others)
          if ((await meshPeers(n.ns, n.meshInterface)).includes(nrt1.mesh_key ?? '')) return false;
        return true;
      },
      10_000,
      20,
    );
    assert.ok(gone, 'nrt1 is no mesh peer of any other host');
    process.stderr.write(
      `e2e: hosts delete nrt1 → gone from ${others.length} meshes in ${Math.round(performance.now() - t0)} ms\n`,
    );
  });
});
