// The gateway's reconciler: from the desired gateway and the observed one, the ordered steps that fix the
// difference. Pure; an empty plan means the gateway is right. Unchanged WireGuard peers are never mentioned (their
// sessions and counters stay), the nft table is re-applied only when its fingerprint or shape differs.

import { contains, parseCidr, planCidr } from '../core/address.ts';
import type { ObservedLink, ObservedRoute } from '../core/iproute.ts';
import type { DeviceState } from '../core/wg/uapi.ts';
import { hasRoute, type NodeAction, type NodeObserved, planNode, planWg } from '../runtime/node-plan.ts';
import { type GatewayDesired, type GatewayRegistrationBody, WG_MTU } from './desired.ts';

/** The shared vocabulary of runtime/node-plan.ts; a gateway has no steps of its own. */
export type GatewayAction = NodeAction<GatewayRegistrationBody>;

export interface GatewayObserved extends NodeObserved<GatewayRegistrationBody> {
  /** The mesh and peer interfaces, when they exist. */
  links: Map<string, ObservedLink>;
  /** IPv6 routes of the main table: canonical destination and device. */
  routes: ObservedRoute[];
  mesh: DeviceState | undefined;
  peer: DeviceState | undefined;
}

export interface GatewayPlanContext {
  meshIface: string;
  peerIface: string;
  manageForwarding: boolean;
}

/** A /80 inside the deployment's /16: the kind of route this gateway puts on its peer interface. */
function isSlotRoute(dst: string, plan: GatewayDesired['nft']['plan']): boolean {
  try {
    const c = parseCidr(dst);
    return c.length === 80 && contains(planCidr(plan), c.base);
  } catch {
    return false;
  }
}

/**
 * The steps from `o` to `d`: registration, isolation before anything forwards, forwarding, the two WireGuard
 * devices (device, link, peers), the service address, then routes (stale slot routes removed).
 */
export function planGateway(d: GatewayDesired, o: GatewayObserved, ctx: GatewayPlanContext): GatewayAction[] {
  const acts: GatewayAction[] = planNode(d, o, ctx.manageForwarding);
  const wg = (dev: 'mesh' | 'peer', iface: string) =>
    planWg(
      dev,
      iface,
      dev === 'mesh' ? d.meshDevice : d.peerDevice,
      {
        device: dev === 'mesh' ? o.mesh : o.peer,
        link: o.links.get(iface),
      },
      WG_MTU,
    );
  const [mesh, peer] = [wg('mesh', ctx.meshIface), wg('peer', ctx.peerIface)];
  acts.push(...mesh.acts, ...peer.acts);
  const [meshNew, peerNew] = [mesh.created, peer.created];

  const peerAddrs = peerNew ? [] : (o.links.get(ctx.peerIface)?.globalAddrs ?? []);
  if (!peerAddrs.includes(d.serviceAddress)) {
    acts.push({ do: 'addr-add', iface: ctx.peerIface, addr: d.serviceAddress });
  }
  for (const a of peerAddrs) {
    if (a !== d.serviceAddress) acts.push({ do: 'addr-del', iface: ctx.peerIface, addr: a });
  }

  const has = (dst: string, dev: string) => hasRoute(o.routes, dst, dev);
  if (meshNew || !has(d.meshRoute, ctx.meshIface)) {
    acts.push({ do: 'route-replace', dst: d.meshRoute, dev: ctx.meshIface });
  }
  const wanted = new Set(d.peerRoutes);
  for (const dst of d.peerRoutes) {
    if (peerNew || !has(dst, ctx.peerIface)) acts.push({ do: 'route-replace', dst, dev: ctx.peerIface });
  }
  if (!peerNew) {
    for (const r of o.routes) {
      if (r.dev === ctx.peerIface && isSlotRoute(r.dst, d.nft.plan) && !wanted.has(r.dst)) {
        acts.push({ do: 'route-del', dst: r.dst, dev: ctx.peerIface });
      }
    }
  }
  return acts;
}
