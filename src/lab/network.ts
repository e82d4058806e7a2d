// Builds the lab's underlay: the underlay namespace with its bridge, and every member namespace (upstream
// resolver, laptop, hosts, gateways) on it through a veth, with its 198.18.0.0/15 address and resolver file.
// Everything happens inside `sixpn-lab-*` namespaces; the machine's own namespace is never touched.

import { mkdir, writeFile } from 'node:fs/promises';
import { ensureLinkState, ensureVethPair, syncAddresses } from '../runtime/link.ts';
import { enableForwarding, ensureNetns } from '../runtime/netns.ts';
import { ensureBridge, ensurePort } from './bridge.ts';
import type { LabPlan, UnderlayMember } from './plan.ts';

/** The resolver file every lab namespace gets (bind-mounted by `ip netns exec`): the lab's upstream. */
export const underlayResolvConf = (p: LabPlan) =>
  `# sixpn lab: the lab's upstream resolver (unbound in ${p.upstream.ns})\nnameserver ${p.upstream.address}\n`;

export async function buildUnderlay(p: LabPlan, signal?: AbortSignal): Promise<void> {
  const ul = p.underlay;
  await ensureNetns(ul.ns, signal);
  await ensureBridge(ul.ns, ul.bridge, signal);
  await syncAddresses(ul.ns, ul.bridge, [ul.cidr], signal);
  await ensureLinkState(ul.ns, ul.bridge, { up: true }, signal);
}

/** Puts one member namespace on the bridge; `forwarding` for hosts and gateways (they route the 6PN). */
export async function attachMember(
  p: LabPlan,
  m: UnderlayMember,
  opts: { forwarding: boolean; signal?: AbortSignal },
): Promise<void> {
  const { signal } = opts;
  const ul = p.underlay.ns;
  await ensureNetns(m.ns, signal);
  await ensureVethPair({ ns: ul, name: m.uplink, peerNs: m.ns, peer: 'eth0' }, signal);
  await ensurePort(ul, m.uplink, p.underlay.bridge, signal);
  await ensureLinkState(ul, m.uplink, { up: true }, signal);
  await syncAddresses(m.ns, 'eth0', [m.cidr], signal);
  await ensureLinkState(m.ns, 'eth0', { up: true }, signal);
  if (opts.forwarding) await enableForwarding(m.ns, { signal });
  const etc = `/etc/netns/${m.ns}`;
  await mkdir(etc, { recursive: true, mode: 0o755 });
  await writeFile(`${etc}/resolv.conf`, underlayResolvConf(p), { mode: 0o644 });
}
