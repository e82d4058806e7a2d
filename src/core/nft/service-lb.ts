// The load-balancing part of the sixpn table: new flows to an app's service address (`fdaa:N:N:0:0:S:S:2`) are
// DNAT'ed in the kernel to one of the app's serving instances; conntrack keeps every later packet of a flow (and its
// replies) on the instance it got. Spec: libnftables-json(5), nft(8) "NUMGEN", "NAT STATEMENTS", "VERDICT MAPS".
// Design notes in ./README.md ("Service addresses").

import { type AddressPlan, formatIPv6, type NetworkId, networkOf, serviceOf } from '../address.ts';
import { invalid } from '../errors.ts';
import {
  and,
  concat,
  ct,
  FAMILY,
  type Json,
  match,
  meta,
  type NftCommand,
  payload,
  ref,
  rule,
} from './json.ts';

/** One service address and the instances new flows to it are spread over. */
export interface ServiceBalance {
  /** The app's service address. */
  address: bigint;
  /** Addresses of the app's serving instances chosen for this machine (nearest region first); empty: refused. */
  members: readonly bigint[];
}

export const lbNames = {
  /** Every service address of the networks present: what is not dispatched is refused, not routed on. */
  addrs: 'svc_addrs',
  /** Service address → `jump svc_<network>_<service>` for services with members. */
  dispatch: 'svc_dispatch',
} as const;

/** The chain holding one service's DNAT rule: `svc_<network 8 hex>_<service 8 hex>`. */
export function serviceChain(plan: AddressPlan, address: bigint): string {
  const s = serviceOf(plan, address);
  if (!s) throw invalid(`${formatIPv6(address)} is not a service address of the plan`, { field: 'services' });
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  return `svc_${hex(s.network)}_${hex(s.service)}`;
}

/**
 * The services sorted by address, members sorted and deduplicated, each checked: a service address of a network
 * the table admits, members in that same network. Throws `invalid_argument` naming the address otherwise.
 */
export function normalizeServices(
  plan: AddressPlan,
  networks: readonly NetworkId[],
  services: readonly ServiceBalance[],
): ServiceBalance[] {
  const admitted = new Set<number>(networks);
  const seen = new Set<bigint>();
  const out: ServiceBalance[] = [];
  for (const s of services) {
    const svc = serviceOf(plan, s.address);
    const text = formatIPv6(s.address);
    if (!svc) throw invalid(`services: ${text} is not a service address of the plan`, { field: 'services' });
    if (!admitted.has(svc.network)) {
      throw invalid(`services: ${text} is in a network this table does not admit`, { field: 'services' });
    }
    if (seen.has(s.address)) throw invalid(`services: ${text} is listed twice`, { field: 'services' });
    seen.add(s.address);
    const members = [...new Set(s.members)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const m of members) {
      if (networkOf(plan, m) !== svc.network) {
        throw invalid(`services: member ${formatIPv6(m)} of ${text} is not in its network`, {
          field: 'services',
        });
      }
    }
    out.push({ address: s.address, members });
  }
  return out.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

/** The set and the verdict map, with their elements (the isolation builder declares and fills them). */
export function lbSets(plan: AddressPlan, services: readonly ServiceBalance[]) {
  return {
    addrs: services.map((s) => formatIPv6(s.address)) as Json[],
    dispatch: services
      .filter((s) => s.members.length > 0)
      .map((s): Json => [formatIPv6(s.address), { jump: { target: serviceChain(plan, s.address) } }]),
  };
}

/** One regular chain per service with members. */
export function lbChains(
  table: string,
  plan: AddressPlan,
  services: readonly ServiceBalance[],
): NftCommand[] {
  return services
    .filter((s) => s.members.length > 0)
    .map((s) => ({ add: { chain: { family: FAMILY, table, name: serviceChain(plan, s.address) } } }));
}

const NET_MASK = 'ffff:ffff:ffff::';
/** Source and destination in the same admitted /48 (the isolation table's `same_net`). */
const sameNet = (sameNetSet: string) =>
  match(
    concat(and(payload('ip6', 'saddr'), NET_MASK), and(payload('ip6', 'daddr'), NET_MASK)),
    ref(sameNetSet),
  );

/**
 * The rules: in each service chain, `dnat ip6 to numgen random mod N map { 0 : a, 1 : b, … }` (a random member per
 * new flow; conntrack keeps the flow there); in `prerouting`, flows from a guarded interface (this machine's own
 * instances or peers) to a service address of their own network jump to its chain; in `forward`, a flow to a
 * service address of the asker's own network that nothing dispatched (no serving instance) is refused at once;
 * in `postrouting`, a member sent to itself (an instance asking its own app's service address, the hairpin) gets
 * the service address as its source, so the answer goes back through the host and conntrack, not to itself.
 */
export function lbRules(
  table: string,
  plan: AddressPlan,
  services: readonly ServiceBalance[],
  sets: { guarded: string; sameNet: string },
): { chains: NftCommand[]; prerouting: NftCommand[]; forward: NftCommand[]; postrouting: NftCommand[] } {
  const chains = services
    .filter((s) => s.members.length > 0)
    .map((s) =>
      rule(table, serviceChain(plan, s.address), [
        {
          dnat: {
            family: 'ip6',
            addr: {
              map: {
                key: { numgen: { mode: 'random', mod: s.members.length, offset: 0 } },
                data: { set: s.members.map((m, i): Json => [i, formatIPv6(m)]) },
              },
            },
          },
        },
      ]),
    );
  const prerouting = [
    rule(
      table,
      'prerouting',
      [
        match(meta('iifname'), ref(sets.guarded)),
        sameNet(sets.sameNet),
        { vmap: { key: payload('ip6', 'daddr'), data: ref(lbNames.dispatch) } },
      ],
      'service addresses: new flows to a serving instance',
    ),
  ];
  const forward = [
    rule(
      table,
      'forward',
      [
        match(payload('ip6', 'daddr'), ref(lbNames.addrs)),
        sameNet(sets.sameNet),
        { reject: { type: 'icmpx', expr: 'port-unreachable' } },
      ],
      'a service address with no serving instance',
    ),
  ];
  return { chains, prerouting, forward, postrouting: hairpin(table, services) };
}

/** `ct status dnat snat ip6 to ip6 saddr . ip6 daddr map { M . M : S, … }` over every member M of service S. */
function hairpin(table: string, services: readonly ServiceBalance[]): NftCommand[] {
  const pairs = services.flatMap((s) =>
    s.members.map((m): Json => [concat(formatIPv6(m), formatIPv6(m)), formatIPv6(s.address)]),
  );
  if (pairs.length === 0) return [];
  return [
    rule(
      table,
      'postrouting',
      [
        match(ct('status'), 'dnat', 'in'),
        {
          snat: {
            family: 'ip6',
            addr: {
              map: { key: concat(payload('ip6', 'saddr'), payload('ip6', 'daddr')), data: { set: pairs } },
            },
          },
        },
      ],
      'an instance sent to itself through its service address: answered from the service address',
    ),
  ];
}
