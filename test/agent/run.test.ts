// `sixpn run` and the agent's local socket for real: two hosts in namespaces, real `sixpn agent` processes, real
// processes in instances. A server run on h1 answers a client run on h2 by name over the mesh; CMD sees the
// instance's /etc files and SIXPN_* env; exit codes (its own, 127), signals forwarded, stop / --rm on exit; an
// API stop ends `sixpn run`; a SIGKILLed `sixpn run` is noticed by the agent's sweep; no agent → a clear error and nothing left behind; a host
// without a grant is refused.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { listNetns, removeNetns } from '../../src/runtime/netns.ts';
import { cannotRun, cleanupFor, eventually } from '../runtime/support.ts';
import { type Fleet, type FleetHost, startAgent, startFleet, waitReady } from './fleet.ts';

const skip = cannotRun(['ip', 'nsenter', 'unshare', 'wireguard-go', 'nft', 'busybox', 'curl']);
const BIN = new URL('../../bin/sixpn.js', import.meta.url).pathname;
/** The agents' resync interval in this test: the bound within which a SIGKILLed `sixpn run` is noticed. */
const RESYNC_S = 2;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function sixpnRun(h: FleetHost, args: string[]): { proc: ChildProcess; done: Promise<Ran> } {
  const proc = spawn(
    process.execPath,
    [BIN, 'run', '--agent-socket', join(h.stateDir, 'agent.sock'), ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  proc.stdout?.on('data', (d) => {
    stdout += d;
  });
  proc.stderr?.on('data', (d) => {
    stderr += d;
  });
  const done = new Promise<Ran>((resolve) => proc.once('exit', (code) => resolve({ code, stdout, stderr })));
  return { proc, done };
}

async function instancesOf(f: Fleet, app: string) {
  return f.admin.listInstances({ org: 'acme', app });
}

async function setUp(f: Fleet): Promise<void> {
  await f.admin.createOrg('acme');
  await f.admin.createOrg('globex');
  for (const app of ['web', 'db']) await f.admin.createApp('acme', { name: app, private_network: true });
  await f.admin.createApp('acme', { name: 'batch', private_network: false });
  await f.admin.createApp('globex', { name: 'secret', private_network: true });
  for (const h of ['h1', 'h2']) await f.admin.allowHost(h, { org: 'acme' });
  for (const h of [f.hosts.h1, f.hosts.h2]) startAgent(f, h, undefined, ['--resync', String(RESYNC_S)]);
  const rev = (await f.admin.snapshot()).revision;
  await Promise.all([waitReady(f.hosts.h1, rev), waitReady(f.hosts.h2, rev)]);
}

test('sixpn run: real processes as instances, over the agent socket', {
  skip,
  timeout: 180_000,
}, async (t) => {
  const c = cleanupFor(t);
  const f = await startFleet(c);
  // attached instances get template-named namespaces, which the fleet's cleanup removes; and stray pins
  c.add(async () => {
    for (const n of await listNetns()) if (n.startsWith(`sixpn-at${f.s}-`)) await removeNetns(n);
  });
  await setUp(f);
  const { h1, h2 } = f.hosts;

  await t.test('no agent on the socket: a clear error, exit != 0, nothing created', async () => {
    const r = await sixpnRun({ ...h1, stateDir: join(f.dir, 'nowhere') }, ['--app', 'web', '--', 'true'])
      .done;
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /no sixpn agent answers on .*nowhere\/agent\.sock/);
    assert.deepEqual(await instancesOf(f, 'web'), []);
  });

  await t.test('refusals: no grant, no private networking, unknown app, no command', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['--app', 'secret', '--', 'true'],
        /may not place instances of org 'globex'.*sixpn hosts allow h1 --org globex/,
      ],
      [['--app', 'batch', '--', 'true'], /no private networking/],
      [['--app', 'nope', '--', 'true'], /app 'nope' not found/],
      [['--app', 'web'], /needs a command after --/],
    ];
    for (const [args, re] of cases) {
      const r = await sixpnRun(h1, args).done;
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr, re, args.join(' '));
    }
    assert.deepEqual(await instancesOf(f, 'web'), []);
    assert.equal((await f.admin.listInstances({ org: 'globex' })).length, 0);
  });

  await t.test(
    "CMD sees the instance's files, env and address; its exit code; stopped afterwards",
    async () => {
      const script =
        'echo "id=$SIXPN_INSTANCE_ID region=$SIXPN_REGION app=$SIXPN_APP_NAME"; cat /etc/resolv.conf /etc/hosts; ' +
        'ip -6 -br addr show eth0; exit 7';
      const r = await sixpnRun(h1, ['--app', 'web', '--', 'sh', '-c', script]).done;
      assert.equal(r.code, 7, r.stderr);
      const [inst] = await instancesOf(f, 'web');
      assert.ok(inst);
      assert.match(r.stdout, new RegExp(`id=${inst.id} region=ord app=web`));
      assert.match(r.stdout, /^nameserver fdaa::3$/m);
      assert.match(r.stdout, /sixpn-local-6pn/);
      assert.ok(r.stdout.includes(`${inst.address}/112`), r.stdout);
      assert.equal(inst.state, 'stopped');
      assert.equal(inst.host, 'h1');
      await f.admin.deleteInstance(inst.id);
    },
  );

  await t.test('--rm deletes; a missing command is 127', async () => {
    const r = await sixpnRun(h1, ['--rm', '--app', 'web', '--', 'sixpn-no-such-command']).done;
    assert.equal(r.code, 127, r.stderr);
    assert.deepEqual(await instancesOf(f, 'web'), []);
  });

  await t.test('a server run on h1 answers a client run on h2 by name, across the mesh', async () => {
    const www = join(f.dir, 'www');
    mkdirSync(www, { recursive: true });
    writeFileSync(join(www, 'index.html'), 'hello from db\n');
    const server = sixpnRun(h1, [
      '--rm',
      '--app',
      'db',
      '--',
      'busybox',
      'httpd',
      '-f',
      '-p',
      '8080',
      '-h',
      www,
    ]);
    c.add(async () => {
      server.proc.kill('SIGKILL');
    });
    let body = '';
    const ok = await eventually(async () => {
      const r = await sixpnRun(h2, [
        '--rm',
        '--app',
        'web',
        '--',
        'curl',
        '-sS',
        '-m',
        '2',
        'http://db.internal:8080/',
      ]).done;
      body = r.stdout + r.stderr;
      return r.code === 0;
    }, 20_000);
    assert.ok(ok, body);
    assert.equal(body, 'hello from db\n');

    // INT/TERM/HUP reach CMD: busybox httpd ends on TERM, and sixpn run deletes its instance (--rm)
    server.proc.kill('SIGTERM');
    const r = await server.done;
    assert.equal(r.code, 143, r.stderr);
    assert.deepEqual(await instancesOf(f, 'db'), []);
  });

  await t.test(
    'stopped through the API: the agent ends sixpn run (SIGTERM to CMD), which exits 143',
    async () => {
      const victim = sixpnRun(h1, ['--app', 'web', '--', 'sh', '-c', 'echo running; exec sleep 600']);
      c.add(async () => {
        victim.proc.kill('SIGKILL');
      });
      // CMD runs once the agent set its instance up (the API says started a little earlier)
      const running = new Promise<boolean>((resolve) =>
        victim.proc.stdout?.on('data', (d) => String(d).includes('running') && resolve(true)),
      );
      assert.ok(await Promise.race([running, sleep(20_000).then(() => false)]), 'CMD runs');
      const inst = (await instancesOf(f, 'web')).find((i) => i.state === 'started' && i.host === 'h1');
      assert.ok(inst, 'sixpn run started its instance');
      const stoppedAt = Date.now();
      await f.admin.stopInstance(inst.id);
      const r = await Promise.race([victim.done, sleep(10_000).then(() => undefined)]);
      assert.ok(r, 'sixpn run ended within 10 s of the stop');
      assert.equal(r.code, 143, r.stderr);
      t.diagnostic(`sixpn run ended ${Date.now() - stoppedAt} ms after the API stop`);
      await f.admin.deleteInstance(inst.id);
    },
  );

  await t.test(`SIGKILL of sixpn run: the agent stops the instance within its resync interval`, async () => {
    // CMD outlives sixpn run for a second; then the namespace has no process left
    const victim = sixpnRun(h1, ['--app', 'web', '--', 'sleep', '1']);
    await eventually(async () => (await instancesOf(f, 'web')).some((i) => i.state === 'started'), 20_000);
    victim.proc.kill('SIGKILL');
    await victim.done;
    const killedAt = Date.now();
    const stopped = await eventually(
      async () => (await instancesOf(f, 'web')).every((i) => i.state === 'stopped'),
      1000 + (RESYNC_S + 3) * 1000,
    );
    assert.ok(stopped, 'stopped within 1 s of CMD + the resync interval');
    t.diagnostic(
      `stopped ${Date.now() - killedAt} ms after the SIGKILL (CMD lived up to 1 s more; resync ${RESYNC_S} s)`,
    );
    await sleep(10);
  });
});
