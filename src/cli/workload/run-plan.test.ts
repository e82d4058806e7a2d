import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { exitCodeOfChild, findUser, parseEnvFile, runArgv, runEnv } from './run-plan.ts';

const T = {
  netns: '/run/netns/sixpn-i-0a7b007d',
  etc_dir: '/etc/netns/sixpn-i-0a7b007d',
  env: { SIXPN_INSTANCE_ID: '0a7b007d', SIXPN_REGION: 'ord' },
};

test('runArgv: nsenter → unshare → sh binding the etc files → the command, user input as arguments only', () => {
  const argv = runArgv(T, ['echo', '$(id)', "it's"]);
  assert.deepEqual(argv.slice(0, 8), [
    'nsenter',
    '--net=/run/netns/sixpn-i-0a7b007d',
    '--',
    'unshare',
    '--mount',
    '--propagation',
    'private',
    '--',
  ]);
  assert.deepEqual(argv.slice(-5), ['sixpn-run', T.etc_dir, 'echo', '$(id)', "it's"]);
  const script = argv[10] as string;
  assert.match(script, /mount --bind "\$d\/\$f" "\/etc\/\$f"/);
  assert.match(script, /exec "\$@"$/);
  const u = { name: 'www', uid: 33, gid: 34, home: '/var/www' };
  assert.deepEqual(runArgv(T, ['srv'], u).slice(-7, -1), [
    T.etc_dir,
    'setpriv',
    '--reuid=33',
    '--regid=34',
    '--init-groups',
    '--',
  ]);
  assert.throws(() => runArgv(T, []), /needs a command after --/);
});

test('the script itself: binds each file, then execs the command with its arguments untouched', () => {
  const argv = runArgv(T, ['printf', '%s|', 'a b', '$HOME']);
  // run the shell part with `mount` replaced by a recorder (no namespaces needed)
  const script = (argv[10] as string).replaceAll('mount --bind', 'echo bind >&2');
  const out = execFileSync('sh', ['-c', script, ...argv.slice(11)], { encoding: 'utf8', stdio: 'pipe' });
  assert.equal(out, 'a b|$HOME|');
  const missing = (() => {
    try {
      execFileSync('sh', ['-c', script, 'x', T.etc_dir, 'sixpn-no-such-command'], { stdio: 'pipe' });
      return 0;
    } catch (e) {
      return (e as { status: number }).status;
    }
  })();
  assert.equal(missing, 127);
});

test('parseEnvFile: comments, export, quotes; a bad line names file and line', () => {
  assert.deepEqual(parseEnvFile('# c\n\nA=1\nexport B="two words"\nC=\'x=y\'\nD=\n', 'f.env'), {
    A: '1',
    B: 'two words',
    C: 'x=y',
    D: '',
  });
  assert.throws(() => parseEnvFile('A=1\nnot a pair\n', 'f.env'), /f\.env:2: expected KEY=value/);
  assert.throws(() => parseEnvFile('1A=x', 'f.env'), /f\.env:1/);
});

test('runEnv: SIXPN_* win over the env file, which wins over the inherited env', () => {
  const env = runEnv({ PATH: '/bin', A: 'base', SIXPN_REGION: 'x' }, { A: 'file', SIXPN_REGION: 'y' }, T);
  assert.deepEqual(env, { PATH: '/bin', A: 'file', SIXPN_REGION: 'ord', SIXPN_INSTANCE_ID: '0a7b007d' });
  const u = { name: 'www', uid: 33, gid: 34, home: '/var/www' };
  assert.equal(runEnv({ HOME: '/root' }, {}, T, u).HOME, '/var/www');
});

test('findUser by name or uid; unknown names the field', () => {
  const pw = 'root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n';
  assert.deepEqual(findUser(pw, 'www-data'), { name: 'www-data', uid: 33, gid: 33, home: '/var/www' });
  assert.equal(findUser(pw, '0').name, 'root');
  assert.throws(() => findUser(pw, 'nobody2'), /user 'nobody2' is not in \/etc\/passwd/);
});

test('exitCodeOfChild: the code, or 128 + signal', () => {
  assert.equal(exitCodeOfChild(3, null), 3);
  assert.equal(exitCodeOfChild(null, 'SIGTERM'), 143);
  assert.equal(exitCodeOfChild(null, 'SIGKILL'), 137);
});
