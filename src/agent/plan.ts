// The host agent's reconciler: from the desired host and the observed one, the ordered steps that fix the
// difference. Pure; an empty plan means the host is right. Steps for things that are already right are never
// emitted (unchanged WireGuard peers are not touched, the nft table is not re-applied).

import type { ObservedNs } from '../core/iproute.ts';
import { linkUp as linkSteps, planNode, planWg, hasRoute as routed } from '../runtime/node-plan.ts';
import type { Action } from './actions.ts';
import {
  type Desired,
  type DesiredInstance,
  envFileOf,
  HOST_LINK_LOCAL,
  hostIfaceOf,
  INSTANCE_LINK_LOCAL,
  INSTANCE_MTU,
  MESH_MTU,
  netnsName,
} from './desired.ts';
import { emptyNs, type Observed } from './observed.ts';

/** What the plan needs to know about the agent beyond the desired state. */
export interface PlanContext {
  lab: boolean;
  meshIface: string;
  netnsTemplate: string;
  envDir: string;
  etcNetnsDir: string;
  /** Manage `net.ipv6.conf.all.forwarding` (only in a namespace of our own). */
  manageForwarding: boolean;
}

const HOST_LL = `${HOST_LINK_LOCAL}/64`;
const INSTANCE_LL = `${INSTANCE_LINK_LOCAL}/64`;

function hasRoute(ns: ObservedNs, dst: string, dev: string, via?: string): boolean {
  return routed(ns.routes, dst, dev, via);
}

/** Bring a link up with the MTU asked, unless it is already so (a link about to be created is not). */
function linkUp(acts: Action[], ns: string | undefined, iface: string, have: ObservedNs, mtu?: number): void {
  acts.push(...linkSteps(iface, have.links.get(iface), mtu, ns));
}

function planInstance(acts: Action[], want: DesiredInstance, o: Observed, meshRoute: string) {
  const nsExists = o.namespaces.has(want.ns);
  if (!nsExists) {
    if (want.create === 'wait') return; // the runtime has not made it yet: try again on the next reconcile
    if (want.create === 'attach' && want.attach !== undefined)
      acts.push({ do: 'netns-attach', ns: want.ns, path: want.attach });
    else acts.push({ do: 'netns-add', ns: want.ns });
  }
  if (want.address === null || want.prefix === null) {
    if (!nsExists) acts.push({ do: 'link-set', ns: want.ns, iface: 'lo', up: true });
    return;
  }
  const inside = (nsExists && o.instances.get(want.ns)) || emptyNs();
  const ifname = want.ifname;
  const hostLink = o.host.links.has(want.hostIface);
  const nsLink = inside.links.has(ifname);
  // A veth missing either end is made again; everything on it then starts from nothing. Host side first (up,
  // fe80::1 as the instance's next hop), then the instance side, then the host's route to it: three `ip -batch`.
  const fresh = !(hostLink && nsLink);
  if (fresh && hostLink) acts.push({ do: 'link-del', iface: want.hostIface });
  if (fresh && nsLink) acts.push({ do: 'link-del', ns: want.ns, iface: ifname });
  if (fresh) {
    acts.push({
      do: 'veth-add',
      iface: want.hostIface,
      ns: want.ns,
      peer: ifname,
      mtu: INSTANCE_MTU,
    });
  }
  const hostSide = fresh ? emptyNs() : o.host;
  const nsSide = fresh ? emptyNs() : inside;
  linkUp(acts, undefined, want.hostIface, hostSide, INSTANCE_MTU);
  if (!hostSide.links.get(want.hostIface)?.addrs.includes(HOST_LL)) {
    acts.push({ do: 'addr-add', iface: want.hostIface, addr: HOST_LL });
  }
  linkUp(acts, want.ns, 'lo', inside);
  // A link-local without duplicate address detection, there before the link is up: otherwise the instance's only
  // link-local is tentative for its first second, and it cannot send the neighbour solicitation for fe80::1.
  if (!nsSide.links.get(ifname)?.addrs.includes(INSTANCE_LL)) {
    acts.push({ do: 'addr-add', ns: want.ns, iface: ifname, addr: INSTANCE_LL });
  }
  linkUp(acts, want.ns, ifname, nsSide, INSTANCE_MTU);
  const have = nsSide.links.get(ifname)?.globalAddrs ?? [];
  for (const a of have) {
    if (a !== want.address) acts.push({ do: 'addr-del', ns: want.ns, iface: ifname, addr: a });
  }
  if (!have.includes(want.address)) {
    acts.push({ do: 'addr-add', ns: want.ns, iface: ifname, addr: want.address });
  }
  if (!hasRoute(nsSide, meshRoute, ifname, HOST_LINK_LOCAL)) {
    acts.push({
      do: 'route-replace',
      ns: want.ns,
      dst: meshRoute,
      dev: ifname,
      via: HOST_LINK_LOCAL,
    });
  }
  // Last, once the instance side answers: a packet routed here earlier would wait on a neighbour solicitation
  // that nobody answers, and the retry comes a second later.
  if (!hasRoute(hostSide, want.prefix, want.hostIface)) {
    acts.push({ do: 'route-replace', dst: want.prefix, dev: want.hostIface });
  }
}

/** Tears down an instance this agent set up before and that should no longer run here. */
function planRemoval(acts: Action[], id: string, d: Desired, o: Observed, ctx: PlanContext): void {
  const w = d.workloads.get(id);
  const ns = w?.ns ?? netnsName(ctx.netnsTemplate, id);
  // The agent made (or pinned) the namespace in lab mode and for instances attached over its socket.
  const ours = ctx.lab || w !== undefined;
  const exists = o.namespaces.has(ns);
  const iface = hostIfaceOf(id);
  // Our end goes first, always: a pinned namespace is the runtime's and lives on, and even our own one outlives
  // `netns-del` (taking the veth with it) while a process still holds it.
  if (o.host.links.has(iface)) acts.push({ do: 'link-del', iface });
  if (ours && exists) acts.push({ do: 'netns-del', ns });
  if (ours) acts.push({ do: 'dir-remove', path: `${ctx.etcNetnsDir}/${ns}` });
  acts.push({ do: 'file-remove', path: envFileOf(ctx.envDir, id) });
}

/**
 * The steps from `o` to `d`, in an order where each step's prerequisites come first: isolation before
 * forwarding and links, the mesh before its route, files before namespaces (an env file marks an instance as
 * ours, so a crash halfway is finished or undone by the next reconcile), links before addresses and routes.
 */
export function plan(d: Desired, o: Observed, ctx: PlanContext): Action[] {
  const acts: Action[] = planNode(d, o, ctx.manageForwarding);

  // The mesh: device, link, peers, route to the 6PN.
  const link = o.host.links.get(ctx.meshIface);
  const mesh = planWg('mesh', ctx.meshIface, d.mesh, { device: o.mesh, link }, MESH_MTU);
  acts.push(...mesh.acts);
  const created = mesh.created;
  if (created || !hasRoute(o.host, d.meshRoute, ctx.meshIface)) {
    acts.push({ do: 'route-replace', dst: d.meshRoute, dev: ctx.meshIface });
  }
  // fdaa::3 lives on the loopback, which must be up for anything to reach it.
  linkUp(acts, undefined, 'lo', o.host);
  const lo = o.host.links.get('lo');
  if (!lo?.addrs.includes(d.dnsAddress)) acts.push({ do: 'addr-add', iface: 'lo', addr: d.dnsAddress });

  // Instances that should not run here any more; stray instance links.
  const wanted = new Set(d.instances.map((i) => i.id));
  const owned = new Set(o.ownedIds);
  for (const id of [...owned].sort()) if (!wanted.has(id)) planRemoval(acts, id, d, o, ctx);
  for (const name of [...o.host.links.keys()].sort()) {
    const id = name.startsWith('sxi') ? name.slice(3) : undefined;
    if (id !== undefined && !wanted.has(id) && !owned.has(id)) acts.push({ do: 'link-del', iface: name });
  }

  // Files first (they mark the instance as ours), then namespaces, links, addresses, routes.
  for (const f of d.files) {
    if (o.files.get(f.path) !== f.content)
      acts.push({ do: 'file-write', path: f.path, content: f.content, mode: f.mode });
  }
  for (const want of d.instances) planInstance(acts, want, o, d.meshRoute);
  return acts;
}
