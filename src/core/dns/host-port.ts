// Parses `ADDR`, `ADDR:PORT`, `[V6]`, `[V6]:PORT` (listen addresses, upstreams, `dig --server`).

import { isIP } from 'node:net';
import { invalid } from '../errors.ts';

export interface HostPort {
  host: string;
  port: number;
  family: 4 | 6;
}

/** Throws `invalid_argument` naming the input when it is not an IP literal with an optional port. */
export function parseHostPort(text: string, defaultPort = 53): HostPort {
  let host = text.trim();
  let port = defaultPort;
  const bracket = /^\[([^\]]+)\](?::([0-9]{1,5}))?$/.exec(host);
  if (bracket) {
    host = bracket[1] ?? '';
    if (bracket[2] !== undefined) port = Number(bracket[2]);
  } else if (isIP(host) === 0) {
    const m = /^([0-9.]+):([0-9]{1,5})$/.exec(host);
    if (m) {
      host = m[1] ?? '';
      port = Number(m[2]);
    }
  }
  const family = isIP(host.split('%')[0] ?? '');
  if (family === 0) {
    throw invalid(`'${text}' is not an address: use an IP literal, e.g. 127.0.0.1:53, [::1]:53 or fdaa::3`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw invalid(`'${text}' has a bad port ${port}`);
  return { host, port, family: family as 4 | 6 };
}

export function formatHostPort(hp: { host: string; port: number }): string {
  return hp.host.includes(':') ? `[${hp.host}]:${hp.port}` : `${hp.host}:${hp.port}`;
}
