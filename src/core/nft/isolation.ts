// The sixpn isolation table for nftables, built as one JSON batch that replaces the table atomically.
// Used by host agents and gateways alike. Spec: libnftables-json(5); design notes in ./README.md.

import {
  type AddressPlan,
  type Cidr,
  formatCidr,
  formatIPv6,
  type NetworkId,
  networkPrefix,
  planCidr,
} from '../address.ts';
import { invalid } from '../errors.ts';
import { checkIfaceName, checkNftTable } from '../names.ts';
import { dropCounterName } from './counters.ts';
import {
  accept,
  and,
  anonSet,
  concat,
  counterByMap,
  ct,
  drop,
  FAMILY,
  type Json,
  jump,
  match,
  meta,
  type NftBatch,
  type NftCommand,
  namedCounter,
  payload,
  prefix,
  redirect,
  ref,
  rule,
  tableObj,
} from './json.ts';
import { setSignature, staleCommands, type TableListing } from './listing.ts';
import { lbChains, lbNames, lbRules, lbSets, normalizeServices, type ServiceBalance } from './service-lb.ts';

/** One interface whose packets must come from the given ranges (an instance's /112; a gateway's networks). */
export interface SpoofGuard {
  iface: string;
  allowed: readonly Cidr[];
  /** The network drops on this interface are charged to; undefined when it carries several networks. */
  network?: NetworkId;
}

/** Everything the table depends on. Building twice from the same spec gives the same batch. */
export interface IsolationSpec {
  /** Table name in family inet; must start with `sixpn`. */
  table: string;
  plan: AddressPlan;
  /** Networks whose members may talk to each other through this machine (each gets a drop counter). */
  networks: readonly NetworkId[];
  /** The 6PN side: interfaces facing instances, the host mesh and peers. Guarded ones are added implicitly. */
  interfaces: readonly string[];
  guards: readonly SpoofGuard[];
  /** Addresses DNS is served on (`fdaa::3` on hosts, `fdaa:N:N::3` on gateways). */
  resolvers: readonly bigint[];
  /** When set, DNS to a resolver address is redirected to this local port (gateways). */
  dnsRedirectPort?: number;
  /**
   * Service addresses load-balanced for flows from the guarded interfaces (./service-lb.ts). Absent or empty: the
   * table has no load-balancing objects at all.
   */
  services?: readonly ServiceBalance[];
}

/** Named objects of the table (stable: tests, metrics and the README use them). */
export const names = {
  ifaces: 'sixpn_ifaces',
  guarded: 'guarded',
  allowedSrc: 'allowed_src',
  sameNet: 'same_net',
  resolvers: 'resolvers',
  netCounter: 'net_counter',
  ifaceCounter: 'iface_counter',
  spoofed: 'spoofed',
  blocked: 'blocked',
  dropOther: 'drop_other',
} as const;

// A network is the top 48 bits; masking both addresses to them turns "same /48" into one hash lookup.
const NET_MASK = 'ffff:ffff:ffff::';
const ND_TYPES = ['nd-neighbor-solicit', 'nd-neighbor-advert'];
const LINK_TYPES = ['nd-router-solicit', 'mld-listener-report', 'mld2-listener-report'];

function checkSpec(spec: IsolationSpec): void {
  checkNftTable('table', spec.table);
  const ifaces = [...spec.interfaces, ...spec.guards.map((g) => g.iface)];
  for (const i of ifaces) checkIfaceName('interface', i);
  const seen = new Set<string>();
  for (const g of spec.guards) {
    if (seen.has(g.iface)) throw invalid(`interface '${g.iface}' has two spoof guards; merge them`);
    seen.add(g.iface);
  }
  const p = spec.dnsRedirectPort;
  if (p !== undefined && !(Number.isInteger(p) && p >= 1 && p <= 65535)) {
    throw invalid(`dnsRedirectPort must be 1–65535, got ${p}`);
  }
}

const uniq = <T>(xs: Iterable<T>): T[] => [...new Set(xs)];

interface Declarations {
  counters: NftCommand[];
  /** `add set|map` without elements (so an existing one is kept), then its elements, added after a flush. */
  sets: { kind: 'set' | 'map'; name: string; body: { [k: string]: Json }; decl: NftCommand; elem: Json[] }[];
}

function declarations(spec: IsolationSpec, services: readonly ServiceBalance[]): Declarations {
  const t = spec.table;
  const nets = uniq([...spec.networks, ...spec.guards.flatMap((g) => (g.network ? [g.network] : []))]).sort(
    (a, b) => a - b,
  );
  const netBase = (n: NetworkId) => formatIPv6(networkPrefix(spec.plan, n).base);
  const counters = [names.spoofed, names.dropOther, ...nets.map(dropCounterName)];
  const set = (name: string, type: Json, elem: Json[], extra: { [k: string]: Json } = {}) => {
    const kind = extra.map ? ('map' as const) : ('set' as const);
    const body = { family: FAMILY, table: t, name, type, ...extra };
    return { kind, name, body, decl: { add: { [kind]: body } }, elem };
  };
  const ifaces = uniq([...spec.interfaces, ...spec.guards.map((g) => g.iface)]).sort();
  const guarded = spec.guards.map((g) => g.iface).sort();
  const allowed = spec.guards.flatMap((g) =>
    g.allowed.map((c) => concat(g.iface, prefix(formatIPv6(c.base), c.length))),
  );
  const lb = lbSets(spec.plan, services);
  const lbDecls =
    services.length === 0
      ? []
      : [
          set(lbNames.addrs, 'ipv6_addr', lb.addrs),
          set(lbNames.dispatch, 'ipv6_addr', lb.dispatch, { map: 'verdict' }),
        ];
  return {
    counters: counters.map((name) => ({ add: { counter: { family: FAMILY, table: t, name } } })),
    sets: [
      set(names.ifaces, 'ifname', ifaces),
      set(names.guarded, 'ifname', guarded),
      set(names.allowedSrc, ['ifname', 'ipv6_addr'], allowed, { flags: ['interval'] }),
      set(
        names.sameNet,
        ['ipv6_addr', 'ipv6_addr'],
        uniq(spec.networks).map((n) => concat(netBase(n), netBase(n))),
      ),
      set(names.resolvers, 'ipv6_addr', uniq(spec.resolvers.map(formatIPv6))),
      set(
        names.netCounter,
        'ipv6_addr',
        nets.map((n) => [prefix(netBase(n), 48), dropCounterName(n)]),
        { map: 'counter', flags: ['interval'] },
      ),
      set(
        names.ifaceCounter,
        'ifname',
        spec.guards.flatMap((g) => (g.network ? [[g.iface, dropCounterName(g.network)]] : [])),
        { map: 'counter' },
      ),
      ...lbDecls,
    ],
  };
}

function chains(spec: IsolationSpec, services: readonly ServiceBalance[]): NftCommand[] {
  const t = spec.table;
  const base = (name: string, type: string, hook: string, prio: number): NftCommand => ({
    add: { chain: { family: FAMILY, table: t, name, type, hook, prio, policy: 'accept' } },
  });
  const regular = (name: string): NftCommand => ({ add: { chain: { family: FAMILY, table: t, name } } });
  const out = [
    regular(names.spoofed),
    regular(names.blocked),
    base('forward', 'filter', 'forward', 0),
    base('input', 'filter', 'input', 0),
  ];
  if (spec.dnsRedirectPort !== undefined || services.length > 0) {
    out.push(base('prerouting', 'nat', 'prerouting', -100));
  }
  if (services.some((s) => s.members.length > 0)) out.push(base('postrouting', 'nat', 'postrouting', 100));
  out.push(...lbChains(t, spec.plan, services));
  return out;
}

/** The matches the rules share. */
function matchers(spec: IsolationSpec) {
  const plan = formatCidr(planCidr(spec.plan));
  const planPrefix = prefix(plan.slice(0, plan.indexOf('/')), 16);
  /** Network 0, the hosts' own service addresses (`fdaa::3`): where ICMPv6 errors of the 6PN come from. */
  const infra = prefix(plan.slice(0, plan.indexOf('/')), 48);
  const fromSixpn = match(meta('iifname'), ref(names.ifaces));
  const fromGuarded = match(meta('iifname'), ref(names.guarded));
  const notIPv6 = match(meta('nfproto'), 'ipv4');
  const spoofedSource = match(concat(meta('iifname'), payload('ip6', 'saddr')), ref(names.allowedSrc), '!=');
  const dns = [
    match(payload('ip6', 'daddr'), ref(names.resolvers)),
    match(meta('l4proto'), anonSet(['tcp', 'udp'])),
    match(payload('th', 'dport'), 53),
  ];
  return { planPrefix, infra, fromSixpn, fromGuarded, notIPv6, spoofedSource, dns };
}
type Matchers = ReturnType<typeof matchers>;

function dropRules(t: string): NftCommand[] {
  return [
    // Drops are charged to the interface's network, else the source's network, else drop_other.
    rule(t, names.spoofed, [namedCounter(names.spoofed)]),
    rule(t, names.spoofed, [counterByMap(meta('iifname'), names.ifaceCounter), drop]),
    rule(t, names.spoofed, [counterByMap(payload('ip6', 'saddr'), names.netCounter), drop]),
    rule(t, names.spoofed, [namedCounter(names.dropOther), drop]),
    rule(t, names.blocked, [counterByMap(payload('ip6', 'saddr'), names.netCounter), drop]),
    rule(t, names.blocked, [namedCounter(names.dropOther), drop]),
  ];
}

function forwardRules(t: string, m: Matchers, lbForward: NftCommand[]): NftCommand[] {
  const { infra, planPrefix, fromGuarded, fromSixpn, notIPv6, spoofedSource } = m;
  return [
    rule(t, 'forward', [fromGuarded, notIPv6, jump(names.spoofed)], 'guarded interfaces carry IPv6 only'),
    rule(t, 'forward', [fromGuarded, spoofedSource, jump(names.spoofed)], 'anti-spoofing'),
    rule(
      t,
      'forward',
      [
        match(ct('state'), ['related'], 'in'),
        match(meta('l4proto'), 'ipv6-icmp'),
        match(payload('ip6', 'saddr'), infra),
        accept,
      ],
      // Only from the hosts' own addresses (network 0): conntrack relates an error to a flow by the packet
      // it quotes, whoever sends it, so another network's instance could otherwise send errors into this one.
      'ICMPv6 errors from sixpn hosts about flows already let through',
    ),
    ...lbForward,
    rule(
      t,
      'forward',
      [
        match(
          concat(and(payload('ip6', 'saddr'), NET_MASK), and(payload('ip6', 'daddr'), NET_MASK)),
          ref(names.sameNet),
        ),
        accept,
      ],
      'same network /48',
    ),
    rule(t, 'forward', [match(payload('ip6', 'saddr'), planPrefix), jump(names.blocked)]),
    rule(t, 'forward', [match(payload('ip6', 'daddr'), planPrefix), jump(names.blocked)]),
    rule(t, 'forward', [fromSixpn, jump(names.blocked)], 'the 6PN side reaches nothing else'),
    rule(t, 'forward', [match(meta('oifname'), ref(names.ifaces)), jump(names.blocked)]),
  ];
}

function inputRules(t: string, m: Matchers): NftCommand[] {
  const { fromGuarded, notIPv6, spoofedSource, dns } = m;
  return [
    rule(t, 'input', [match(meta('iifname'), ref(names.ifaces), '!='), accept], 'not from the 6PN side'),
    rule(t, 'input', [match(payload('icmpv6', 'type'), anonSet(ND_TYPES)), accept], 'neighbour discovery'),
    rule(
      t,
      'input',
      [
        match(payload('ip6', 'saddr'), anonSet(['::', prefix('fe80::', 10)])),
        match(payload('icmpv6', 'type'), anonSet(LINK_TYPES)),
        accept,
      ],
      'link-local chatter of a starting interface (router solicitations, MLD reports)',
    ),
    rule(t, 'input', [fromGuarded, notIPv6, jump(names.spoofed)]),
    rule(t, 'input', [fromGuarded, spoofedSource, jump(names.spoofed)], 'anti-spoofing'),
    rule(t, 'input', [match(ct('state'), ['established', 'related'], 'in'), accept]),
    rule(t, 'input', [...dns, accept], 'DNS to the resolver addresses'),
  ];
}

function rules(spec: IsolationSpec, services: readonly ServiceBalance[]): NftCommand[] {
  const t = spec.table;
  const m = matchers(spec);
  const { fromSixpn, dns } = m;
  const lb =
    services.length === 0
      ? { chains: [], prerouting: [], forward: [], postrouting: [] }
      : lbRules(t, spec.plan, services, { guarded: names.guarded, sameNet: names.sameNet });
  const out: NftCommand[] = [...dropRules(t), ...forwardRules(t, m, lb.forward), ...inputRules(t, m)];
  if (spec.dnsRedirectPort !== undefined) {
    out.push(
      rule(
        t,
        'input',
        [
          match(ct('status'), 'dnat', 'in'),
          match(ct('ip6 daddr', 'original'), ref(names.resolvers)),
          match(payload('th', 'dport'), spec.dnsRedirectPort),
          accept,
        ],
        'DNS redirected from a resolver address',
      ),
      rule(t, 'prerouting', [fromSixpn, ...dns, redirect(spec.dnsRedirectPort)], 'DNS to the local server'),
    );
  }
  out.push(rule(t, 'input', [jump(names.blocked)]), ...lb.prerouting, ...lb.chains, ...lb.postrouting);
  return out;
}

/**
 * The batch that makes the table exactly `spec`, applied atomically by `nft -j -f`. In order: create the table
 * if missing; flush its rules; delete sets the spec no longer has; declare counters, sets and maps (kept when
 * they exist); delete gone elements; delete stale chains and counters (no longer referenced); add chains; add new
 * elements; add rules.
 * With the current `listing`, elements change by difference (delete the gone, add the new): re-adding 10,000
 * interval elements costs seconds, a difference costs what changed. Without it every set is flushed and
 * refilled, nothing stale is deleted, and a set whose type changed makes the batch fail.
 * Named counters are never flushed, so drop counts keep growing across re-applies.
 */
export function buildIsolation(spec: IsolationSpec, listing?: TableListing): NftBatch {
  checkSpec(spec);
  const t = spec.table;
  const table = tableObj(t);
  const services = normalizeServices(spec.plan, spec.networks, spec.services ?? []);
  const d = declarations(spec, services);
  const ch = chains(spec, services);
  const stale = listing
    ? staleCommands(t, [...d.counters, ...d.sets.map((x) => x.decl), ...ch], listing)
    : { chains: [], sets: [], counters: [] };
  const obj = (name: string) => ({ family: FAMILY, table: t, name });
  const flushes: NftCommand[] = [];
  const removals: NftCommand[] = [];
  const additions: NftCommand[] = [];
  for (const x of d.sets) {
    const current = listing?.sets.get(x.name);
    let add: Json[] = x.elem;
    if (current && current.signature === setSignature(x.body)) {
      const want = x.elem.map((e) => JSON.stringify(e));
      const wanted = new Set(want);
      const have = new Set(current.elem);
      const gone = current.elem.filter((e) => !wanted.has(e)).map((e) => JSON.parse(e) as Json);
      // A map element is deleted by its key alone.
      const keys = x.kind === 'map' ? gone.map((e) => (Array.isArray(e) ? (e[0] ?? null) : e)) : gone;
      if (keys.length > 0) removals.push({ delete: { element: { ...obj(x.name), elem: keys } } });
      add = x.elem.filter((_, i) => !have.has(want[i]!));
    } else flushes.push({ flush: { [x.kind]: obj(x.name) } });
    if (add.length > 0) additions.push({ add: { element: { ...obj(x.name), elem: add } } });
  }
  return {
    nftables: [
      { add: { table } },
      { flush: { table } },
      // Sets before chains, and gone elements before chains: a verdict map's elements hold their chains.
      ...stale.sets,
      ...d.counters,
      ...d.sets.map((x) => x.decl),
      ...flushes,
      ...removals,
      ...stale.chains,
      ...stale.counters,
      // Chains before elements: a verdict map's new elements jump to them.
      ...ch,
      ...additions,
      ...rules(spec, services),
    ],
  };
}

/** The batch that removes the table (fails if it does not exist; the runtime driver makes it idempotent). */
export function deleteTableBatch(table: string): NftBatch {
  checkNftTable('nft table', table);
  return { nftables: [{ delete: { table: tableObj(table) } }] };
}
