// The gateway's reconciler: from the desired gateway and the observed one, the ordered steps that fix the
// difference. Pure; an empty plan means the gateway is right. Unchanged WireGuard peers are never mentioned (their
// sessions and counters stay), the nft table is re-applied only when its fingerprint or shape differs.

import { contains, parseCidr, planCidr } from '../core/address.ts';
import type { ObservedLink, ObservedRoute } from '../core/iproute.ts';
import { nftFingerprint, nftNeedsApply } from '../core/nft/check.ts';
import type { IsolationSpec } from '../core/nft/isolation.ts';
import type { TableListing } from '../core/nft/listing.ts';
import { describeSet, planDevice } from '../core/wg/plan.ts';
import type { DeviceState, UapiSet } from '../core/wg/uapi.ts';
import type { NetStep } from '../runtime/net.ts';
import { type GatewayDesired, type GatewayRegistrationBody, WG_MTU } from './desired.ts';

export type WgRole = 'mesh' | 'peer';

export type GatewayAction =
  | { do: 'register'; body: GatewayRegistrationBody }
  | { do: 'enable-forwarding' }
  | { do: 'nft'; spec: IsolationSpec; hash: string }
  | { do: 'wg-create'; dev: WgRole }
  | { do: 'wg-set'; dev: WgRole; op: UapiSet }
  | NetStep;

export interface GatewayObserved {
  /** What the control plane has for this gateway (from the local state); undefined: not known yet. */
  registered: Partial<GatewayRegistrationBody> | undefined;
  /** `net.ipv6.conf.all.forwarding`, or undefined when the gateway does not manage it. */
  forwarding: string | undefined;
  /** The mesh and peer interfaces, when they exist. */
  links: Map<string, ObservedLink>;
  /** IPv6 routes of the main table: canonical destination and device. */
  routes: ObservedRoute[];
  mesh: DeviceState | undefined;
  peer: DeviceState | undefined;
  nft: { listing: TableListing | undefined; appliedHash: string | undefined };
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

const EMPTY: DeviceState = { privateKey: null, listenPort: 0, fwmark: 0, peers: [] };

function registrationDiffers(want: GatewayRegistrationBody, have: GatewayObserved['registered']): boolean {
  if (have === undefined) return false; // not in our state yet: the first snapshot tells, then we register
  return (
    have.endpoint !== want.endpoint ||
    have.mesh_key !== want.mesh_key ||
    have.peer_key !== want.peer_key ||
    have.peer_endpoint !== want.peer_endpoint
  );
}

function device(
  acts: GatewayAction[],
  role: WgRole,
  iface: string,
  want: GatewayDesired['peerDevice'],
  o: GatewayObserved,
): boolean {
  const have = role === 'mesh' ? o.mesh : o.peer;
  const link = o.links.get(iface);
  const created = have === undefined || link === undefined;
  if (created) acts.push({ do: 'wg-create', dev: role });
  if (created || !link?.up || link.mtu !== WG_MTU)
    acts.push({ do: 'link-set', iface, up: true, mtu: WG_MTU });
  const op = planDevice(want, created ? EMPTY : (have ?? EMPTY));
  if (op) acts.push({ do: 'wg-set', dev: role, op });
  return created;
}

/**
 * The steps from `o` to `d`: registration, isolation before anything forwards, forwarding, the two WireGuard
 * devices (device, link, peers), the service address, then routes (stale slot routes removed).
 */
export function planGateway(d: GatewayDesired, o: GatewayObserved, ctx: GatewayPlanContext): GatewayAction[] {
  const acts: GatewayAction[] = [];
  if (registrationDiffers(d.registration, o.registered)) acts.push({ do: 'register', body: d.registration });
  const hash = nftFingerprint(d.nft);
  if (nftNeedsApply(d.nft, o.nft, hash)) acts.push({ do: 'nft', spec: d.nft, hash });
  if (ctx.manageForwarding && o.forwarding !== undefined && o.forwarding !== '1') {
    acts.push({ do: 'enable-forwarding' });
  }

  const meshNew = device(acts, 'mesh', ctx.meshIface, d.meshDevice, o);
  const peerNew = device(acts, 'peer', ctx.peerIface, d.peerDevice, o);

  const peerAddrs = peerNew ? [] : (o.links.get(ctx.peerIface)?.globalAddrs ?? []);
  if (!peerAddrs.includes(d.serviceAddress)) {
    acts.push({ do: 'addr-add', iface: ctx.peerIface, addr: d.serviceAddress });
  }
  for (const a of peerAddrs) {
    if (a !== d.serviceAddress) acts.push({ do: 'addr-del', iface: ctx.peerIface, addr: a });
  }

  const has = (dst: string, dev: string) => o.routes.some((r) => r.dst === dst && r.dev === dev);
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

/** A one-line description for logs: never keys. */
export function describeGatewayAction(a: GatewayAction): Record<string, unknown> {
  switch (a.do) {
    case 'nft':
      return { do: a.do, table: a.spec.table, networks: a.spec.networks.length, hash: a.hash.slice(0, 12) };
    case 'wg-set':
      return { do: a.do, dev: a.dev, ...describeSet(a.op) };
    case 'register':
      return { do: a.do, endpoint: a.body.endpoint, peer_endpoint: a.body.peer_endpoint };
    default:
      return { ...a };
  }
}
