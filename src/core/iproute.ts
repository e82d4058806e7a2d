// iproute2's JSON output (`ip -j link|addr|route show`) parsed into plain objects, and addresses in the canonical
// text `ip` prints. Pure: the drivers that run `ip` (runtime/link.ts, agent and gateway) share these.

import { formatIPv6, parseIPv6 } from './address.ts';
import { invalid } from './errors.ts';

export interface LinkInfo {
  name: string;
  index: number;
  mtu: number;
  /** Administratively up (the UP flag). */
  up: boolean;
  operstate: string;
}

export interface AddrInfo {
  family: 'inet' | 'inet6';
  local: string;
  prefixlen: number;
  scope: string;
}

export interface RouteInfo {
  dst: string;
  gateway?: string;
  dev?: string;
  prefsrc?: string;
}

export interface ObservedLink {
  name: string;
  up: boolean;
  mtu: number;
  /** Every address, `addr/len` in canonical text. */
  addrs: string[];
  /** Only the global-scope ones. */
  globalAddrs: string[];
}

export interface ObservedRoute {
  /** Canonical CIDR (`/128` host routes included as such). */
  dst: string;
  dev?: string;
  via?: string;
}

/** One network namespace: its links (with addresses) and IPv6 routes of the main table. */
export interface ObservedNs {
  links: Map<string, ObservedLink>;
  routes: ObservedRoute[];
}

type Raw = Record<string, unknown>;

/** Parses `ip -j link show`. */
export function parseLinks(json: string): LinkInfo[] {
  if (json.trim() === '') return [];
  return (JSON.parse(json) as Raw[]).map((l) => {
    const flags = Array.isArray(l.flags) ? (l.flags as string[]) : [];
    return {
      name: String(l.ifname),
      index: Number(l.ifindex),
      mtu: Number(l.mtu),
      up: flags.includes('UP'),
      operstate: String(l.operstate ?? 'UNKNOWN'),
    };
  });
}

/** Parses `ip -j addr show`: every address of every link listed. */
export function parseAddresses(json: string): AddrInfo[] {
  if (json.trim() === '') return [];
  return (JSON.parse(json) as Raw[]).flatMap((l) =>
    ((l.addr_info as Raw[] | undefined) ?? []).map((a) => ({
      family: a.family === 'inet' ? ('inet' as const) : ('inet6' as const),
      local: String(a.local),
      prefixlen: Number(a.prefixlen),
      scope: String(a.scope ?? 'global'),
    })),
  );
}

/** Parses `ip -j route show`. */
export function parseRoutes(json: string): RouteInfo[] {
  if (json.trim() === '') return [];
  return (JSON.parse(json) as Raw[]).map((r) => {
    const out: RouteInfo = { dst: String(r.dst) };
    if (typeof r.gateway === 'string') out.gateway = r.gateway;
    if (typeof r.dev === 'string') out.dev = r.dev;
    if (typeof r.prefsrc === 'string') out.prefsrc = r.prefsrc;
    return out;
  });
}

/** `addr/len` in canonical text (RFC 5952 for IPv6), so it compares equal to what `ip -j` prints. */
export function canonicalAddr(text: string): string {
  const slash = text.indexOf('/');
  if (slash < 0) throw invalid(`address '${text}' needs a prefix length, e.g. fdaa:0:1::2/112`);
  const ip = text.slice(0, slash);
  const len = Number(text.slice(slash + 1));
  const canon = ip.includes(':') ? formatIPv6(parseIPv6(ip)) : ip;
  if (!Number.isInteger(len) || len < 0 || len > (ip.includes(':') ? 128 : 32)) {
    throw invalid(`address '${text}' has a bad prefix length`);
  }
  return `${canon}/${len}`;
}

/** Parses `ip -j addr show`: every link with its flags, MTU and addresses (canonical `addr/len`). */
export function parseAddrShow(json: string): Map<string, ObservedLink> {
  const out = new Map<string, ObservedLink>();
  if (json.trim() === '') return out;
  for (const l of JSON.parse(json) as Raw[]) {
    const flags = Array.isArray(l.flags) ? (l.flags as string[]) : [];
    const infos = (l.addr_info as Raw[] | undefined) ?? [];
    const addrs: string[] = [];
    const globalAddrs: string[] = [];
    for (const a of infos) {
      if (typeof a.local !== 'string') continue;
      const text = canonicalAddr(`${a.local}/${Number(a.prefixlen)}`);
      addrs.push(text);
      if ((a.scope ?? 'global') === 'global') globalAddrs.push(text);
    }
    const name = String(l.ifname);
    out.set(name, { name, up: flags.includes('UP'), mtu: Number(l.mtu), addrs, globalAddrs });
  }
  return out;
}

/** Parses `ip -j -6 route show` into canonical CIDR destinations (host routes get their /128). */
export function parseRouteShow(json: string): ObservedRoute[] {
  return ipv6Routes(parseRoutes(json));
}

/** The IPv6 routes of a listing, destinations canonical (host routes get their /128); `default` left out. */
export function ipv6Routes(routes: readonly RouteInfo[]): ObservedRoute[] {
  return routes
    .filter((r) => r.dst !== 'default' && r.dst.includes(':'))
    .map((r) => {
      const out: ObservedRoute = { dst: canonicalAddr(r.dst.includes('/') ? r.dst : `${r.dst}/128`) };
      if (r.dev !== undefined) out.dev = r.dev;
      if (r.gateway !== undefined) out.via = r.gateway;
      return out;
    });
}
