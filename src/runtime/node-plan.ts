// What the host agent and the gateway both plan, in one vocabulary: their registration with the control plane, the
// nft table, IPv6 forwarding, and a WireGuard interface (device, link, peers). Pure. Each role adds its own steps
// (an agent's instances and files, a gateway's peer routes) in the same vocabulary plus its own.

import type { ObservedLink, ObservedRoute } from '../core/iproute.ts';
import { nftFingerprint, nftNeedsApply } from '../core/nft/check.ts';
import { buildIsolation, type IsolationSpec } from '../core/nft/isolation.ts';
import type { NftBatch } from '../core/nft/json.ts';
import type { TableListing } from '../core/nft/listing.ts';
import { type DeviceConfig, describeSet, planDevice } from '../core/wg/plan.ts';
import type { DeviceState, UapiSet } from '../core/wg/uapi.ts';
import type { NetStep } from './net.ts';

/** Which WireGuard interface: the host mesh (both roles) or a gateway's peer interface. */
export type WgRole = 'mesh' | 'peer';

/** A step both roles take; `R` is the role's registration body. */
export type NodeAction<R> =
  | { do: 'register'; body: R }
  | { do: 'enable-forwarding' }
  /** `batch` makes the table exactly `spec` (built against the table as observed); `hash` is its fingerprint. */
  | { do: 'nft'; spec: IsolationSpec; batch: NftBatch; hash: string }
  | { do: 'wg-create'; dev: WgRole }
  | { do: 'wg-set'; dev: WgRole; op: UapiSet }
  | NetStep;

/** What both roles observe beside their own parts. */
export interface NodeObserved<R> {
  /** The registration the control plane has (from the local state); undefined: not known yet, nothing to send. */
  registered: { [K in keyof R]?: unknown } | undefined;
  /** `net.ipv6.conf.all.forwarding`, or undefined when the role does not manage it. */
  forwarding: string | undefined;
  nft: {
    listing: TableListing | undefined;
    /** Fingerprint of the last batch this process applied (kept in its state dir). */
    appliedHash: string | undefined;
  };
}

/** Registration, isolation before anything forwards, then forwarding: the first steps of either role. */
export function planNode<R extends object>(
  want: { registration: R; nft: IsolationSpec },
  o: NodeObserved<R>,
  manageForwarding: boolean,
): NodeAction<R>[] {
  const acts: NodeAction<R>[] = [];
  const have = o.registered;
  const keys = Object.keys(want.registration) as (keyof R)[];
  if (have !== undefined && keys.some((k) => have[k] !== want.registration[k])) {
    acts.push({ do: 'register', body: want.registration });
  }
  const hash = nftFingerprint(want.nft);
  if (nftNeedsApply(want.nft, o.nft, hash)) {
    acts.push({ do: 'nft', spec: want.nft, batch: buildIsolation(want.nft, o.nft.listing), hash });
  }
  if (manageForwarding && o.forwarding !== undefined && o.forwarding !== '1') {
    acts.push({ do: 'enable-forwarding' });
  }
  return acts;
}

const EMPTY: DeviceState = { privateKey: null, listenPort: 0, fwmark: 0, peers: [] };

/** Brings a link up with the MTU asked, unless it is already so (`have` undefined: a link about to be made). */
export function linkUp(iface: string, have: ObservedLink | undefined, mtu?: number, ns?: string): NetStep[] {
  if (have?.up && (mtu === undefined || have.mtu === mtu)) return [];
  return [{ do: 'link-set', ...(ns ? { ns } : {}), iface, up: true, ...(mtu ? { mtu } : {}) }];
}

/**
 * A WireGuard interface: made when the device or its link is missing (then everything on it starts from nothing),
 * its link up at `mtu`, and the one `set` that gives it `want` (unchanged peers are never mentioned).
 * Returns the steps and whether the interface is new.
 */
export function planWg(
  dev: WgRole,
  iface: string,
  want: DeviceConfig,
  have: { device: DeviceState | undefined; link: ObservedLink | undefined },
  mtu: number,
): { acts: NodeAction<never>[]; created: boolean } {
  const created = have.device === undefined || have.link === undefined;
  const acts: NodeAction<never>[] = created ? [{ do: 'wg-create', dev }] : [];
  acts.push(...linkUp(iface, created ? undefined : have.link, mtu));
  const op = planDevice(want, created ? EMPTY : (have.device ?? EMPTY));
  if (op) acts.push({ do: 'wg-set', dev, op });
  return { acts, created };
}

export function hasRoute(routes: readonly ObservedRoute[], dst: string, dev: string, via?: string): boolean {
  return routes.some((r) => r.dst === dst && r.dev === dev && r.via === via);
}

/** A one-line description for logs: never keys or file contents. */
export function describeNodeAction<R>(a: NodeAction<R>): Record<string, unknown> {
  switch (a.do) {
    case 'nft':
      return { do: a.do, table: a.spec.table, commands: a.batch.nftables.length, hash: a.hash.slice(0, 12) };
    case 'wg-set':
      return { do: a.do, dev: a.dev, ...describeSet(a.op) };
    case 'register': {
      const { endpoint, peer_endpoint } = a.body as { endpoint?: unknown; peer_endpoint?: unknown };
      return { do: a.do, endpoint, ...(peer_endpoint === undefined ? {} : { peer_endpoint }) };
    }
    default:
      return { ...a };
  }
}
