// Table tests of the invocation parser: good environments and configurations → the agent request; every bad one
// → the spec's error code and a message naming the field.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Env, parseInvocation } from './request.ts';
import { CNI_ERR, CniError } from './spec.ts';

const conf = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ cniVersion: '1.0.0', name: 'acme-web', type: 'sixpn', org: 'acme', app: 'web', ...extra });
const env = (extra: Env = {}): Env => ({
  CNI_COMMAND: 'ADD',
  CNI_CONTAINERID: 'c0ffee',
  CNI_IFNAME: 'eth0',
  CNI_NETNS: '/run/netns/cni-1',
  CNI_PATH: '/opt/cni/bin',
  ...extra,
});

describe('good invocations', () => {
  test('ADD → the attach request with the key cni/<id>/<ifname>', () => {
    const inv = parseInvocation(env(), conf());
    assert.equal(inv.command, 'ADD');
    if (inv.command !== 'ADD') return;
    assert.deepEqual(inv.attach, {
      key: 'cni/c0ffee/eth0',
      org: 'acme',
      app: 'web',
      netns: '/run/netns/cni-1',
      ifname: 'eth0',
    });
    assert.equal(inv.socket, '/run/sixpn/agent.sock');
    assert.equal(inv.route, 'fdaa::/16');
    assert.equal(inv.prevResult, undefined);
  });

  const overrides: [string, Env, Record<string, unknown>, Record<string, string | undefined>][] = [
    ['CNI_ARGS SIXPN_APP', { CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAME=x;SIXPN_APP=api' }, {}, { app: 'api' }],
    [
      'args.cni',
      {},
      { args: { cni: { SIXPN_APP: 'db', SIXPN_ORG: 'globex', SIXPN_NAME: 'db-1', ips: ['x'] } } },
      { app: 'db', org: 'globex', name: 'db-1' },
    ],
    [
      'CNI_ARGS wins over args.cni',
      { CNI_ARGS: 'SIXPN_APP=api' },
      { args: { cni: { SIXPN_APP: 'db' } } },
      { app: 'api' },
    ],
    ['no org: the agent picks the app’s org', {}, { org: undefined }, { org: undefined, app: 'web' }],
    ['app only from CNI_ARGS', { CNI_ARGS: 'SIXPN_APP=web' }, { app: undefined }, { app: 'web' }],
  ];
  for (const [what, e, c, want] of overrides)
    test(what, () => {
      const inv = parseInvocation(env(e), conf(c));
      assert.ok(inv.command === 'ADD');
      for (const [k, v] of Object.entries(want)) assert.equal(inv.attach[k as 'app'], v, k);
    });

  test('socket: agentSocket, then SIXPN_AGENT_SOCKET, then the default', () => {
    const a = parseInvocation(env({ SIXPN_AGENT_SOCKET: '/e.sock' }), conf({ agentSocket: '/c.sock' }));
    const b = parseInvocation(env({ SIXPN_AGENT_SOCKET: '/e.sock' }), conf());
    assert.ok(a.command === 'ADD' && b.command === 'ADD');
    assert.equal(a.socket, '/c.sock');
    assert.equal(b.socket, '/e.sock');
  });

  test('prefix gives the route', () => {
    const inv = parseInvocation(env(), conf({ prefix: 'fdbb::/16' }));
    assert.ok(inv.command === 'ADD');
    assert.equal(inv.route, 'fdbb::/16');
  });

  test('DEL needs no CNI_NETNS, app or org', () => {
    const inv = parseInvocation(env({ CNI_COMMAND: 'DEL', CNI_NETNS: undefined }), conf({ app: undefined }));
    assert.equal(inv.command, 'DEL');
    assert.ok(inv.command === 'DEL');
    assert.equal(inv.netns, undefined);
    assert.equal(inv.key, 'cni/c0ffee/eth0');
  });

  test('VERSION reads only cniVersion, and works with nothing on stdin', () => {
    assert.deepEqual(parseInvocation({ CNI_COMMAND: 'VERSION' }, '{"cniVersion":"0.4.0"}'), {
      command: 'VERSION',
      cniVersion: '0.4.0',
    });
    assert.deepEqual(parseInvocation({ CNI_COMMAND: 'VERSION' }, ''), {
      command: 'VERSION',
      cniVersion: undefined,
    });
  });

  test('prevResult is kept', () => {
    const prevResult = { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: '/run/netns/cni-1' }] };
    const inv = parseInvocation(env({ CNI_COMMAND: 'CHECK' }), conf({ prevResult }));
    assert.ok(inv.command === 'CHECK');
    assert.deepEqual(inv.prevResult, prevResult);
  });
});

describe('bad invocations', () => {
  const cases: [string, Env, string, number, RegExp][] = [
    [
      'no CNI_COMMAND',
      env({ CNI_COMMAND: undefined }),
      conf(),
      CNI_ERR.invalidEnvironment,
      /^CNI_COMMAND is not set/,
    ],
    [
      'unknown CNI_COMMAND',
      env({ CNI_COMMAND: 'STATUS' }),
      conf(),
      CNI_ERR.invalidEnvironment,
      /CNI_COMMAND 'STATUS'/,
    ],
    [
      'no CNI_CONTAINERID',
      env({ CNI_CONTAINERID: '' }),
      conf(),
      CNI_ERR.invalidEnvironment,
      /^CNI_CONTAINERID is not set/,
    ],
    [
      'bad CNI_CONTAINERID',
      env({ CNI_CONTAINERID: '-x' }),
      conf(),
      CNI_ERR.invalidEnvironment,
      /CNI_CONTAINERID '-x'/,
    ],
    [
      'no CNI_IFNAME',
      env({ CNI_IFNAME: undefined }),
      conf(),
      CNI_ERR.invalidEnvironment,
      /CNI_IFNAME '' .*not set/,
    ],
    ['CNI_IFNAME ..', env({ CNI_IFNAME: '..' }), conf(), CNI_ERR.invalidEnvironment, /CNI_IFNAME '\.\.'/],
    [
      'CNI_IFNAME too long',
      env({ CNI_IFNAME: 'a'.repeat(16) }),
      conf(),
      CNI_ERR.invalidEnvironment,
      /15 bytes/,
    ],
    [
      'CNI_IFNAME with :',
      env({ CNI_IFNAME: 'eth:0' }),
      conf(),
      CNI_ERR.invalidEnvironment,
      /CNI_IFNAME 'eth:0'/,
    ],
    ['CNI_IFNAME with space', env({ CNI_IFNAME: 'eth 0' }), conf(), CNI_ERR.invalidEnvironment, /whitespace/],
    [
      'no CNI_NETNS on ADD',
      env({ CNI_NETNS: undefined }),
      conf(),
      CNI_ERR.invalidEnvironment,
      /^CNI_NETNS is not set/,
    ],
    [
      'no CNI_NETNS on CHECK',
      env({ CNI_COMMAND: 'CHECK', CNI_NETNS: '' }),
      conf(),
      CNI_ERR.invalidEnvironment,
      /CNI_NETNS/,
    ],
    [
      'relative CNI_NETNS',
      env({ CNI_NETNS: 'cni-1' }),
      conf(),
      CNI_ERR.invalidEnvironment,
      /CNI_NETNS 'cni-1' is not a path/,
    ],
    [
      'CNI_ARGS not K=V',
      env({ CNI_ARGS: 'SIXPN_APP' }),
      conf(),
      CNI_ERR.invalidEnvironment,
      /CNI_ARGS has 'SIXPN_APP'/,
    ],
    [
      'unknown SIXPN_ key',
      env({ CNI_ARGS: 'SIXPN_AP=web' }),
      conf(),
      CNI_ERR.invalidEnvironment,
      /CNI_ARGS SIXPN_AP/,
    ],
    ['bad app in CNI_ARGS', env({ CNI_ARGS: 'SIXPN_APP=Web!' }), conf(), CNI_ERR.invalidConfig, /app 'Web!'/],
    [
      'reserved app',
      env({ CNI_ARGS: 'SIXPN_APP=global' }),
      conf(),
      CNI_ERR.invalidConfig,
      /app 'global' is reserved/,
    ],
    ['bad SIXPN_NAME', env({ CNI_ARGS: 'SIXPN_NAME=-a' }), conf(), CNI_ERR.invalidConfig, /SIXPN_NAME '-a'/],
    ['not JSON', env(), '{"cniVersion":', CNI_ERR.decodeFailure, /not JSON/],
    ['a JSON array', env(), '[]', CNI_ERR.decodeFailure, /not a JSON object/],
    [
      'old cniVersion',
      env(),
      conf({ cniVersion: '0.3.1' }),
      CNI_ERR.incompatibleVersion,
      /cniVersion '0\.3\.1'/,
    ],
    [
      'no cniVersion',
      env(),
      conf({ cniVersion: undefined }),
      CNI_ERR.invalidConfig,
      /field cniVersion is missing/,
    ],
    ['no name', env(), conf({ name: undefined }), CNI_ERR.invalidConfig, /field name is missing/],
    ['bad name', env(), conf({ name: '_x' }), CNI_ERR.invalidConfig, /field name '_x'/],
    ['no type', env(), conf({ type: undefined }), CNI_ERR.invalidConfig, /field type is missing/],
    ['org not a string', env(), conf({ org: 5 }), CNI_ERR.invalidConfig, /field org: .*got 5/],
    ['bad org', env(), conf({ org: 'Acme Inc' }), CNI_ERR.invalidConfig, /org 'Acme Inc'/],
    ['no app', env(), conf({ app: undefined }), CNI_ERR.invalidConfig, /field app is missing/],
    [
      'args.cni value not a string',
      env(),
      conf({ args: { cni: { SIXPN_APP: 1 } } }),
      CNI_ERR.invalidConfig,
      /args\.cni\.SIXPN_APP/,
    ],
    [
      'args.cni unknown SIXPN_',
      env(),
      conf({ args: { cni: { SIXPN_X: 'a' } } }),
      CNI_ERR.invalidConfig,
      /args\.cni\.SIXPN_X/,
    ],
    [
      'relative agentSocket',
      env(),
      conf({ agentSocket: 'a.sock' }),
      CNI_ERR.invalidConfig,
      /agentSocket 'a\.sock'/,
    ],
    ['bad prefix', env(), conf({ prefix: 'fdaa::/48' }), CNI_ERR.invalidConfig, /field prefix 'fdaa::\/48'/],
    [
      'bad prevResult',
      env(),
      conf({ prevResult: { ips: [{}] } }),
      CNI_ERR.invalidConfig,
      /prevResult\.ips\.0\.address/,
    ],
  ];
  for (const [what, e, stdin, code, msg] of cases)
    test(what, () =>
      assert.throws(
        () => parseInvocation(e, stdin),
        (err: unknown) => err instanceof CniError && err.code === code && msg.test(err.message),
      ),
    );
});

test('the README’s network configuration list is what the plugin reads', async () => {
  const { readFile } = await import('node:fs/promises');
  const readme = await readFile(new URL('./README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('```json\n') + '```json\n'.length;
  const list = JSON.parse(readme.slice(start, readme.indexOf('```', start))) as {
    cniVersion: string;
    name: string;
    plugins: Record<string, unknown>[];
  };
  // What a runtime derives for the plugin (SPEC.md §3): the list's cniVersion and name with the plugin's keys.
  const inv = parseInvocation(
    env(),
    JSON.stringify({ cniVersion: list.cniVersion, name: list.name, ...list.plugins[0] }),
  );
  assert.ok(inv.command === 'ADD');
  assert.deepEqual([inv.attach.org, inv.attach.app], ['acme', 'web']);
});
