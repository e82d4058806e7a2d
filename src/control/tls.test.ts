// HTTPS of the control plane end to end in one process: its own CA (keys 0600), clients that pin it, give it as a
// file, or trust nothing (refused); a wrong pin refused; plain HTTP on a non-loopback address refused; the user's
// certificate read again on SIGHUP; a watch stream over TLS.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { connect } from 'node:tls';
import { ApiClient } from '../client/api-client.ts';
import { parseFingerprint } from '../core/fingerprint.ts';
import { silentLogger } from '../lib/log.ts';
import { runServer } from './main.ts';
import { tlsFiles } from './tls.ts';
import { makeCa, makeServerCert } from './tls-make.ts';

const ADMIN = 'admin-secret-for-tls-tests';

async function withServer(
  extra: Partial<Parameters<typeof runServer>[0]>,
  body: (url: string, dir: string, fp: string | undefined) => Promise<void>,
) {
  const dir = mkdtempSync(join(tmpdir(), 'sixpn-tls-'));
  const abort = new AbortController();
  try {
    const srv = await runServer({
      db: `sqlite:${join(dir, 'c.db')}`,
      listen: '127.0.0.1:0',
      logger: silentLogger,
      signal: abort.signal,
      adminToken: ADMIN,
      ...extra,
      ...(typeof extra.tls === 'object' && extra.tls.kind === 'auto'
        ? { tls: { ...extra.tls, dir: join(dir, 'tls') } }
        : {}),
    });
    try {
      await body(srv.url, dir, srv.caFingerprint);
    } finally {
      abort.abort();
      await srv.done;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const AUTO = { tls: { kind: 'auto' as const, dir: '', names: ['127.0.0.1', 'localhost'] } };

test('its own CA: made at first start, keys 0600; pin, CA file and no trust', async () => {
  await withServer(AUTO, async (url, dir, fp) => {
    assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.match(fp ?? '', /^sha256:[0-9a-f]{64}$/);
    const f = tlsFiles(join(dir, 'tls'));
    assert.equal(statSync(f.caKey).mode & 0o777, 0o600);
    assert.equal(statSync(f.key).mode & 0o777, 0o600);
    const pinned = new ApiClient({
      baseUrl: url,
      token: ADMIN,
      tls: { fingerprint: parseFingerprint(fp ?? '') },
    });
    assert.equal((await pinned.whoami()).kind, 'admin');
    const { readFileSync } = await import('node:fs');
    const withCa = new ApiClient({ baseUrl: url, token: ADMIN, tls: { ca: readFileSync(f.caCert, 'utf8') } });
    assert.equal((await withCa.whoami()).kind, 'admin');
    const none = new ApiClient({ baseUrl: url, token: ADMIN });
    await assert.rejects(none.whoami(), /does not trust .*SIXPN_CA_FINGERPRINT/);
  });
});

test('a wrong pinned fingerprint is refused before the token is sent', async () => {
  await withServer(AUTO, async (url) => {
    const wrong = parseFingerprint('ab'.repeat(32));
    const c = new ApiClient({
      baseUrl: url,
      token: ADMIN,
      tls: { fingerprint: wrong, pinFrom: 'SIXPN_CA_FINGERPRINT' },
    });
    await assert.rejects(c.whoami(), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'failed_precondition');
      assert.match(e.message, /not the pinned CA sha256:abab.*SIXPN_CA_FINGERPRINT/);
      return true;
    });
  });
});

test('plain HTTP on an address that is not loopback is refused, and nothing starts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sixpn-tls-'));
  try {
    const start = (insecureHttp?: boolean) =>
      runServer({
        db: `sqlite:${join(dir, 'c.db')}`,
        listen: '0.0.0.0:0',
        logger: silentLogger,
        signal: AbortSignal.abort(),
        ...(insecureHttp ? { insecureHttp } : {}),
      });
    await assert.rejects(start(), /refusing to serve plain HTTP on 0\.0\.0\.0.*--insecure-http/);
    assert.equal(existsSync(join(dir, 'c.db')), false);
    const srv = await start(true);
    assert.match(srv.url, /^http:\/\//);
    await srv.done;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The SHA-256 of the leaf certificate `url` serves now. */
const leafOf = (url: string) =>
  new Promise<string>((resolve, reject) => {
    const u = new URL(url);
    const s = connect({ host: u.hostname, port: Number(u.port), rejectUnauthorized: false });
    s.once('error', reject);
    s.once('secureConnect', () => {
      resolve(s.getPeerCertificate().fingerprint256);
      s.destroy();
    });
  });

test("the user's certificate and key are read again on SIGHUP", async () => {
  const now = new Date();
  const ca = await makeCa(now);
  const a = await makeServerCert(ca, ['127.0.0.1'], now);
  const b = await makeServerCert(ca, ['127.0.0.1'], now);
  const certFile = join(tmpdir(), `sixpn-tls-${process.pid}.crt`);
  const keyFile = join(tmpdir(), `sixpn-tls-${process.pid}.key`);
  writeFileSync(certFile, a.cert + ca.cert);
  writeFileSync(keyFile, a.key, { mode: 0o600 });
  try {
    await withServer({ tls: { kind: 'files', certFile, keyFile } }, async (url, _dir, fp) => {
      assert.match(fp ?? '', /^sha256:/); // the chain ends in the CA: it is shown for pinning
      const before = await leafOf(url);
      writeFileSync(certFile, b.cert + ca.cert);
      writeFileSync(keyFile, b.key);
      process.kill(process.pid, 'SIGHUP');
      let after = before;
      for (let i = 0; i < 100 && after === before; i++) {
        await delay(20);
        after = await leafOf(url);
      }
      assert.notEqual(after, before);
      const c = new ApiClient({ baseUrl: url, token: ADMIN, tls: { ca: ca.cert } });
      assert.equal((await c.whoami()).kind, 'admin');
    });
  } finally {
    rmSync(certFile, { force: true });
    rmSync(keyFile, { force: true });
  }
});

test('a watch stream over TLS sees a change as it commits', async () => {
  await withServer(AUTO, async (url, _dir, fp) => {
    const c = new ApiClient({ baseUrl: url, token: ADMIN, tls: { fingerprint: parseFingerprint(fp ?? '') } });
    const abort = new AbortController();
    const events = c.watchChanges(undefined, abort.signal);
    const first = await events.next();
    assert.equal(first.value?.type, 'snapshot');
    await c.createOrg('acme');
    for (;;) {
      const ev = await events.next();
      if (ev.value?.type === 'change') {
        assert.equal(ev.value.change.kind, 'org');
        break;
      }
    }
    abort.abort();
    await events.return(undefined);
  });
});

test('a replica list over HTTPS with one pinned CA: a GET goes on to the next replica', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sixpn-tls-'));
  const tls = { kind: 'auto' as const, dir: join(dir, 'tls'), names: ['127.0.0.1'] };
  const start = (db: string, signal: AbortSignal) =>
    runServer({
      db: `sqlite:${join(dir, db)}`,
      listen: '127.0.0.1:0',
      logger: silentLogger,
      signal,
      adminToken: ADMIN,
      tls,
    });
  const stopA = new AbortController();
  const stopB = new AbortController();
  try {
    const a = await start('a.db', stopA.signal);
    const b = await start('b.db', stopB.signal); // finds the CA the first one made
    assert.equal(b.caFingerprint, a.caFingerprint);
    const c = new ApiClient({
      baseUrl: `${a.url},${b.url}`,
      token: ADMIN,
      tls: { fingerprint: parseFingerprint(a.caFingerprint ?? '') },
    });
    assert.equal((await c.whoami()).kind, 'admin');
    assert.equal(c.baseUrl, a.url);
    stopA.abort();
    await a.done;
    assert.equal((await c.whoami()).kind, 'admin');
    assert.equal(c.baseUrl, b.url);
    stopB.abort();
    await b.done;
  } finally {
    stopA.abort();
    stopB.abort();
    rmSync(dir, { recursive: true, force: true });
  }
});
