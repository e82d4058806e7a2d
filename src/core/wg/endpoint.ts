// WireGuard endpoints (`198.18.0.1:51820`, `[fdaa::1]:51820`) and allowed-IP ranges in canonical text form.
// Canonical text lets a reconciler compare what it wants with what `get=1` reports, string for string.

import { formatCidr, formatIPv6, parseCidr, tryParseIPv6 } from '../address.ts';
import { invalid } from '../errors.ts';

declare const brand: unique symbol;
/** `IPv4:port` or `[IPv6]:port`, canonical (RFC 5952 for IPv6, no zone). */
export type WgEndpoint = string & { readonly [brand]: 'WgEndpoint' };
/** `HOST:PORT` where HOST may also be a DNS name (wg-quick resolves it): what peers are told to connect to. */
export type HostEndpoint = string & { readonly [brand]: 'HostEndpoint' };

const IPV4 =
  /^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}$/;
const PORT = /^(0|[1-9][0-9]{0,4})$/;

export function isIPv4(text: string): boolean {
  return IPV4.test(text);
}

const DNS_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

function parsePort(text: string, whole: string, field: string): number {
  const n = PORT.test(text) ? Number(text) : Number.NaN;
  if (!(n >= 1 && n <= 65535)) {
    throw invalid(`${field} '${whole}' has a bad port; expected 1–65535, e.g. 198.18.0.1:51820`, { field });
  }
  return n;
}

/**
 * Parses an endpoint given as an IP literal and port; returns its canonical form. Host names are refused: the
 * UAPI takes addresses only (resolve names before, as `wg` does).
 */
export function parseEndpoint(text: string, field = 'endpoint'): WgEndpoint {
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || text[close + 1] !== ':') {
      throw invalid(`${field} '${text}' must look like [fdaa::1]:51820`, { field });
    }
    const addr = tryParseIPv6(text.slice(1, close));
    if (addr === undefined) {
      throw invalid(`${field} '${text}' does not hold an IPv6 address in brackets`, { field });
    }
    const port = parsePort(text.slice(close + 2), text, field);
    return `[${formatIPv6(addr)}]:${port}` as WgEndpoint;
  }
  const colon = text.lastIndexOf(':');
  const host = text.slice(0, colon);
  if (colon < 0 || !isIPv4(host)) {
    throw invalid(
      `${field} '${text}' must be IPv4:port or [IPv6]:port with an IP literal (e.g. 198.18.0.1:51820)`,
      { field },
    );
  }
  return `${host}:${parsePort(text.slice(colon + 1), text, field)}` as WgEndpoint;
}

/**
 * Parses `HOST:PORT` where HOST is an IPv4 address, an [IPv6] address or a DNS name (wg-quick resolves names; the
 * UAPI does not, so a device's own endpoints are `WgEndpoint`s). Returns the text as given.
 */
export function parseHostEndpoint(text: string, field = 'endpoint'): HostEndpoint {
  const colon = text.lastIndexOf(':');
  const host = colon < 0 ? '' : text.slice(0, colon);
  const v6 = host.startsWith('[') && host.endsWith(']') ? tryParseIPv6(host.slice(1, -1)) : undefined;
  const name = !host.includes(':') && DNS_NAME.test(host) && !/^[0-9.]+$/.test(host);
  if (v6 === undefined && !isIPv4(host) && !name) {
    throw invalid(
      `${field} '${text}' must be HOST:PORT, e.g. 198.51.100.7:51821, [2001:db8::7]:51821 or gw.example.com:51821`,
      { field },
    );
  }
  parsePort(text.slice(colon + 1), text, field);
  return text as HostEndpoint;
}

/** The port of a parsed endpoint: a device listens on the port of the endpoint it registers. */
export function endpointPort(endpoint: WgEndpoint | HostEndpoint): number {
  return Number(endpoint.slice(endpoint.lastIndexOf(':') + 1));
}

/** The endpoint of `ip` (IPv4 dotted quad or IPv6 text) and `port`. */
export function endpointOf(ip: string, port: number): WgEndpoint {
  return parseEndpoint(ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
}

/**
 * Canonical text of an allowed-IP range. IPv6 ranges are parsed by the address plan module (host bits must be
 * zero); IPv4 ranges are checked for shape only (`10.0.0.0/8`).
 */
export function normalizeAllowedIp(text: string): string {
  // Reconciling a gateway normalises the same tens of thousands of ranges on every pass: remember them.
  const hit = canonicalCache.get(text);
  if (hit !== undefined) return hit;
  const canon = normalizeUncached(text);
  if (canonicalCache.size >= CACHE_MAX) canonicalCache.clear();
  canonicalCache.set(text, canon);
  return canon;
}

const CACHE_MAX = 200_000;
const canonicalCache = new Map<string, string>();

function normalizeUncached(text: string): string {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  if (isIPv4(addr)) {
    const len = slash < 0 ? '32' : text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]?)$/.test(len) || Number(len) > 32) {
      throw invalid(`allowed IP '${text}' has a bad prefix length (0–32)`, { field: 'allowed_ip' });
    }
    return `${addr}/${len}`;
  }
  return formatCidr(parseCidr(slash < 0 ? `${text}/128` : text));
}
