import assert from 'node:assert/strict';
import { test } from 'node:test';
import { invalid } from '../core/errors.ts';
import { CliContext } from './context.ts';
import {
  choice,
  type DaemonCommand,
  daemonHelp,
  flag,
  flagOr,
  needed,
  parseDaemonArgv,
  runDaemonCli,
  toggle,
} from './daemon-cli.ts';
import { collectHostPorts, regionCode } from './flags.ts';
import { runInProcess } from './test-support.ts';

const ran: { cmd: string; values: Record<string, unknown>; args: string[]; given: string[] }[] = [];
const record =
  (cmd: string, keys: string[]) =>
  async (p: { values: object; args: string[]; given: (k: never) => boolean }) => {
    const values = p.values as Record<string, unknown>;
    ran.push({ cmd, values, args: p.args, given: keys.filter((k) => p.given(k as never)) });
  };

const topFlags = {
  region: flag('--region <code>', "this host's region", regionCode),
  stateDir: flagOr('--state-dir <dir>', 'saved state', '/var/lib/x'),
  upstream: flag('--upstream <ip:port>', 'upstreams (repeat)', collectHostPorts),
  wireguard: choice('--wireguard <impl>', 'implementation', ['userspace', 'kernel'] as const),
  lab: toggle('--lab', 'lab mode'),
  name: flag('--name <name>', 'the parent name'),
};
const joinFlags = {
  name: flag('--name <name>', "the join's name", (v) => {
    if (v === 'bad') throw invalid(`name '${v}' is not a label`);
    return v;
  }),
  file: needed(flag('--file <f>', 'a file')),
};
const top: DaemonCommand = {
  name: 'agent',
  description: 'run the agent',
  flags: topFlags,
  run: record('agent', Object.keys(topFlags)),
  subcommands: [
    {
      name: 'join',
      description: 'join',
      flags: joinFlags,
      args: [
        { name: '<url>', help: 'the URL' },
        { name: '[token]', help: 'the token' },
      ],
      run: record('join', ['name', 'file', 'stateDir', 'region']),
    },
  ],
};

test('parse: values, defaults, repeats, toggles, which were given, parent flags before and after a subcommand', () => {
  const table: [string[], Record<string, unknown>, string[]][] = [
    [['agent'], { stateDir: '/var/lib/x' }, []],
    [
      [
        'agent',
        '--region',
        'ord',
        '--lab',
        '--upstream',
        '[::1]:53',
        '--upstream=10.0.0.1',
        '--wireguard',
        'kernel',
      ],
      {
        region: 'ord',
        lab: true,
        upstream: ['[::1]:53', '10.0.0.1'],
        wireguard: 'kernel',
        stateDir: '/var/lib/x',
      },
      ['region', 'upstream', 'wireguard', 'lab'],
    ],
    [
      ['--api', 'http://cp.test:4280', 'agent', '--state-dir', '/s'],
      { api: 'http://cp.test:4280', stateDir: '/s' },
      ['api', 'stateDir'],
    ],
    [
      ['agent', '--state-dir', '/s', 'join', 'https://cp', '--file', 'f', '--name', 'n1', '--region', 'ams'],
      { stateDir: '/s', file: 'f', name: 'n1', region: 'ams' },
      ['stateDir', 'file', 'name', 'region'],
    ],
  ];
  for (const [argv, values, given] of table) {
    const p = parseDaemonArgv(top, argv);
    assert.deepEqual(p.values, values, argv.join(' '));
    assert.deepEqual([...p.given].sort(), [...given].sort(), argv.join(' '));
  }
  const j = parseDaemonArgv(top, ['agent', 'join', 'https://cp', 'tok', '--file', 'f']);
  assert.deepEqual(
    [j.chain.map((c) => c.name), j.args],
    [
      ['agent', 'join'],
      ['https://cp', 'tok'],
    ],
  );
});

test('usage errors: exit code 2 and one line naming the flag or argument', async () => {
  const table: [string[], string][] = [
    [['agent', '--bogus'], "error: unknown option '--bogus'\n"],
    [['agent', '--region'], "error: option '--region <code>' argument missing\n"],
    [['agent', '--lab=yes'], "error: option '--lab' takes no value\n"],
    [
      ['agent', '--wireguard', 'wg'],
      "error: option '--wireguard <impl>' argument 'wg' is invalid. Allowed choices are userspace, kernel.\n",
    ],
    [['agent', 'frob'], "error: unknown command 'frob'\n"],
    [['agent', 'join', '--file', 'f'], "error: missing required argument 'url'\n"],
    [['agent', 'join', 'u'], "error: required option '--file <f>' not specified\n"],
    [
      ['agent', 'join', 'u', 't', 'x', '--file', 'f'],
      "error: too many arguments for 'join'. Expected 2 arguments but got 3.\n",
    ],
    [
      ['agent', 'join', 'u', '--file', 'f', '--name', 'bad'],
      "error: option '--name <name>' argument 'bad' is invalid. name 'bad' is not a label\n",
    ],
  ];
  for (const [argv, stderr] of table) {
    ran.length = 0;
    let err = '';
    const ctx = new CliContext({
      stdout: () => assert.fail('nothing on stdout'),
      stderr: (t) => {
        err += t;
      },
      env: {},
      cwd: '/nonexistent',
      home: '/nonexistent',
      readStdin: async () => undefined,
      promptSecret: async () => undefined,
    });
    assert.equal(await runDaemonCli(top, argv, ctx), 2, argv.join(' '));
    assert.equal(err, stderr);
    assert.equal(ran.length, 0);
  }
  const region = parseDaemonArgv.bind(undefined, top, ['agent', '--region', 'NOT A REGION']);
  assert.throws(
    region,
    /option '--region <code>' argument 'NOT A REGION' is invalid\. region 'NOT A REGION'/,
  );
});

test('help: usage, wrapped options with defaults and choices, commands; `help join` and --help of a subcommand', () => {
  const h = daemonHelp([top]);
  assert.match(h, /^Usage: sixpn agent \[options\] \[command\]\n\nrun the agent\n\nOptions:\n/);
  assert.match(h, /\n {2}--state-dir <dir> +saved state \(default: "\/var\/lib\/x"\)\n/);
  assert.match(h, /--wireguard <impl> +implementation \(choices: "userspace", "kernel"\)/);
  assert.match(
    h,
    /\nCommands:\n {2}join \[options\] <url> \[token\] +join\n {2}help \[command\] +display help for command\n$/,
  );
  assert.ok(h.split('\n').every((l) => l.length <= 80));
  for (const argv of [
    ['agent', 'help', 'join'],
    ['agent', 'join', '--help'],
  ]) {
    const p = parseDaemonArgv(top, argv);
    assert.equal(p.help, true);
    assert.match(
      daemonHelp(p.chain),
      /^Usage: sixpn agent join \[options\] <url> \[token\]\n[\s\S]*Arguments:\n {2}url +the URL\n/,
    );
  }
});

test('the full CLI runs `sixpn agent` on the same parser: its help, its usage errors', async () => {
  const help = await runInProcess(['agent', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: sixpn agent \[options\] \[command\]\n/);
  assert.match(help.stdout, /--mesh-interface <iface> +WireGuard mesh interface/);
  const bad = await runInProcess(['gateway', '--dns-port', '0']);
  assert.equal(bad.code, 2);
  assert.equal(
    bad.stderr,
    "error: option '--dns-port <port>' argument '0' is invalid. port must be a number from 1 to 65535\n",
  );
  const root = await runInProcess(['--help']);
  assert.match(root.stdout, /\n {2}agent +run the host agent/);
});
