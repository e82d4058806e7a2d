// The attack suite's check of the agent's local socket (src/agent/socket-server.ts, AGENT-SOCKET.md): root only,
// and what a runtime may ask through it is bounded by the host's own token (src/control/api/host-placement.ts):
// instances of granted orgs, on this host. Another host's instances, an org not granted, or a placement elsewhere
// are refused and create or remove nothing, through the socket and with the host's token directly.

import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { agentSocketOf, connectUnix, socketCall } from './attack-api.ts';
import type { AttackLab } from './attack-control.ts';

/** Keys of the attachments this check makes (the agent keys them per host). */
const KEY = 'attack/socket';

export async function agentSocketAbuse(l: AttackLab): Promise<void> {
  const [ord1, ord2] = ['ord1', 'ord2'].map((n) => l.plan.hosts.find((h) => h.name === n));
  assert.ok(ord1 && ord2);
  const s1 = agentSocketOf(ord1);
  const s2 = agentSocketOf(ord2);
  for (const s of [s1, s2]) {
    const st = statSync(s);
    assert.ok(st.isSocket(), s);
    assert.equal(st.mode & 0o777, 0o600, `${s} is 0600`);
    assert.equal(st.uid, 0, `${s} is root's`);
    assert.equal(statSync(dirname(s)).mode & 0o777, 0o700, `${dirname(s)} is 0700`);
    assert.equal(await connectUnix(s, 'root'), 'connected', 'control: root connects');
    assert.equal(await connectUnix(s, 'nobody'), 'EACCES', 'nobody cannot connect');
  }
  const admin = l.client();
  const count = async () => (await admin.listInstances()).length;
  const web2 = l.inst('web', 'ord2');
  // The demo's grants (each host may place the orgs whose demo servers it runs): acme on ord1 and ord2, globex
  // on ord1 only.
  const grants = async (h: string) => (await admin.listHostGrants(h)).map((g) => g.org).sort();
  assert.deepEqual([await grants('ord1'), await grants('ord2')], [['acme', 'globex'], ['acme']]);
  let made: string | undefined;
  try {
    const ok = await socketCall(s1, 'POST', '/v1/instances', { app: 'web', org: 'acme', key: KEY });
    assert.equal(ok.status, 201, `control: a granted org on ord1 through its socket: ${ok.text}`);
    made = (ok.body as { id: string }).id;
    assert.equal((await admin.getInstance(made)).host, 'ord1');
    const n = await count();
    for (const [what, sock, body, status, message] of [
      [
        'an org not granted (globex through ord2)',
        s2,
        { app: 'vault', org: 'globex', key: `${KEY}/b` },
        403,
        /host 'ord2' may not place instances of org 'globex'/,
      ],
      ['a placement on ord2', s1, { app: 'web', org: 'acme', key: `${KEY}/c`, host: 'ord2' }, 400, /host/],
      ['a region', s1, { app: 'web', org: 'acme', key: `${KEY}/d`, region: 'nrt' }, 400, /region/],
    ] as const) {
      const r = await socketCall(sock, 'POST', '/v1/instances', body);
      assert.equal(r.status, status, `${what}: ${r.text}`);
      assert.match(r.text, message, what);
    }
    // Keys are the host's own: ord2's socket knows nothing of ord1's attachment, and removes nothing.
    assert.equal(
      (await socketCall(s2, 'GET', `/v1/instances/by-key/${encodeURIComponent(KEY)}`)).status,
      404,
    );
    const rm = await socketCall(s2, 'DELETE', `/v1/instances/by-key/${encodeURIComponent(KEY)}?remove=true`);
    assert.equal(rm.status, 204, rm.text);
    assert.equal((await admin.getInstance(made)).state, 'started', "ord1's instance is still there, started");
    // The host's token directly: nothing of another host, nothing placed elsewhere.
    const token = l.state.hostTokens.ord1 ?? '';
    for (const [method, path, body] of [
      ['POST', '/v1/orgs/acme/apps/web/instances', { host: 'ord2' }],
      ['POST', `/v1/instances/${web2.id}/stop`, undefined],
      ['DELETE', `/v1/instances/${web2.id}`, undefined],
    ] as const) {
      const r = await l.api(method, path, { token, ...(body ? { body } : {}) });
      assert.equal(r.status, 403, `${method} ${path} with ord1's token: ${r.text}`);
    }
    assert.equal((await admin.getInstance(web2.id)).state, 'started');
    assert.equal(await count(), n, 'nothing created or removed');
  } finally {
    if (made !== undefined) {
      const r = await socketCall(s1, 'DELETE', `/v1/instances/by-key/${encodeURIComponent(KEY)}?remove=true`);
      assert.equal(r.status, 204, r.text);
      assert.equal((await l.api('GET', `/v1/instances/${made}`, { token: l.state.adminToken })).status, 404);
    }
  }
}
