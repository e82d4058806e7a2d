// The control plane's TLS: the user's certificate and key (`--tls-cert/--tls-key`, read again on SIGHUP), or its
// own CA and a server certificate for the `--hostname` names kept in a `tls/` directory beside the database
// (keys 0600), made at first start and renewed before expiry. Plain HTTP only on loopback, a unix socket, or
// when asked for with `--insecure-http`.

import { X509Certificate } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { SixpnError } from '../core/errors.ts';
import { type Fingerprint, fingerprintOfDer } from '../core/fingerprint.ts';

export type TlsConfig =
  | { kind: 'files'; certFile: string; keyFile: string }
  | { kind: 'auto'; dir: string; names: readonly string[] };

/** What the HTTPS server serves: the certificate chain (server first, then the CA) and its key, PEM. */
export interface TlsMaterial {
  cert: string;
  key: string;
  /** The CA at the end of the chain when the chain has one (always with the control plane's own CA). */
  caFingerprint: Fingerprint | undefined;
  /** When the server certificate expires. */
  notAfter: Date;
}

/** A server certificate is renewed when it expires within this long (its lifetime is 397 days). */
export const RENEW_BEFORE_MS = 30 * 86_400_000;

/** True for 127.0.0.0/8, ::1 and localhost: plain HTTP there never leaves the machine. */
export const isLoopbackHost = (host: string) =>
  host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::ffff:127.0.0.1';

/** Refuses plain HTTP on an address other machines can reach, unless the operator asked for it. */
export function checkPlainHttp(host: string, insecureHttp: boolean | undefined): void {
  if (isLoopbackHost(host) || insecureHttp) return;
  throw new SixpnError(
    'failed_precondition',
    `refusing to serve plain HTTP on ${host}: tokens would cross the network in cleartext; serve HTTPS (the control plane's own CA, or --tls-cert/--tls-key), listen on loopback, or pass --insecure-http when a TLS proxy in front does it`,
  );
}

/** The certificates of a PEM bundle, in order. */
export const pemBlocks = (pem: string) =>
  pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];

/** The fingerprint of the last certificate of a chain when it is a CA (what clients pin). */
export function caFingerprintOf(chainPem: string): Fingerprint | undefined {
  const last = pemBlocks(chainPem).at(-1);
  if (!last) return undefined;
  const c = new X509Certificate(last);
  return c.ca ? fingerprintOfDer(c.raw) : undefined;
}

/**
 * Whether the server certificate must be made again: missing, not signed by `caPem`, expiring within
 * {@link RENEW_BEFORE_MS}, or not valid for one of `names`. Pure (the clock is `now`).
 */
export function renewalDue(
  certPem: string | undefined,
  caPem: string,
  names: readonly string[],
  now: Date,
): boolean {
  if (certPem === undefined) return true;
  const cert = new X509Certificate(certPem);
  const ca = new X509Certificate(caPem);
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return true;
  if (new Date(cert.validTo).getTime() - now.getTime() < RENEW_BEFORE_MS) return true;
  const isIp = (n: string) => /^[0-9.]+$/.test(n) || n.includes(':');
  return names.some((n) => (isIp(n) ? cert.checkIP(n) === undefined : cert.checkHost(n) === undefined));
}

const readOrUndefined = (path: string) =>
  readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });

/** Writes `text` to `path` with mode 0600 through a temporary file and a rename. */
async function writeSecret(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode: 0o600 });
  await rename(tmp, path);
}

/** The files of the control plane's own CA in `dir`. */
export const tlsFiles = (dir: string) => ({
  caCert: join(dir, 'ca.crt'),
  caKey: join(dir, 'ca.key'),
  cert: join(dir, 'server.crt'),
  key: join(dir, 'server.key'),
});

/** Makes the CA (first start) and the server certificate (first start, or when due) in `dir`; returns what to serve. */
async function ensureAuto(
  dir: string,
  names: readonly string[],
  now: Date,
): Promise<TlsMaterial & { renewed: boolean }> {
  const f = tlsFiles(dir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  let caCert = await readOrUndefined(f.caCert);
  let caKey = await readOrUndefined(f.caKey);
  let cert = await readOrUndefined(f.cert);
  let key = await readOrUndefined(f.key);
  let renewed = false;
  if (
    caCert === undefined ||
    caKey === undefined ||
    renewalDue(cert, caCert, names, now) ||
    key === undefined
  ) {
    const make = await import('./tls-make.ts'); // a few hundred ms to load: only when a certificate is due
    if (caCert === undefined || caKey === undefined) {
      const ca = await make.makeCa(now);
      [caCert, caKey] = [ca.cert, ca.key];
      await writeSecret(f.caKey, caKey);
      await writeFile(f.caCert, caCert, { mode: 0o644 });
    }
    const s = await make.makeServerCert({ cert: caCert, key: caKey }, names, now);
    [cert, key] = [s.cert, s.key];
    await writeSecret(f.key, key);
    await writeFile(f.cert, cert, { mode: 0o644 });
    renewed = true;
  }
  const chain = `${(cert as string).trim()}\n${caCert.trim()}\n`;
  return { ...material(chain, key as string), renewed };
}

function material(chain: string, key: string): TlsMaterial {
  createSecureContext({ cert: chain, key }); // throws when the key does not match the certificate
  const first = pemBlocks(chain)[0];
  if (!first) throw new SixpnError('invalid_argument', 'the TLS certificate file holds no certificate');
  return {
    cert: chain,
    key,
    caFingerprint: caFingerprintOf(chain),
    notAfter: new Date(new X509Certificate(first).validTo),
  };
}

/**
 * Loads (or makes) what the HTTPS server serves. `files`: the user's certificate chain and key, read as they are
 * now (call again on SIGHUP). `auto`: the control plane's own CA in `dir`, the server certificate made or renewed
 * when due at `now`.
 */
export async function loadTls(cfg: TlsConfig, now: Date): Promise<TlsMaterial & { renewed: boolean }> {
  if (cfg.kind === 'auto') return ensureAuto(cfg.dir, cfg.names, now);
  let cert: string;
  let key: string;
  try {
    [cert, key] = await Promise.all([readFile(cfg.certFile, 'utf8'), readFile(cfg.keyFile, 'utf8')]);
  } catch (e) {
    throw new SixpnError(
      'invalid_argument',
      `cannot read the TLS certificate or key: ${(e as Error).message}`,
      { cause: e },
    );
  }
  try {
    return { ...material(cert, key), renewed: false };
  } catch (e) {
    throw new SixpnError(
      'invalid_argument',
      `${cfg.certFile} and ${cfg.keyFile} are not a PEM certificate chain and its key: ${(e as Error).message}`,
      { cause: e },
    );
  }
}
