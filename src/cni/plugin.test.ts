// Tests of the plugin's one table from the agent's failures to CNI error codes, and of a whole ADD/DEL over
// fake seams when the agent fails.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AgentError, cniErrorOfAgent, runPlugin, toCniError } from './plugin.ts';
import { CNI_ERR } from './spec.ts';
import { FakeHost } from './test-fakes.ts';

describe('cniErrorOfAgent', () => {
  const cases: [AgentError, number, RegExp][] = [
    [
      new AgentError(undefined, 'ENOENT', '/run/sixpn/agent.sock: ENOENT'),
      CNI_ERR.tryAgainLater,
      /agent is not answering .*agent\.sock/,
    ],
    [new AgentError(undefined, 'ECONNREFUSED', 's: ECONNREFUSED'), CNI_ERR.tryAgainLater, /start it/],
    [new AgentError(undefined, 'timeout', 's: no answer within 60 s'), CNI_ERR.tryAgainLater, /60 s/],
    [new AgentError(undefined, 'EACCES', 's: EACCES'), CNI_ERR.permissionDenied, /must run as root/],
    [
      new AgentError(400, 'invalid_argument', "app 'web' has no private networking"),
      CNI_ERR.invalidConfig,
      /private networking/,
    ],
    [new AgentError(404, 'not_found', "org 'acme' not found"), CNI_ERR.invalidConfig, /org 'acme'/],
    [
      new AgentError(409, 'already_exists', "instance 'web-1' already exists"),
      CNI_ERR.invalidConfig,
      /web-1/,
    ],
    [
      new AgentError(403, 'permission_denied', 'host h1 may not place globex'),
      CNI_ERR.permissionDenied,
      /globex/,
    ],
    [new AgentError(503, 'unavailable', 'agent not synced yet'), CNI_ERR.tryAgainLater, /not synced/],
    [new AgentError(500, 'internal', 'boom'), CNI_ERR.agentFailed, /boom/],
  ];
  for (const [e, code, msg] of cases)
    test(`${e.status ?? '-'} ${e.code}`, () => {
      const c = cniErrorOfAgent(e);
      assert.equal(c.code, code);
      assert.match(c.message, msg);
      if (e.status !== undefined) assert.equal(c.details, `the agent answered ${e.status} ${e.code}`);
    });
  test('anything else is an I/O failure', () =>
    assert.equal(toCniError(new Error('x')).code, CNI_ERR.ioFailure));
});

describe('runPlugin with a failing agent', () => {
  const env = { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c1', CNI_IFNAME: 'eth0', CNI_NETNS: '/run/netns/c1' };
  const conf =
    '{"cniVersion":"1.0.0","name":"acme-web","type":"sixpn","org":"acme","app":"web","agentSocket":"/x.sock"}';
  test('agent not running: ADD and DEL fail with 11, JSON on stdout, a line on stderr', async () => {
    const h = new FakeHost();
    h.namespaces.add('/run/netns/c1');
    h.failure = new AgentError(undefined, 'ENOENT', '/x.sock: ENOENT');
    for (const command of ['ADD', 'DEL']) {
      const out = await runPlugin({ ...env, CNI_COMMAND: command }, conf, h);
      assert.equal(out.exitCode, 1);
      assert.equal(JSON.parse(out.stdout).code, 11);
      assert.match(
        out.stderr,
        new RegExp(`^sixpn cni: ${command}: the sixpn agent is not answering \\(/x\\.sock: ENOENT\\)`),
      );
    }
  });
  test('unknown app: 7 with the agent’s message', async () => {
    const h = new FakeHost();
    h.namespaces.add('/run/netns/c1');
    const out = await runPlugin({ ...env, CNI_ARGS: 'SIXPN_APP=nope' }, conf, h);
    assert.deepEqual(JSON.parse(out.stdout), {
      cniVersion: '1.0.0',
      code: 7,
      msg: "app 'nope' not found",
      details: 'the agent answered 404 not_found',
    });
  });
  test('the agent answers but the interface is not in the namespace: 103, naming both', async () => {
    const h = new FakeHost();
    h.namespaces.add('/run/netns/c1');
    const first = await runPlugin(env, conf, h);
    assert.equal(first.exitCode, 0);
    h.links.clear(); // the agent keeps the key; the container lost its interface
    const again = await runPlugin(env, conf, h);
    assert.equal(JSON.parse(again.stdout).code, CNI_ERR.agentFailed);
    assert.match(
      JSON.parse(again.stdout).msg,
      /instance 0a7b0002 but eth0 is not in CNI_NETNS \/run\/netns\/c1/,
    );
  });
});
