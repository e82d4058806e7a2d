// An in-memory HostNet for unit tests of the agent: namespaces, veth pairs, addresses and routes behave like the
// kernel's (deleting a namespace takes its veths' host ends and their routes), and every mutation is recorded.

import { invalid } from '../core/errors.ts';
import type { HostNet } from './host-net.ts';
import type { ObservedLink, ObservedNs, ObservedRoute } from './observed.ts';

interface Link {
  up: boolean;
  mtu: number;
  addrs: string[];
  /** The other end of a veth: [namespace key, name]. */
  peer?: [string, string];
}

const HOST = '';

export class MemoryNet implements HostNet {
  /** Every mutation, as `verb args` lines: a test of "nothing to do" asserts this stays empty. */
  readonly calls: string[] = [];
  forwarding = '0';
  private readonly spaces = new Map<string, { links: Map<string, Link>; routes: ObservedRoute[] }>();

  constructor() {
    this.spaces.set(HOST, { links: new Map(), routes: [] });
    this.addLink(undefined, 'lo', { up: true, mtu: 65536, addrs: ['::1/128'] });
  }

  /** Adds a link directly (the loopback, a WireGuard device a fake mesh creates). */
  addLink(ns: string | undefined, name: string, l: Partial<Link> = {}): void {
    this.space(ns).links.set(name, { up: false, mtu: 1500, addrs: [], ...l });
  }

  hasLink(ns: string | undefined, name: string): boolean {
    return this.spaces.get(ns ?? HOST)?.links.has(name) ?? false;
  }

  private space(ns: string | undefined) {
    const s = this.spaces.get(ns ?? HOST);
    if (!s) throw invalid(`Cannot open network namespace "${ns}": No such file or directory`);
    return s;
  }

  private link(ns: string | undefined, name: string): Link {
    const l = this.space(ns).links.get(name);
    if (!l) throw invalid(`Cannot find device "${name}"`);
    return l;
  }

  async listNetns(): Promise<string[]> {
    return [...this.spaces.keys()].filter((k) => k !== HOST);
  }

  async addNetns(ns: string): Promise<void> {
    if (this.spaces.has(ns)) return;
    this.calls.push(`netns-add ${ns}`);
    this.spaces.set(ns, { links: new Map(), routes: [] });
    this.addLink(ns, 'lo', { up: true, mtu: 65536, addrs: ['::1/128'] });
  }

  async delNetns(ns: string): Promise<void> {
    const s = this.spaces.get(ns);
    if (!s) return;
    this.calls.push(`netns-del ${ns}`);
    for (const name of [...s.links.keys()]) this.removeLink(ns, name);
    this.spaces.delete(ns);
  }

  private removeLink(ns: string | undefined, name: string): void {
    const s = this.space(ns);
    const l = s.links.get(name);
    if (!l) return;
    s.links.delete(name);
    s.routes = s.routes.filter((r) => r.dev !== name);
    if (l.peer) {
      const [pns, pname] = l.peer;
      const other = this.spaces.get(pns);
      if (other) {
        other.links.delete(pname);
        other.routes = other.routes.filter((r) => r.dev !== pname);
      }
    }
  }

  async readNs(ns?: string): Promise<ObservedNs> {
    const s = this.space(ns);
    const links = new Map<string, ObservedLink>();
    for (const [name, l] of s.links) {
      const globalAddrs = l.addrs.filter((a) => !a.startsWith('fe80:') && a !== '::1/128');
      links.set(name, { name, up: l.up, mtu: l.mtu, addrs: [...l.addrs], globalAddrs });
    }
    return { links, routes: s.routes.map((r) => ({ ...r })) };
  }

  async addVeth(iface: string, ns: string, peer: string, mtu: number): Promise<void> {
    this.calls.push(`veth-add ${iface} ${ns} ${peer}`);
    const inner = this.space(ns);
    this.removeLink(undefined, iface);
    this.removeLink(ns, peer);
    this.space(HOST).links.set(iface, { up: false, mtu, addrs: [], peer: [ns, peer] });
    inner.links.set(peer, { up: false, mtu, addrs: [], peer: [HOST, iface] });
  }

  async delLink(ns: string | undefined, iface: string): Promise<void> {
    if (!this.space(ns).links.has(iface)) return;
    this.calls.push(`link-del ${ns ?? ''} ${iface}`);
    this.removeLink(ns, iface);
  }

  async setLink(ns: string | undefined, iface: string, want: { up: true; mtu?: number }): Promise<void> {
    this.calls.push(`link-set ${ns ?? ''} ${iface}`);
    const l = this.link(ns, iface);
    l.up = want.up;
    if (want.mtu !== undefined) l.mtu = want.mtu;
  }

  async addAddr(ns: string | undefined, iface: string, addr: string): Promise<void> {
    this.calls.push(`addr-add ${ns ?? ''} ${iface} ${addr}`);
    const l = this.link(ns, iface);
    if (!l.addrs.includes(addr)) l.addrs.push(addr);
  }

  async delAddr(ns: string | undefined, iface: string, addr: string): Promise<void> {
    this.calls.push(`addr-del ${ns ?? ''} ${iface} ${addr}`);
    const l = this.link(ns, iface);
    l.addrs = l.addrs.filter((a) => a !== addr);
  }

  async replaceRoute(ns: string | undefined, r: { dst: string; dev: string; via?: string }): Promise<void> {
    this.calls.push(`route-replace ${ns ?? ''} ${r.dst} ${r.dev}`);
    const s = this.space(ns);
    const l = this.link(ns, r.dev);
    if (!l.up) throw invalid(`Error: Nexthop device is not up (${r.dev})`);
    s.routes = s.routes.filter((x) => x.dst !== r.dst);
    s.routes.push({ dst: r.dst, dev: r.dev, ...(r.via ? { via: r.via } : {}) });
  }

  async readForwarding(): Promise<string> {
    return this.forwarding;
  }

  async enableForwarding(): Promise<void> {
    this.calls.push('enable-forwarding');
    this.forwarding = '1';
  }
}
