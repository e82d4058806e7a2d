// How a client trusts the control plane's HTTPS: the system's CAs, a CA file (`--ca`, SIXPN_CA), or a pinned CA
// fingerprint (SIXPN_CA_FINGERPRINT, the login file): with a pin, a first connection that sends nothing reads the
// chain the server presents, takes the CA whose SHA-256 matches, and every request then verifies the chain
// against that CA alone (the host name is not checked: the pin names the server).

import { X509Certificate } from 'node:crypto';
import { Agent, type AgentOptions, request as httpsRequest } from 'node:https';
import { connect, type PeerCertificate } from 'node:tls';
import { SixpnError } from '../core/errors.ts';
import { type Fingerprint, fingerprintOfDer, formatFingerprint } from '../core/fingerprint.ts';
import { isCertError } from './endpoints.ts';
import type { FetchLike } from './http.ts';
import { nodeRequest, targetOf } from './node-fetch.ts';

export interface ClientTrust {
  /** CA certificates (PEM) to trust instead of the system's. */
  ca?: string | undefined;
  /** The chain must end in the CA with this SHA-256 (of its DER); takes the place of `ca`. */
  fingerprint?: Fingerprint | undefined;
  /** Where the pin came from, for error messages (`SIXPN_CA_FINGERPRINT`, `the login file …`). */
  pinFrom?: string | undefined;
}

/** The certificates a server presented, leaf first (what `getPeerCertificate(true)` links by issuer). */
function chainOf(leaf: PeerCertificate): X509Certificate[] {
  const out: X509Certificate[] = [];
  const seen = new Set<string>();
  let c = leaf as PeerCertificate & { issuerCertificate?: PeerCertificate };
  while (c?.raw && !seen.has(c.fingerprint256)) {
    seen.add(c.fingerprint256);
    out.push(new X509Certificate(c.raw));
    c = c.issuerCertificate as typeof c;
  }
  return out;
}

/** The CA certificates `host:port` presents (a handshake, nothing sent), with their fingerprints. */
export function presentedCas(
  host: string,
  port: number,
  signal?: AbortSignal,
): Promise<{ fingerprint: Fingerprint; pem: string }[]> {
  return new Promise((resolve, reject) => {
    const servername = /^[0-9.]+$|:/.test(host) ? undefined : host;
    const s = connect({
      host,
      port,
      rejectUnauthorized: false,
      ...(servername ? { servername } : {}),
      ...(signal ? { signal } : {}),
    });
    s.once('error', reject);
    s.once('secureConnect', () => {
      const chain = chainOf(s.getPeerCertificate(true));
      s.destroy();
      resolve(
        chain.filter((c) => c.ca).map((c) => ({ fingerprint: fingerprintOfDer(c.raw), pem: c.toString() })),
      );
    });
  });
}

/** The error when the server's CA is not the pinned one: what was expected, what came, and what to do. */
export function pinMismatch(url: string, trust: ClientTrust, got: readonly Fingerprint[]): SixpnError {
  const want = formatFingerprint(trust.fingerprint as Fingerprint);
  const seen = got.length > 0 ? got.map(formatFingerprint).join(', ') : 'no CA certificate';
  return new SixpnError(
    'failed_precondition',
    `the control plane at ${url} presents ${seen}, not the pinned CA ${want}${trust.pinFrom ? ` (from ${trust.pinFrom})` : ''}: someone may be in the middle, or the server's CA was replaced; if you trust the new CA (compare with what \`sixpn server\` printed at start), pin it with SIXPN_CA_FINGERPRINT or run \`sixpn login\` again after removing the old pin`,
    { details: { reason: 'ca_mismatch', expected: want } },
  );
}

/**
 * A fetch over node:https with `trust`: the system's CAs when empty, `ca` instead of them, or the pinned CA found
 * by {@link presentedCas} (once per host:port; looked up again after a failed request, so a replaced CA gives
 * the mismatch error). Connections are kept alive.
 */
export function httpsFetch(trust: ClientTrust): FetchLike {
  const base: AgentOptions = { keepAlive: true, ...(trust.ca ? { ca: trust.ca } : {}) };
  const agents = new Map<string, Promise<Agent>>();
  const agentFor = (u: URL, signal?: AbortSignal): Promise<Agent> => {
    if (trust.fingerprint === undefined) {
      const a = agents.get('') ?? Promise.resolve(new Agent(base));
      agents.set('', a);
      return a;
    }
    const key = u.host;
    const known = agents.get(key);
    if (known) return known;
    const host = u.hostname.replace(/^\[|\]$/g, '');
    const made = presentedCas(host, Number(u.port || 443), signal).then((cas) => {
      const ca = cas.find((c) => c.fingerprint === trust.fingerprint);
      if (!ca)
        throw pinMismatch(
          u.origin,
          trust,
          cas.map((c) => c.fingerprint),
        );
      return new Agent({ keepAlive: true, ca: ca.pem, checkServerIdentity: () => undefined });
    });
    agents.set(key, made);
    made.catch(() => agents.delete(key));
    return made;
  };
  return async (input, init) => {
    const u = new URL(input);
    const agent = await agentFor(u, init?.signal ?? undefined);
    try {
      return await nodeRequest({ protocol: 'https:', ...targetOf(u, 443), agent }, init, httpsRequest);
    } catch (e) {
      if (trust.fingerprint === undefined) throw e;
      agents.delete(u.host); // the next request looks at the chain again
      // A chain that no longer verifies against the pinned CA: say whether the CA changed (throws if it did).
      if (isCertError(e)) await agentFor(u, init?.signal ?? undefined);
      throw e;
    }
  };
}
