// The network seam of the host agent (namespaces, links, addresses, routes, forwarding) and its real driver over
// iproute2 (`ip -j`) in the agent's own namespace. The in-memory fake is host-net-fake.ts.

import { readFile, writeFile } from 'node:fs/promises';
import { invalid } from '../core/errors.ts';
import { type ObservedNs, parseAddrShow, parseRouteShow } from '../core/iproute.ts';
import { checkIfaceName } from '../core/names.ts';
import { run } from '../runtime/exec.ts';
import { checkNetnsName, listNetns, removeNetns } from '../runtime/netns.ts';
import type { NetStep } from './actions.ts';

/** `ns` undefined is the host's own namespace (where the agent runs). */
export interface HostNet {
  listNetns(): Promise<string[]>;
  /** Creates an empty namespace (its loopback down); fails when it exists. */
  addNetns(ns: string): Promise<void>;
  /** Deletes a namespace; succeeds when it is gone already. */
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
  }
}

const nsArgs = (ns: string | undefined, args: string[]) => (ns === undefined ? args : ['-n', ns, ...args]);
const FORWARDING = '/proc/sys/net/ipv6/conf/all/forwarding';

/** The real driver: `ip` in the agent's namespace (`-n NS` for instance namespaces). */
export class IpNet implements HostNet {
  listNetns(): Promise<string[]> {
    return listNetns();
  }
  async addNetns(ns: string): Promise<void> {
    await run('ip', ['netns', 'add', checkNetnsName(ns)]);
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
  async batch(ns: string | undefined, steps: readonly NetStep[]): Promise<void> {
    if (steps.length === 0) return;
    for (const s of steps) if (s.do !== 'route-replace') checkIfaceName('interface', s.iface);
    const lines = steps.map(ipLine);
    for (const l of lines)
      if (/[\n#]/.test(l)) throw invalid(`refusing an ip batch line with a newline or #: ${l}`);
    await run('ip', nsArgs(ns, ['-batch', '-']), { input: `${lines.join('\n')}\n` });
  }
  async readForwarding(): Promise<string> {
    return (await readFile(FORWARDING, 'utf8')).trim();
  }
  async enableForwarding(): Promise<void> {
    await writeFile(FORWARDING, '1\n');
  }
}
