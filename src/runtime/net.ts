// The network seam of the host agent and the gateway alike (namespaces, links, addresses, routes, forwarding), the
// steps that change it, and its real driver over iproute2 (link.ts) in the process's own namespace. The in-memory
// fake is net-fake.ts.

import { readFile, writeFile } from 'node:fs/promises';
import type { ObservedNs } from '../core/iproute.ts';
import { run } from './exec.ts';
import { ipBatch, readNamespace } from './link.ts';
import { checkNetnsName, listNetns, removeNetns } from './netns.ts';

/** A change to links, addresses or routes of one namespace (`ns` undefined: the process's own). */
export type NetStep =
  | { do: 'veth-add'; iface: string; ns: string; peer: string; mtu: number }
  | { do: 'link-del'; ns?: string; iface: string }
  | { do: 'link-set'; ns?: string; iface: string; up: true; mtu?: number }
  | { do: 'addr-add'; ns?: string; iface: string; addr: string }
  | { do: 'addr-del'; ns?: string; iface: string; addr: string }
  | { do: 'route-replace'; ns?: string; dst: string; dev: string; via?: string }
  | { do: 'route-del'; ns?: string; dst: string; dev: string };

const NET_STEPS: ReadonlySet<string> = new Set([
  'veth-add',
  'link-del',
  'link-set',
  'addr-add',
  'addr-del',
  'route-replace',
  'route-del',
]);

export const isNetStep = (a: { do: string }): a is NetStep => NET_STEPS.has(a.do);

/** Where a net step runs: the veth's host end is made in the host namespace. */
export const stepNs = (s: NetStep): string | undefined => (s.do === 'veth-add' ? undefined : s.ns);

/** `ns` undefined is the process's own namespace (where the agent or gateway runs). */
export interface Net {
  listNetns(): Promise<string[]>;
  /** Creates an empty namespace (its loopback down); fails when it exists. */
  addNetns(ns: string): Promise<void>;
  /**
   * Pins the network namespace file `path` (a runtime's: `/var/run/netns/…`, `/proc/PID/ns/net`) as the named
   * namespace `ns`, as `ip netns attach` does; `delNetns(ns)` removes the pin, not the runtime's namespace.
   */
  attachNetns(ns: string, path: string): Promise<void>;
  /** Deletes a namespace (or a pin); succeeds when it is gone already. */
  delNetns(ns: string): Promise<void>;
  /** Links with their addresses, and the IPv6 routes of the main table. */
  readNs(ns?: string): Promise<ObservedNs>;
  /**
   * Runs link, address and route steps in namespace `ns`, in order, as one `ip -batch` (one process however many
   * steps: what makes an instance start fast). Stops at the first failing step and throws.
   */
  batch(ns: string | undefined, steps: readonly NetStep[]): Promise<void>;
  readForwarding(): Promise<string>;
  enableForwarding(): Promise<void>;
}

/** The `ip -batch` line of a step (without `-n`: the batch runs in the step's namespace). */
export function ipLine(s: NetStep): string {
  switch (s.do) {
    case 'veth-add':
      return `link add ${s.iface} mtu ${s.mtu} type veth peer name ${s.peer} mtu ${s.mtu} netns ${s.ns}`;
    case 'link-del':
      return `link del ${s.iface}`;
    case 'link-set':
      return `link set dev ${s.iface}${s.mtu === undefined ? '' : ` mtu ${s.mtu}`} up`;
    case 'addr-add':
      return `addr replace ${s.addr} dev ${s.iface} nodad`;
    case 'addr-del':
      return `addr del ${s.addr} dev ${s.iface}`;
    case 'route-replace':
      return `route replace ${s.dst}${s.via === undefined ? '' : ` via ${s.via}`} dev ${s.dev}`;
    case 'route-del':
      return `route del ${s.dst} dev ${s.dev}`;
  }
}

const FORWARDING = '/proc/sys/net/ipv6/conf/all/forwarding';

/** The real driver: `ip` in the process's namespace (`-n NS` for instance namespaces). */
export class IpNet implements Net {
  listNetns(): Promise<string[]> {
    return listNetns();
  }
  async addNetns(ns: string): Promise<void> {
    await run('ip', ['netns', 'add', checkNetnsName(ns)]);
  }
  async attachNetns(ns: string, path: string): Promise<void> {
    // `ip netns attach NAME PID` from a process inside the namespace (the shell exec'ing into ip keeps its pid):
    // ip sets /run/netns up as it does for `ip netns add`, then bind-mounts the namespace.
    await run('nsenter', [
      `--net=${path}`,
      '--',
      'sh',
      '-c',
      'exec ip netns attach "$1" $$',
      'sh',
      checkNetnsName(ns),
    ]);
  }
  delNetns(ns: string): Promise<void> {
    return removeNetns(ns);
  }
  readNs(ns?: string): Promise<ObservedNs> {
    return readNamespace(ns);
  }
  batch(ns: string | undefined, steps: readonly NetStep[]): Promise<void> {
    return ipBatch(
      ns,
      steps.map((s) => ('iface' in s ? s.iface : s.dev)),
      steps.map(ipLine),
    );
  }
  async readForwarding(): Promise<string> {
    return (await readFile(FORWARDING, 'utf8')).trim();
  }
  async enableForwarding(): Promise<void> {
    await writeFile(FORWARDING, '1\n');
  }
}
