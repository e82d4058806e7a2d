// An in-memory Net for unit tests of the agent and the gateway: namespaces, veth pairs, addresses and routes behave
// like the kernel's (deleting a link or a namespace takes its addresses and routes, and a veth's other end), and
// every mutation is recorded.

import { invalid } from '../core/errors.ts';
import type { ObservedLink, ObservedNs, ObservedRoute } from '../core/iproute.ts';
import { ipLine, type Net, type NetStep } from './net.ts';

interface Link {
  up: boolean;
  mtu: number;
  addrs: string[];
  /** The other end of a veth: [namespace key, name]. */
  peer?: [string, string];
}

const HOST = '';

export class MemoryNet implements Net {
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
    return this.spaces.get(this.pins.get(ns ?? HOST) ?? ns ?? HOST)?.links.has(name) ?? false;
  }

  /** Pinned names (`attachNetns`) → the path of the runtime's namespace they refer to. */
  private readonly pins = new Map<string, string>();

  /** A namespace a runtime made (a container's), known by its path: what `attachNetns` pins. */
  addRuntimeNetns(path: string): void {
    this.spaces.set(path, { links: new Map(), routes: [] });
    this.addLink(path, 'lo', { mtu: 65536, addrs: ['::1/128'] });
  }

  private space(ns: string | undefined) {
    const s = this.spaces.get(this.pins.get(ns ?? HOST) ?? ns ?? HOST);
    if (!s) throw invalid(`Cannot open network namespace "${ns}": No such file or directory`);
    return s;
  }

  private link(ns: string | undefined, name: string): Link {
    const l = this.space(ns).links.get(name);
    if (!l) throw invalid(`Cannot find device "${name}"`);
    return l;
  }

  async listNetns(): Promise<string[]> {
    return [...[...this.spaces.keys()].filter((k) => k !== HOST && !k.startsWith('/')), ...this.pins.keys()];
  }

  async attachNetns(ns: string, path: string): Promise<void> {
    if (this.spaces.has(ns) || this.pins.has(ns))
      throw invalid(`Cannot create namespace file "/run/netns/${ns}": File exists`);
    if (!this.spaces.has(path))
      throw invalid(`Cannot open network namespace "${path}": No such file or directory`);
    this.calls.push(`netns-attach ${ns} ${path}`);
    this.pins.set(ns, path);
  }

  async addNetns(ns: string): Promise<void> {
    if (this.spaces.has(ns)) throw invalid(`Cannot create namespace file "/run/netns/${ns}": File exists`);
    this.calls.push(`netns-add ${ns}`);
    this.spaces.set(ns, { links: new Map(), routes: [] });
    this.addLink(ns, 'lo', { mtu: 65536, addrs: ['::1/128'] });
  }

  async delNetns(ns: string): Promise<void> {
    if (this.pins.delete(ns)) {
      this.calls.push(`netns-del ${ns}`); // the pin goes; the runtime's namespace and its links stay
      return;
    }
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

  /** Every step is recorded in `calls`; like `ip -batch`, the first failing step stops the rest. */
  async batch(ns: string | undefined, steps: readonly NetStep[]): Promise<void> {
    for (const st of steps) {
      this.calls.push(`${ns ?? '-'}: ${ipLine(st)}`);
      this.step(ns, st);
    }
  }

  /** Deletes a link the way the kernel does (a veth's other end and both ends' routes go with it). */
  async delLink(ns: string | undefined, iface: string): Promise<void> {
    if (this.hasLink(ns, iface)) await this.batch(ns, [{ do: 'link-del', iface }]);
  }

  private step(ns: string | undefined, st: NetStep): void {
    switch (st.do) {
      case 'veth-add': {
        const inner = this.space(st.ns);
        if (this.hasLink(undefined, st.iface) || inner.links.has(st.peer))
          throw invalid('RTNETLINK answers: File exists');
        const key = this.pins.get(st.ns) ?? st.ns; // a pinned name's peer lives in the runtime's namespace
        this.space(HOST).links.set(st.iface, { up: false, mtu: st.mtu, addrs: [], peer: [key, st.peer] });
        inner.links.set(st.peer, { up: false, mtu: st.mtu, addrs: [], peer: [HOST, st.iface] });
        return;
      }
      case 'link-del':
        this.link(ns, st.iface);
        this.removeLink(ns, st.iface);
        return;
      case 'link-set': {
        const l = this.link(ns, st.iface);
        l.up = st.up;
        if (st.mtu !== undefined) l.mtu = st.mtu;
        return;
      }
      case 'addr-add': {
        const l = this.link(ns, st.iface);
        if (!l.addrs.includes(st.addr)) l.addrs.push(st.addr);
        return;
      }
      case 'addr-del': {
        const l = this.link(ns, st.iface);
        if (!l.addrs.includes(st.addr)) throw invalid('RTNETLINK answers: Cannot assign requested address');
        l.addrs = l.addrs.filter((a) => a !== st.addr);
        return;
      }
      case 'route-replace': {
        const s = this.space(ns);
        if (!this.link(ns, st.dev).up) throw invalid(`Error: Nexthop device is not up (${st.dev})`);
        s.routes = s.routes.filter((x) => x.dst !== st.dst);
        s.routes.push({ dst: st.dst, dev: st.dev, ...(st.via ? { via: st.via } : {}) });
        return;
      }
      case 'route-del': {
        const s = this.space(ns);
        const before = s.routes.length;
        s.routes = s.routes.filter((r) => !(r.dst === st.dst && r.dev === st.dev));
        if (s.routes.length === before) throw invalid(`RTNETLINK answers: No such process (${st.dst})`);
        return;
      }
    }
  }

  async readForwarding(): Promise<string> {
    return this.forwarding;
  }

  async enableForwarding(): Promise<void> {
    this.calls.push('enable-forwarding');
    this.forwarding = '1';
  }
}
