// The CLI against `sixpn server` over HTTPS with its own CA: login pins the CA on first use; the pin, a CA file
// and SIXPN_CA_FINGERPRINT are honoured; no trust, a wrong pin, or a changed CA are refused with what to do.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cleanEnv } from '../support/child-process.ts';
import { runSixpn, type ServerProcess, startServer } from './helpers.ts';

describe('the CLI over HTTPS', { timeout: 120_000 }, () => {
  let dir: string;
  let server: ServerProcess;
  let fp: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sixpn-cli-tls-'));
    server = await startServer(dir, ['--hostname', '127.0.0.1']);
    fp = /CA fingerprint \(pin it on clients\): (sha256:[0-9a-f]{64})/.exec(server.stderr())?.[1] ?? '';
  });
  after(async () => {
    await server.kill();
    await rm(dir, { recursive: true, force: true });
  });
  const env = (extra: Record<string, string> = {}) => cleanEnv({ HOME: dir, SIXPN_LOG: 'warn', ...extra });
  const run = (args: string[], e = env(), stdin?: string) =>
    runSixpn(args, { cwd: dir, env: e, ...(stdin ? { stdin } : {}) });

  test('the server serves https and prints its CA fingerprint', () => {
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.match(fp, /^sha256:/);
  });

  test('no trust: refused, saying how to give the CA', async () => {
    const r = await run(['--api', server.url, 'orgs', 'list'], env({ SIXPN_TOKEN: server.admin }));
    assert.equal(r.code, 8, r.stderr);
    assert.match(r.stderr, /does not trust .*--ca FILE.*SIXPN_CA_FINGERPRINT/);
  });

  test('--ca FILE and SIXPN_CA_FINGERPRINT are trusted; a wrong fingerprint is refused', async () => {
    const ca = join(dir, 'tls', 'ca.crt');
    const withCa = await run(
      ['--api', server.url, '--ca', ca, 'orgs', 'list'],
      env({ SIXPN_TOKEN: server.admin }),
    );
    assert.equal(withCa.code, 0, withCa.stderr);
    const pinned = await run(
      ['--api', server.url, 'orgs', 'list'],
      env({ SIXPN_TOKEN: server.admin, SIXPN_CA_FINGERPRINT: fp }),
    );
    assert.equal(pinned.code, 0, pinned.stderr);
    const wrong = `sha256:${'0'.repeat(64)}`;
    const r = await run(
      ['--api', server.url, 'orgs', 'list'],
      env({ SIXPN_TOKEN: server.admin, SIXPN_CA_FINGERPRINT: wrong }),
    );
    assert.equal(r.code, 5, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`presents ${fp}, not the pinned CA ${wrong} \\(from SIXPN_CA_FINGERPRINT\\)`),
    );
  });

  test('login shows the CA on first contact and pins it; a changed CA is refused', async () => {
    const login = await run(['login', '--api', server.url], env(), server.admin);
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stderr, new RegExp(`presents the CA ${fp}`));
    const file = join(dir, '.config', 'sixpn', 'config.json');
    const saved = JSON.parse(await readFile(file, 'utf8')) as { ca_fingerprint?: string };
    assert.equal(saved.ca_fingerprint, fp);
    const list = await run(['orgs', 'list']);
    assert.equal(list.code, 0, list.stderr);
    // The server now "presents another CA": the pin in the login file no longer matches.
    const other = `sha256:${'1'.repeat(64)}`;
    await writeFile(file, JSON.stringify({ ...saved, ca_fingerprint: other }), { mode: 0o600 });
    const refused = await run(['orgs', 'list']);
    assert.equal(refused.code, 5, refused.stderr);
    assert.match(refused.stderr, /not the pinned CA .*\(from the login file\).*sixpn login/);
    const again = await run(['login', '--api', server.url], env(), server.admin);
    assert.equal(again.code, 5, again.stderr);
  });
});
