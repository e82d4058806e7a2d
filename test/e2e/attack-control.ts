// Checks of the attack suite on what hosts tell the control plane (test/e2e/attacks.test.ts): a host's token
// reporting health checks or usage of another host's instances, and the join exchange with bad, expired, revoked
// or wrong-role join tokens, or a join token used as a bearer token. Each attempt is refused with one clear error,
// counted where the control plane counts it, and leaves the store (and so every host's DNS) as it was.

import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiClient } from '../../src/client/api-client.ts';
import type { LabPlan } from '../../src/lab/plan.ts';
import type { LabState } from '../../src/lab/state.ts';
import { type Answer, metricValue, type RawApi } from './attack-api.ts';
import { digShort, eventually, NsProcess, TCP_ECHO } from './support.ts';
import type { Lab } from './with-lab.ts';

/** What these checks need of the attack lab: its plan and state, a recording client and raw API calls. */
export interface AttackLab {
  plan: LabPlan;
  state: LabState;
  inst: Lab['inst'];
  client: (token?: string) => ApiClient;
  api: RawApi;
}

/** The control plane's /metrics text (no token needed). */
async function metrics(l: AttackLab): Promise<string> {
  const r = await l.api('GET', '/metrics');
  assert.equal(r.status, 200, r.text);
  return r.text;
}

const hostToken = (l: AttackLab, name: string) => {
  const t = l.state.hostTokens[name];
  assert.ok(t, `the lab's token of ${name}`);
  return t;
};

/** TCP port of the check given to acme's db (nothing else in the e2e files listens there). */
const CHECK_PORT = 7910;

/**
 * ord1's token reports db (on ord2) critical: 404, counted in sixpn_control_foreign_check_reports_total; db's
 * verdict, its check status and its AAAA in ord1's DNS stay. Under ord2's name: 403. db gets a TCP check that
 * passes first (a real verdict a forged report could flip), removed at the end.
 */
export async function foreignCheckReports(l: AttackLab): Promise<void> {
  const db = l.inst('db');
  const web1 = l.inst('web', 'ord1');
  assert.equal(db.host, 'ord2');
  const admin = l.client();
  const token = hostToken(l, 'ord1');
  const server = new NsProcess(db.ns, TCP_ECHO, [String(CHECK_PORT)]);
  try {
    assert.ok(await server.waitFor(/^listening$/));
    await admin.updateApp('acme', 'db', {
      checks: [{ type: 'tcp', port: CHECK_PORT, interval: '1s', timeout: '500ms' }],
    });
    const passing = async () => (await admin.getInstance(db.id)).health === 'passing';
    assert.ok(await eventually(passing, 10_000, 100), 'control: ord2 reports db passing');
    const statuses = JSON.stringify(await admin.listChecks({ instance: db.id }));
    const check = (await admin.listChecks({ instance: db.id }))[0]?.check ?? '';
    assert.deepEqual(await digShort(web1.ns, 'AAAA', 'db.internal'), [db.address], 'control: db in DNS');
    const forged = { instance: db.id, check, status: 'critical', output: 'forged by ord1' };
    const foreign = () => metrics(l).then((t) => metricValue(t, 'sixpn_control_foreign_check_reports_total'));
    const before = await foreign();
    for (const items of [[forged], [{ ...forged, instance: web1.id, status: 'passing' }, forged]]) {
      const r = await l.api('PUT', '/v1/hosts/ord1/checks', { token, body: { items } });
      assert.equal(r.status, 404, r.text);
      assert.equal(r.code, 'not_found');
      assert.match(r.text, new RegExp(`instance '${db.id}' not found`));
    }
    assert.equal(await foreign(), before + 2, 'both reports counted');
    const other = await l.api('PUT', '/v1/hosts/ord2/checks', { token, body: { items: [forged] } });
    assert.equal(other.status, 403, `ord1's token under ord2's name: ${other.text}`);
    await sleep(1_500); // a verdict change would reach every host's DNS within this (checks.test.ts)
    assert.equal((await admin.getInstance(db.id)).health, 'passing', "db's verdict unchanged");
    assert.equal(JSON.stringify(await admin.listChecks({ instance: db.id })), statuses, 'statuses unchanged');
    assert.deepEqual(await digShort(web1.ns, 'AAAA', 'db.internal'), [db.address], 'still in ord1’s DNS');
  } finally {
    await admin.updateApp('acme', 'db', { checks: [] });
    await server.stop();
  }
}

/** A region code no lab node has: usage under it can come only from a report of this check. */
const FAKE_REGION = 'zatk';

/**
 * ord1's token reports usage of db (on ord2), alone and beside one of its own instances: 404, counted as
 * `rejected`, nothing stored; under ord2's name: 403. A report of its own replayed with the same epoch and seq,
 * also with other numbers: applied once.
 */
export async function foreignUsageReports(l: AttackLab): Promise<void> {
  const db = l.inst('db');
  const web1 = l.inst('web', 'ord1');
  const token = hostToken(l, 'ord1');
  const admin = l.client();
  const item = (instance: string, bytes: number) => ({
    instance,
    dir: 'tx',
    scope: 'interregion',
    src_region: 'ord',
    dst_region: FAKE_REGION,
    bytes,
    packets: 3,
  });
  const report = (seq: number, items: unknown[], epoch = randomBytes(8).toString('hex')) => ({
    epoch,
    seq,
    at: new Date().toISOString(),
    items,
  });
  /** acme's usage towards FAKE_REGION, as the API sums it. */
  const faked = async () => {
    const u = await admin.usage('acme', { by: 'region-pair' });
    return u.series.filter((s) => s.key.includes(FAKE_REGION)).reduce((n, s) => n + s.total.tx_bytes, 0);
  };
  const reports = async () => {
    const t = await metrics(l);
    const of = (result: string) => metricValue(t, 'sixpn_control_usage_reports_total', { result });
    return { applied: of('applied'), duplicate: of('duplicate'), rejected: of('rejected') };
  };
  assert.equal(await faked(), 0);
  const m0 = await reports();
  for (const items of [[item(db.id, 1_000)], [item(web1.id, 2_000), item(db.id, 1_000)]]) {
    const r = await l.api('POST', '/v1/hosts/ord1/usage', { token, body: report(1, items) });
    assert.equal(r.status, 404, r.text);
    assert.match(r.text, new RegExp(`instance ${db.id} is not on host ord1; nothing was stored`));
  }
  const other = await l.api('POST', '/v1/hosts/ord2/usage', { token, body: report(1, [item(db.id, 1_000)]) });
  assert.equal(other.status, 403, `ord1's token under ord2's name: ${other.text}`);
  const m1 = await reports();
  assert.equal(m1.rejected, m0.rejected + 2, 'both foreign reports counted');
  assert.equal(await faked(), 0, 'nothing of them stored (not even the own item)');

  const own = report(1, [item(web1.id, 5_000)]);
  const answers: unknown[] = [];
  for (const body of [own, own, { ...own, items: [item(web1.id, 7_000_000)] }]) {
    const r = await l.api('POST', '/v1/hosts/ord1/usage', { token, body });
    assert.equal(r.status, 200, r.text);
    answers.push(r.body);
  }
  assert.deepEqual(answers, [{ applied: true }, { applied: false }, { applied: false }]);
  assert.equal(await faked(), 5_000, 'applied once, with the first numbers');
  const m2 = await reports();
  assert.equal(m2.duplicate, m1.duplicate + 2, 'replays counted as duplicates');
}

/** A WireGuard public key (made here; nothing joins with it). */
function wgPublicKey(): string {
  const der = generateKeyPairSync('x25519').publicKey.export({ format: 'der', type: 'spki' });
  return der.subarray(-32).toString('base64');
}

/**
 * `POST /v1/join` with malformed, unknown, expired and revoked join tokens, and a host's join token taking over
 * the gateway (and a gateway's taking over a host) with `replace`: one error each, nothing changed (the store's
 * head revision, hosts, gateways, the tokens' use counts). Then a join token as the bearer token of every route
 * of the OpenAPI document: 401 everywhere. (A used token is in test/e2e/join.test.ts, through `sixpn agent join`.)
 */
export async function joinTokenAbuse(l: AttackLab): Promise<void> {
  const admin = l.client();
  const join = (token: string, name: string, more: Record<string, unknown> = {}) =>
    l.api('POST', '/v1/join', {
      body: { token, name, endpoint: '198.18.1.99:51820', mesh_key: wgPublicKey(), ...more },
    });
  const state = async () =>
    JSON.stringify({
      revision: (await admin.snapshot()).revision,
      hosts: await admin.listHosts(),
      gateways: await admin.listGateways(),
      tokens: (await admin.listJoinTokens()).map((t) => [t.id, t.used]),
    });
  const hostJt = await admin.createJoinToken({ region: 'ord', expires_in: '10m' });
  const gwJt = await admin.createJoinToken({ region: 'ord', role: 'gateway', expires_in: '10m' });
  const expired = await admin.createJoinToken({ region: 'ord', expires_in: 1 });
  const revoked = await admin.createJoinToken({ region: 'ord', expires_in: '10m' });
  await admin.revokeJoinToken(revoked.join_token.id);
  await sleep(1_100);
  const [v, fp] = hostJt.token.split('.');
  const unknown = [v, fp, `j${randomBytes(8).toString('hex')}`, 'a'.repeat(52)].join('.');
  const peer = { peer_key: wgPublicKey(), peer_endpoint: '198.18.1.99:51821' };
  const before = await state();
  const cases: [string, () => Promise<Answer>, number, RegExp][] = [
    ['garbage', () => join('not-a-token', 'ord9'), 400, /is not a sixpn join token/],
    ['damaged', () => join(`${hostJt.token.slice(0, -4)}!!!!`, 'ord9'), 400, /is damaged/],
    ['unknown', () => join(unknown, 'ord9'), 401, /the join token is not valid/],
    ['expired', () => join(expired.token, 'ord9'), 401, /expired at/],
    ['revoked', () => join(revoked.token, 'ord9'), 401, /was revoked at/],
    [
      'a host’s join token taking over the gateway',
      () => join(hostJt.token, 'ord-gw1', { ...peer, replace: true }),
      409,
      /'ord-gw1' is a gateway in region ord; this join token is for a host in ord/,
    ],
    [
      'a gateway’s join token taking over a host',
      () => join(gwJt.token, 'ord2', { ...peer, replace: true }),
      409,
      /'ord2' is a host in region ord; this join token is for a gateway in ord/,
    ],
  ];
  for (const [what, answer, status, message] of cases) {
    const r = await answer();
    assert.equal(r.status, status, `${what}: ${r.text}`);
    const body = r.body as { error?: { message?: string } };
    assert.deepEqual(Object.keys(body), ['error'], `${what}: one error`);
    assert.match(body.error?.message ?? '', message, what);
    assert.ok(!r.text.includes(hostJt.token.split('.')[3] ?? '-'), `${what}: no secret in the answer`);
  }
  assert.equal(await state(), before, 'the store is unchanged');
  assert.ok((await l.client(hostToken(l, 'ord-gw1')).listGateways()).length > 0, "the gateway's token works");

  const doc = (await l.api('GET', '/v1/openapi.json')).body as { paths: Record<string, object> };
  let routes = 0;
  for (const [path, ops] of Object.entries(doc.paths)) {
    const concrete = path.replace(/\{[^}]+\}/g, 'x');
    for (const method of Object.keys(ops)) {
      if (path === '/v1/join') continue; // authenticated by the join token in its body, checked above
      for (const bearer of [hostJt.token, hostJt.token.split('.')[3] ?? '']) {
        const m = method.toUpperCase();
        const r = await l.api(m, concrete, { token: bearer, ...(m === 'GET' ? {} : { body: {} }) });
        assert.equal(r.status, 401, `${method.toUpperCase()} ${path} with a join token as bearer: ${r.text}`);
      }
      routes++;
    }
  }
  assert.ok(routes > 40, `${routes} routes tried`);
  assert.equal(await state(), before, 'the store is unchanged');
  for (const t of [hostJt, gwJt]) await admin.revokeJoinToken(t.join_token.id);
}
