// What lab up / env / status print: the demo's ids in the commands to try, the right lab name, the env lines.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labPlan } from './plan.ts';
import type { LabState } from './state.ts';
import { renderEnv, renderStatus, renderUp, table } from './summary.ts';

const state = (p: ReturnType<typeof labPlan>): LabState => ({
  version: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  options: { regions: [{ code: 'ord', hosts: 2 }], gateways: [], dir: p.dir },
  phase: 'up',
  adminToken: 'secret-admin',
  hostTokens: {},
  processes: {},
  etcNetnsCreated: false,
  demo: [
    {
      id: '0a0b0c0d',
      org: 'acme',
      app: 'web',
      region: 'ord',
      host: 'ord1',
      address: 'fdaa:0:1:0:1:a0b:c0d:2',
    },
    {
      id: '1a1b1c1d',
      org: 'acme',
      app: 'db',
      region: 'ord',
      host: 'ord2',
      address: 'fdaa:0:1:0:2:1a1b:1c1d:2',
    },
    {
      id: '2a2b2c2d',
      org: 'globex',
      app: 'vault',
      region: 'ord',
      host: 'ord1',
      address: 'fdaa:0:2:0:1:2a2b:2c2d:2',
    },
  ],
});

test('lab up prints the demo and commands with its instance ids', () => {
  const p = labPlan({ regions: [{ code: 'ord', hosts: 2 }], gateways: [] });
  const out = renderUp(p, state(p));
  assert.match(out, /^sixpn lab is up in \/run\/sixpn-lab\n/);
  assert.match(out, /acme {4}web {4}0a0b0c0d {2}ord1 {2}ord {5}fdaa:0:1:0:1:a0b:c0d:2/);
  assert.match(out, /\.\/bin\/sixpn\.js lab exec 0a0b0c0d -- getent ahosts db\.internal/);
  assert.match(out, /\.\/bin\/sixpn\.js lab exec 2a2b2c2d -- dig aaaa web\.internal {4}# NXDOMAIN/);
  assert.match(out, /lab exec 0a0b0c0d -- curl -s http:\/\/db\.internal:8080\/ {4}# db answers/);
  assert.match(out, /lab exec 0a0b0c0d -- curl -s http:\/\/svc\.web\.internal:8080\//);
  assert.doesNotMatch(out, /ord\.web\.internal/, 'no other region to name');
  const named = labPlan({ regions: [{ code: 'ord', hosts: 2 }], gateways: [], name: 'x1' });
  assert.match(renderUp(named, state(named)), /lab --name x1 exec 0a0b0c0d --/);
});

test('lab env prints export lines for the socket and the admin token', () => {
  const p = labPlan({ regions: [{ code: 'ord', hosts: 1 }], gateways: [] });
  assert.equal(
    renderEnv(p, state(p)),
    'export SIXPN_API_URL=unix:/run/sixpn-lab/api.sock\nexport SIXPN_TOKEN=secret-admin\nexport SIXPN_CA=/run/sixpn-lab/tls/ca.crt\n',
  );
});

test('lab status without a lab says how to make one', () => {
  const none = {
    up: false,
    phase: 'none' as const,
    services: [],
    nodes: [],
    servers: [],
    instances: [],
    problems: [],
  };
  assert.equal(
    renderStatus({ ...none, name: '', dir: '/run/sixpn-lab' }),
    'no lab in /run/sixpn-lab; bring one up with: sixpn lab up\n',
  );
  assert.match(renderStatus({ ...none, name: 'b', dir: '/run/sixpn-lab-b' }), /sixpn lab --name b up/);
});

test('table aligns columns by characters, not bytes', () => {
  assert.equal(
    table([
      ['a', 'São Paulo', 'x'],
      ['bbb', 'c', 'y'],
    ]),
    'a    São Paulo  x\nbbb  c          y',
  );
});
