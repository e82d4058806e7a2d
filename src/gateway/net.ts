// The network seam of the gateway (its two interfaces, their addresses, IPv6 routes, forwarding) and the real
// driver over iproute2 in the gateway's own namespace. The in-memory fake is test-fakes.ts.

import { canonicalAddr, ipv6Routes } from '../core/iproute.ts';
import { run } from '../runtime/exec.ts';
import { getLink, listAddresses, listRoutes } from '../runtime/link.ts';
import type { ObservedLink } from './plan.ts';

export interface GatewayNet {
  /** The link with its global addresses, or undefined when it does not exist. */
  readLink(iface: string): Promise<ObservedLink | undefined>;
  /** IPv6 routes of the main table, destinations canonical (`/128` kept on host routes). */
  readRoutes(): Promise<{ dst: string; dev?: string }[]>;
  readForwarding(): Promise<string>;
  enableForwarding(): Promise<void>;
  linkUp(iface: string, mtu: number): Promise<void>;
  /** Adds (or refreshes) an address without duplicate address detection. */
  addAddr(iface: string, addr: string): Promise<void>;
  delAddr(iface: string, addr: string): Promise<void>;
  replaceRoute(dst: string, dev: string): Promise<void>;
  delRoute(dst: string, dev: string): Promise<void>;
}

const FORWARDING = ['sysctl', '-n', 'net.ipv6.conf.all.forwarding'];

/** The real driver: `ip` and `sysctl` in the namespace the gateway runs in. */
export class IpGatewayNet implements GatewayNet {
  async readLink(iface: string): Promise<ObservedLink | undefined> {
    const l = await getLink(undefined, iface);
    if (!l) return undefined;
    const addrs = (await listAddresses(undefined, iface))
      .filter((a) => a.family === 'inet6' && a.scope === 'global')
      .map((a) => canonicalAddr(`${a.local}/${a.prefixlen}`));
    return { up: l.up, mtu: l.mtu, addrs };
  }
  async readRoutes(): Promise<{ dst: string; dev?: string }[]> {
    return ipv6Routes(await listRoutes(undefined, 6)).map(({ dst, dev }) => ({
      dst,
      ...(dev ? { dev } : {}),
    }));
  }
  async readForwarding(): Promise<string> {
    return (await run(FORWARDING[0]!, FORWARDING.slice(1))).stdout.trim();
  }
  async enableForwarding(): Promise<void> {
    await run('sysctl', ['-q', '-w', 'net.ipv6.conf.all.forwarding=1']);
  }
  async linkUp(iface: string, mtu: number): Promise<void> {
    await run('ip', ['link', 'set', 'dev', iface, 'mtu', String(mtu), 'up']);
  }
  async addAddr(iface: string, addr: string): Promise<void> {
    await run('ip', ['addr', 'replace', addr, 'dev', iface, 'nodad']);
  }
  async delAddr(iface: string, addr: string): Promise<void> {
    await run('ip', ['addr', 'del', addr, 'dev', iface]);
  }
  async replaceRoute(dst: string, dev: string): Promise<void> {
    await run('ip', ['-6', 'route', 'replace', dst, 'dev', dev]);
  }
  async delRoute(dst: string, dev: string): Promise<void> {
    await run('ip', ['-6', 'route', 'del', dst, 'dev', dev]);
  }
}
