// The agent's answer for one attachment → the CNI Success result (SPEC.md §5), chained onto a `prevResult` when
// the plugin is not first in its list, and the comparison CHECK makes (SPEC.md §2 CHECK). Pure: no I/O.

import { CNI_ERR, CniError, type CniResult } from './spec.ts';

/** What the agent answers about an instance (AGENT-SOCKET.md), the fields the plugin uses. */
export interface AgentInstance {
  id: string;
  address: string;
  prefix_len: number;
  gateway: string;
  dns: string;
  netns?: string | undefined;
  ifname?: string | undefined;
}

/** An interface as seen inside the container's namespace (`ip -j addr show dev IF` there). */
export interface ObservedLink {
  mac: string;
  /** `address/prefix` of every address on it. */
  addresses: string[];
}

export interface Attachment {
  cniVersion: string;
  netns: string;
  ifname: string;
  /** The 6PN plan prefix, e.g. `fdaa::/16`: the one route the instance needs. */
  route: string;
}

/**
 * The ADD result for `inst`: the container's interface (with its MAC when `link` saw it), the instance's address on
 * it with the gateway, the route to the plan prefix and the 6PN resolver. With a `prev` result (a chain), returns
 * `prev` with these appended, as SPEC.md §5 asks ("must output it as their result, with any modifications").
 */
export function addResult(
  a: Attachment,
  inst: AgentInstance,
  link: ObservedLink | undefined,
  prev?: CniResult,
): CniResult {
  const interfaces = [
    ...(prev?.interfaces ?? []),
    { name: a.ifname, ...(link === undefined ? {} : { mac: link.mac }), sandbox: a.netns },
  ];
  const nameservers = [inst.dns, ...(prev?.dns?.nameservers ?? []).filter((n) => n !== inst.dns)];
  return {
    cniVersion: a.cniVersion,
    interfaces,
    ips: [
      ...(prev?.ips ?? []),
      {
        address: `${inst.address}/${inst.prefix_len}`,
        gateway: inst.gateway,
        interface: interfaces.length - 1,
      },
    ],
    routes: [...(prev?.routes ?? []), { dst: a.route, gw: inst.gateway }],
    dns: { ...prev?.dns, nameservers },
  };
}

/**
 * CHECK: throws {@link CniError} when the attachment is not what `prev` (the result of the ADD) says — no
 * instance at the agent, another address, the interface missing from the namespace or without the address.
 */
export function checkAttachment(
  a: Attachment,
  prev: CniResult | undefined,
  inst: AgentInstance | undefined,
  link: ObservedLink | undefined,
): void {
  if (prev === undefined)
    throw new CniError(
      CNI_ERR.invalidConfig,
      'network configuration field prevResult is missing: CHECK needs the result of the ADD (SPEC.md §2)',
    );
  if (inst === undefined)
    throw new CniError(CNI_ERR.checkFailed, 'the agent has no instance for this container: run ADD again');
  const cidr = `${inst.address}/${inst.prefix_len}`;
  const index = (prev.interfaces ?? []).findIndex((i) => i.name === a.ifname && i.sandbox === a.netns);
  if (index < 0)
    throw new CniError(
      CNI_ERR.checkFailed,
      `prevResult has no interface ${a.ifname} in ${a.netns}: it is not the result of this plugin's ADD`,
    );
  if (!(prev.ips ?? []).some((ip) => ip.address === cidr && ip.interface === index))
    throw new CniError(
      CNI_ERR.checkFailed,
      `prevResult does not give ${a.ifname} the instance's address ${cidr}: the instance ${inst.id} changed since ADD`,
    );
  if (link === undefined)
    throw new CniError(CNI_ERR.checkFailed, `interface ${a.ifname} is missing from CNI_NETNS ${a.netns}`);
  if (!link.addresses.includes(cidr))
    throw new CniError(CNI_ERR.checkFailed, `interface ${a.ifname} in ${a.netns} does not have ${cidr}`);
}

/** Parses `ip -j addr show dev IF` output (one link) into an {@link ObservedLink}; undefined when empty. */
export function parseIpAddrJson(text: string): ObservedLink | undefined {
  const links = JSON.parse(text || '[]') as {
    address?: string;
    addr_info?: { local?: string; prefixlen?: number }[];
  }[];
  const link = links[0];
  if (link === undefined) return undefined;
  return {
    mac: link.address ?? '',
    addresses: (link.addr_info ?? []).flatMap((a) =>
      a.local === undefined ? [] : [`${a.local}/${a.prefixlen ?? 128}`],
    ),
  };
}
