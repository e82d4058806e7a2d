// The network seam of the host agent (namespaces, links, addresses, routes, forwarding) and its real driver over
// iproute2 (`ip -j`) in the agent's own namespace. The in-memory fake is host-net-fake.ts.

import { readFile, writeFile } from 'node:fs/promises';
import { invalid } from '../core/errors.ts';
import { run } from '../runtime/exec.ts';
import { canonicalAddr, ensureVethPair, parseRoutes, removeLink } from '../runtime/link.ts';
import { ensureNetns, listNetns, removeNetns } from '../runtime/netns.ts';
import type { ObservedLink, ObservedNs, ObservedRoute } from './observed.ts';

/** `ns` undefined is the host's own namespace (where the agent runs). Every mutation is idempotent. */
export interface HostNet {
  listNetns(): Promise<string[]>;
  addNetns(ns: string): Promise<void>;
  delNetns(ns: string): Promise<void>;
  /** Links with their addresses, and the IPv6 routes of the main table. */
  readNs(ns?: string): Promise<ObservedNs>;
  /** A veth: `iface` here, `peer` in `ns`, both with `mtu`. A half-existing pair is replaced. */
  addVeth(iface: string, ns: string, peer: string, mtu: number): Promise<void>;
  delLink(ns: string | undefined, iface: string): Promise<void>;
  setLink(ns: string | undefined, iface: string, want: { up: true; mtu?: number }): Promise<void>;
  /** Adds (or refreshes) an address, without duplicate address detection. */
  addAddr(ns: string | undefined, iface: string, addr: string): Promise<void>;
  delAddr(ns: string | undefined, iface: string, addr: string): Promise<void>;
  replaceRoute(ns: string | undefined, r: { dst: string; dev: string; via?: string }): Promise<void>;
  readForwarding(): Promise<string>;
  enableForwarding(): Promise<void>;
}

type Raw = Record<string, unknown>;

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
  return parseRoutes(json)
    .filter((r) => r.dst !== 'default' && r.dst.includes(':'))
    .map((r) => {
      const out: ObservedRoute = { dst: canonicalAddr(r.dst.includes('/') ? r.dst : `${r.dst}/128`) };
      if (r.dev !== undefined) out.dev = r.dev;
      if (r.gateway !== undefined) out.via = r.gateway;
      return out;
    });
}

const nsArgs = (ns: string | undefined, args: string[]) => (ns === undefined ? args : ['-n', ns, ...args]);
const FORWARDING = '/proc/sys/net/ipv6/conf/all/forwarding';

/** The real driver: `ip` in the agent's namespace (`-n NS` for instance namespaces). */
export class IpNet implements HostNet {
  listNetns(): Promise<string[]> {
    return listNetns();
  }
  addNetns(ns: string): Promise<void> {
    return ensureNetns(ns);
  }
  delNetns(ns: string): Promise<void> {
    return removeNetns(ns);
  }
  async readNs(ns?: string): Promise<ObservedNs> {
    const [addrs, routes] = await Promise.all([
      run('ip', nsArgs(ns, ['-j', 'addr', 'show'])),
      run('ip', nsArgs(ns, ['-j', '-6', 'route', 'show'])),
    ]);
    return { links: parseAddrShow(addrs.stdout), routes: parseRouteShow(routes.stdout) };
  }
  addVeth(iface: string, ns: string, peer: string, mtu: number): Promise<void> {
    return ensureVethPair({ name: iface, peerNs: ns, peer, mtu });
  }
  delLink(ns: string | undefined, iface: string): Promise<void> {
    return removeLink(ns, iface);
  }
  async setLink(ns: string | undefined, iface: string, want: { up: true; mtu?: number }): Promise<void> {
    const mtu = want.mtu === undefined ? [] : ['mtu', String(want.mtu)];
    await run('ip', nsArgs(ns, ['link', 'set', 'dev', iface, ...mtu, 'up']));
  }
  async addAddr(ns: string | undefined, iface: string, addr: string): Promise<void> {
    await run('ip', nsArgs(ns, ['addr', 'replace', addr, 'dev', iface, 'nodad']));
  }
  async delAddr(ns: string | undefined, iface: string, addr: string): Promise<void> {
    await run('ip', nsArgs(ns, ['addr', 'del', addr, 'dev', iface]));
  }
  async replaceRoute(ns: string | undefined, r: { dst: string; dev: string; via?: string }): Promise<void> {
    const via = r.via === undefined ? [] : ['via', r.via];
    await run('ip', nsArgs(ns, ['-6', 'route', 'replace', r.dst, ...via, 'dev', r.dev]));
  }
  async readForwarding(): Promise<string> {
    return (await readFile(FORWARDING, 'utf8')).trim();
  }
  async enableForwarding(): Promise<void> {
    await writeFile(FORWARDING, '1\n');
  }
}

/** Throws unless `name` is a valid interface name (1–15 characters). */
export function checkIfaceName(name: string, what: string): string {
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(name)) {
    throw invalid(`${what} '${name}' must be 1–15 of A-Z a-z 0-9 _ . -`, { field: what });
  }
  return name;
}
