// The control plane's own CA and server certificates (ECDSA P-256, X.509 via @peculiar/x509 on WebCrypto). Only
// imported when a certificate must be made: the library costs a few hundred milliseconds to load.

import { webcrypto } from 'node:crypto';

/** tsyringe (under @peculiar/x509) needs these three of the reflect-metadata API; a WeakMap does. */
function installReflectMetadata(): void {
  const r = Reflect as unknown as Record<string, unknown>;
  if (typeof r.getMetadata === 'function') return;
  const meta = new WeakMap<object, Map<unknown, Map<unknown, unknown>>>();
  const own = (k: unknown, t: object, p?: unknown) => meta.get(t)?.get(p)?.get(k);
  r.defineMetadata = (k: unknown, v: unknown, t: object, p?: unknown) => {
    const byProp = meta.get(t) ?? new Map<unknown, Map<unknown, unknown>>();
    meta.set(t, byProp);
    const m = byProp.get(p) ?? new Map<unknown, unknown>();
    byProp.set(p, m);
    m.set(k, v);
  };
  r.getOwnMetadata = own;
  r.getMetadata = (k: unknown, t: object, p?: unknown) => {
    for (let o: object | null = t; o; o = Object.getPrototypeOf(o)) {
      const v = own(k, o, p);
      if (v !== undefined) return v;
    }
    return undefined;
  };
}

installReflectMetadata();
const x509 = await import('@peculiar/x509');
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;

/** A certificate and its private key, both PEM. */
export interface Pem {
  cert: string;
  key: string;
}

const serial = () =>
  Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
    .toString('hex')
    .replace(/^[89a-f]/, '1');

async function keyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '')}\n-----END PRIVATE KEY-----\n`;
}

/** A new self-signed CA valid for `days` (default 10 years) from `now`. */
export async function makeCa(now: Date, days = 3650): Promise<Pem> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=sixpn control plane CA ${now.toISOString().slice(0, 10)}`,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + days * DAY),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: `${cert.toString('pem').trim()}\n`, key: await keyPem(keys.privateKey) };
}

const isIp = (n: string) => /^[0-9.]+$/.test(n) || n.includes(':');

/** A server certificate for `names` (DNS names and IP addresses) signed by `ca`, valid for `days` from `now`. */
export async function makeServerCert(ca: Pem, names: readonly string[], now: Date, days = 397): Promise<Pem> {
  const caCert = new x509.X509Certificate(ca.cert);
  const caDer = Buffer.from(ca.key.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const caKey = await webcrypto.subtle.importKey('pkcs8', caDer, ALG, false, ['sign']);
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cn = names.find((n) => !isIp(n)) ?? names[0] ?? 'sixpn';
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${cn}`,
    issuer: caCert.subject,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + days * DAY),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        names.map((n) => (isIp(n) ? { type: 'ip' as const, value: n } : { type: 'dns' as const, value: n })),
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return { cert: `${cert.toString('pem').trim()}\n`, key: await keyPem(keys.privateKey) };
}
