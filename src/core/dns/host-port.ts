// Parses `ADDR`, `ADDR:PORT`, `[V6]`, `[V6]:PORT` (listen addresses, upstreams, `dig --server`).

import { tryParseIPv6 } from '../address.ts';
import { invalid } from '../errors.ts';
import { isIPv4 } from '../wg/endpoint.ts';

export interface HostPort {
  host: string;
  port: number;
  family: 4 | 6;
}

/** 4 or 6 for an IP literal (an IPv6 one may carry a `%zone`), 0 for anything else. */
export function ipFamily(text: string): 0 | 4 | 6 {
  if (isIPv4(text)) return 4;
  const zone = text.indexOf('%');
  const bare = zone < 0 ? text : text.slice(0, zone);
  if (zone === 0 || zone === text.length - 1) return 0;
  return bare.includes(':') && tryParseIPv6(bare) !== undefined ? 6 : 0;
}

/** Throws `invalid_argument` naming the input when it is not an IP literal with an optional port. */
export function parseHostPort(text: string, defaultPort = 53): HostPort {
  let host = text.trim();
  let port = defaultPort;
  const bracket = /^\[([^\]]+)\](?::([0-9]{1,5}))?$/.exec(host);
  if (bracket) {
    host = bracket[1] ?? '';
    if (bracket[2] !== undefined) port = Number(bracket[2]);
  } else if (ipFamily(host) === 0) {
    const m = /^([0-9.]+):([0-9]{1,5})$/.exec(host);
    if (m) {
      host = m[1] ?? '';
      port = Number(m[2]);
    }
  }
  const family = ipFamily(host);
  if (family === 0) {
    throw invalid(`'${text}' is not an address: use an IP literal, e.g. 127.0.0.1:53, [::1]:53 or fdaa::3`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw invalid(`'${text}' has a bad port ${port}`);
  return { host, port, family };
}

export function formatHostPort(hp: { host: string; port: number }): string {
  return hp.host.includes(':') ? `[${hp.host}]:${hp.port}` : `${hp.host}:${hp.port}`;
}

/**
 * A listen address on loopback (127.0.0.0/8 or ::1) with a port, for local-only listeners such as the agent's
 * `--metrics-listen`; throws `invalid_argument` naming `field` otherwise.
 */
export function parseLoopbackListen(text: string, field: string, defaultPort: number): HostPort {
  const hp = parseHostPort(text, defaultPort);
  const loopback = hp.family === 4 ? hp.host.startsWith('127.') : hp.host === '::1';
  if (!loopback) {
    throw invalid(
      `${field} '${text}' must be a loopback address, e.g. 127.0.0.1:${defaultPort} or [::1]:${defaultPort}`,
    );
  }
  if (hp.port === 0) throw invalid(`${field} '${text}' needs a port from 1 to 65535`);
  return hp;
}
