// Fixtures shared by the in-process CLI tests (cli.test.ts, cli-apps.test.ts): a temp dir, API objects and a
// fake API that records what each command sends.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { recordingFetch } from './test-support.ts';

export const tmp = await mkdtemp(join(tmpdir(), 'sixpn-cli-'));
after(() => rm(tmp, { recursive: true, force: true }));

export const T = '2026-01-01T00:00:00Z';
export const region = { code: 'ord', name: 'Chicago', lat: 41.9, lon: -87.6, created_at: T };
export const instance = {
  id: '0a7b007d',
  app: 'web',
  org: 'acme',
  network: 'default',
  network_num: 24,
  region: 'ord',
  host: 'h1',
  host_num: 7,
  state: 'started',
  address: 'fdaa:0:18:0:7:a7b:7d:2',
  created_at: T,
  updated_at: T,
};
export const app = {
  id: 'a1',
  org: 'acme',
  network: 'default',
  network_num: 24,
  name: 'web',
  private_network: true,
  created_at: T,
};
export const whoami = (org: string | null) => ({
  kind: org ? 'org' : 'admin',
  name: 'n',
  org,
  network: null,
  host: null,
  expires_at: null,
});

/** A fake API: `routes` maps "METHOD /path" to a JSON answer (status 200, or [status, body]). */
export function fakeApi(routes: Record<string, unknown>) {
  return recordingFetch((req) => {
    const url = new URL(req.url);
    const r = routes[`${req.method} ${url.pathname}`];
    if (r === undefined) {
      return Response.json({ error: { code: 'not_found', message: `no ${url.pathname}` } }, { status: 404 });
    }
    if (Array.isArray(r))
      return r[1] === null ? new Response(null, { status: r[0] }) : Response.json(r[1], { status: r[0] });
    return Response.json(r);
  });
}

export const conn = { SIXPN_API_URL: 'http://cp.test', SIXPN_TOKEN: 'tok' };
