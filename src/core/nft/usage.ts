// The usage table of a host (`sixpn_usage`): nftables counters of the private traffic each local instance sends
// and receives, per scope (same host, same region, another region), built as one JSON batch. Pure.
// Spec: libnftables-json(5); what is counted and why the rules do not grow with peers: ./README.md ("Usage").

import { type AddressPlan, formatIPv6, type HostId } from '../address.ts';
import { invalid } from '../errors.ts';
import { checkIfaceName, checkNftTable, REGION_RE } from '../names.ts';
import {
  and,
  counterByMap,
  FAMILY,
  type Json,
  jump,
  match,
  meta,
  type NftBatch,
  type NftCommand,
  payload,
  ref,
  rule,
  tableObj,
} from './json.ts';
import { staleCommands, type TableListing } from './listing.ts';

export const USAGE_TABLE = 'sixpn_usage';

export type Direction = 'tx' | 'rx';
export type Scope = 'host' | 'region' | 'interregion';

/** Everything the usage table depends on. Building twice from the same spec gives the same batch. */
export interface UsageSpec {
  table: string;
  plan: AddressPlan;
  /** This host's number and region. */
  self: HostId;
  region: string;
  /** The other hosts and gateways of the fleet: the far end of a packet is counted by its host's region. */
  hosts: readonly { num: number; region: string }[];
  /** The local instances with private networking: counted on the host end of their link. */
  instances: readonly { id: string; iface: string }[];
}

/** What one usage counter of an agent stands for. */
export interface InstanceKey {
  instance: string;
  dir: Direction;
  /** `host`, `r_<region>` (the far end's host is in that region) or `other` (a host this table does not know). */
  key: string;
}

/** What one usage counter of a gateway stands for: a peer, by its address (`<ip>` of its /120). */
export interface PeerKey {
  peer: string;
  dir: Direction;
  /** `r_<region>` or `other`, as for instances (a peer's traffic never has scope `host`). */
  key: string;
}

/** What one usage counter stands for: an instance's (agents) or a peer's (gateways). */
export type CounterKey = InstanceKey | PeerKey;

const INSTANCE_RE = /^[0-9a-f]{8}$/;
const COUNTER_RE = /^u_([0-9a-f]{8})_(tx|rx)_(host|other|r_[a-z][a-z0-9]{1,7})$/;

/** The counter of one instance, direction and far-end key: `u_<instance>_<tx|rx>_<key>`. */
export const usageCounterName = (k: InstanceKey) => `u_${k.instance}_${k.dir}_${k.key}`;

/** The key of a counter name made by {@link usageCounterName}, or undefined for any other name. */
export function parseUsageCounterName(name: string): InstanceKey | undefined {
  const m = COUNTER_RE.exec(name);
  return m ? { instance: m[1]!, dir: m[2] as Direction, key: m[3]! } : undefined;
}

/**
 * The scope and region pair (from → to) of a counter key on a host of region `own`. A far end on an unknown
 * host (not yet in the agent's state) counts as another region named `unknown`.
 */
export function scopeOfKey(
  own: string,
  k: { dir: Direction; key: string },
): { scope: Scope; src: string; dst: string } {
  const far = k.key === 'host' ? own : k.key === 'other' ? 'unknown' : k.key.slice(2);
  const scope: Scope = k.key === 'host' ? 'host' : far === own ? 'region' : 'interregion';
  return k.dir === 'tx' ? { scope, src: own, dst: far } : { scope, src: far, dst: own };
}

// Bits 48–79 of an address are its host number (the address plan); masking keeps only them.
export const HOST_MASK = (0xffff_ffffn << 48n) as bigint;
/** A host's number as the masked address the `*_by_host` maps are keyed by. */
export const hostKey = (num: number) => formatIPv6(BigInt(num) << 48n);

/** The far-end keys of a table on a host of `region`: one per region of the fleet, sorted, then `other`. */
export function regionKeys(region: string, hosts: readonly { region: string }[]): string[] {
  const regions = [...new Set([region, ...hosts.map((h) => h.region)])].sort();
  return [...regions.map((r) => `r_${r}`), 'other'];
}

function checkSpec(spec: UsageSpec): void {
  checkNftTable('table', spec.table);
  if (!REGION_RE.test(spec.region)) throw invalid(`region '${spec.region}' is not a region code`);
  for (const h of spec.hosts) {
    if (!REGION_RE.test(h.region)) throw invalid(`host ${h.num}: region '${h.region}' is not a region code`);
  }
  for (const i of spec.instances) {
    if (!INSTANCE_RE.test(i.id)) throw invalid(`instance id '${i.id}' must be 8 hex digits`);
    checkIfaceName('interface', i.iface);
  }
}

/** The far-end keys of the table: `host`, one per region, `other`; sorted for stable batches. */
function keysOf(spec: UsageSpec): string[] {
  return ['host', ...regionKeys(spec.region, spec.hosts)];
}

export const DIRS: readonly Direction[] = ['tx', 'rx'];
/** The interface and far-end address of each direction: sent from the instance's link, received onto it. */
const sideOf = (dir: Direction) =>
  dir === 'tx'
    ? { iface: meta('iifname'), far: payload('ip6', 'daddr') }
    : { iface: meta('oifname'), far: payload('ip6', 'saddr') };

function objects(spec: UsageSpec, keys: string[]) {
  const t = spec.table;
  const counters: NftCommand[] = [];
  for (const i of [...spec.instances].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    for (const dir of DIRS) {
      for (const key of keys) {
        counters.push({
          add: {
            counter: { family: FAMILY, table: t, name: usageCounterName({ instance: i.id, dir, key }) },
          },
        });
      }
    }
  }
  const sets: { kind: 'set' | 'map'; name: string; decl: NftCommand; elem: Json[] }[] = [];
  const set = (name: string, type: Json, elem: Json[], extra: { [k: string]: Json } = {}) => {
    const kind = extra.map ? ('map' as const) : ('set' as const);
    sets.push({
      kind,
      name,
      decl: { add: { [kind]: { family: FAMILY, table: t, name, type, ...extra } } },
      elem,
    });
  };
  set('inst', 'ifname', spec.instances.map((i) => i.iface).sort());
  const far = [...spec.hosts.filter((h) => h.num !== spec.self)].sort((a, b) => a.num - b.num);
  for (const dir of DIRS) {
    const verdicts: Json[] = [
      [hostKey(spec.self), { goto: { target: `${dir}_host` } }],
      ...far.map((h): Json => [hostKey(h.num), { goto: { target: `${dir}_r_${h.region}` } }]),
    ];
    set(`${dir}_by_host`, 'ipv6_addr', verdicts, { map: 'verdict' });
    for (const key of keys) {
      const elem = spec.instances.map((i): Json => [i.iface, usageCounterName({ instance: i.id, dir, key })]);
      set(`m_${dir}_${key}`, 'ifname', elem, { map: 'counter' });
    }
  }
  return { counters, sets };
}

function chainsAndRules(spec: UsageSpec, keys: string[]): { chains: NftCommand[]; rules: NftCommand[] } {
  const t = spec.table;
  const chain = (name: string, base?: boolean): NftCommand => ({
    add: {
      chain: base
        ? { family: FAMILY, table: t, name, type: 'filter', hook: 'forward', prio: 10, policy: 'accept' }
        : { family: FAMILY, table: t, name },
    },
  });
  const chains = [chain('count', true)];
  const rules: NftCommand[] = [];
  for (const dir of DIRS) {
    const side = sideOf(dir);
    chains.push(chain(dir));
    rules.push(rule(t, 'count', [match(side.iface, ref('inst')), jump(dir)]));
    // A known far host goes to its key's chain (goto: back in `count` after it); an unknown one falls through.
    rules.push(
      rule(t, dir, [{ vmap: { key: and(side.far, formatIPv6(HOST_MASK)), data: ref(`${dir}_by_host`) } }]),
    );
    rules.push(rule(t, dir, [counterByMap(side.iface, `m_${dir}_other`)]));
    for (const key of keys.filter((k) => k !== 'other')) {
      chains.push(chain(`${dir}_${key}`));
      rules.push(rule(t, `${dir}_${key}`, [counterByMap(side.iface, `m_${dir}_${key}`)]));
    }
  }
  return { chains, rules };
}

/**
 * The batch that makes the usage table exactly `spec`, given its current `listing` (undefined: it does not
 * exist). The base chain hooks `forward` at priority 10, after the isolation table (priority 0): only packets it
 * let through are counted. Every set and map is flushed and refilled (their elements name chains and counters:
 * flushed before those are deleted, filled after they are declared), then what the spec no longer has is deleted. Counters are declared with `add`, so
 * existing ones keep their values. Read the counters before applying a batch that removes some: what they held
 * since the last read goes with them.
 */
export function buildUsage(spec: UsageSpec, listing: TableListing | undefined): NftBatch {
  checkSpec(spec);
  const t = spec.table;
  const keys = keysOf(spec);
  const o = objects(spec, keys);
  const cr = chainsAndRules(spec, keys);
  const obj = (name: string) => ({ family: FAMILY, table: t, name });
  const stale = listing
    ? staleCommands(t, [...o.counters, ...o.sets.map((s) => s.decl), ...cr.chains], listing)
    : { chains: [], sets: [], counters: [] };
  const flushes = [...(listing?.sets ?? new Map())].map(
    ([name, info]): NftCommand => ({ flush: { [info.kind]: obj(name) } }),
  );
  const elements = o.sets
    .filter((s) => s.elem.length > 0)
    .map((s): NftCommand => ({ add: { element: { ...obj(s.name), elem: s.elem } } }));
  return {
    nftables: [
      { add: { table: tableObj(t) } },
      { flush: { table: tableObj(t) } },
      ...flushes,
      ...stale.chains,
      ...stale.sets,
      ...stale.counters,
      ...o.counters,
      ...o.sets.map((s) => s.decl),
      ...cr.chains,
      ...elements,
      ...cr.rules,
    ],
  };
}

/** One counter as read: its key, its kernel handle (a new handle: made again from zero) and its values. */
export interface CounterRead {
  name: string;
  handle: number;
  bytes: number;
  packets: number;
}
export type UsageCounter = InstanceKey & CounterRead;

/** The usage counters of a listing of the usage table (other named counters are ignored). */
export function usageCounters(listing: TableListing): UsageCounter[] {
  const out: UsageCounter[] = [];
  for (const [name, v] of listing.counters) {
    const k = parseUsageCounterName(name);
    if (k) out.push({ ...k, name, handle: v.handle ?? 0, bytes: v.bytes, packets: v.packets });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
