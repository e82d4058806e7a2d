// The usage table of a gateway (`sixpn_peer_usage`): the private traffic each of its peers sends and receives, per
// far-end region, counted by the kernel in sets whose elements carry counters and are made by the packet path —
// nothing per peer in the batch. Built as one JSON batch; read back into counters; the elements of peers that left
// are deleted once their last values were recorded. Pure.
// What is counted and why it does not grow with the number of peers: ./README.md ("Usage", "Gateways").

import { enclosing, formatIPv6, tryParseIPv6 } from '../address.ts';
import { invalid } from '../errors.ts';
import { checkIfaceName, checkNftTable, REGION_RE } from '../names.ts';
import type { Baseline } from '../usage/delta.ts';
import {
  and,
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
import {
  type CounterRead,
  DIRS,
  type Direction,
  HOST_MASK,
  hostKey,
  type PeerKey,
  regionKeys,
} from './usage.ts';

export const PEER_USAGE_TABLE = 'sixpn_peer_usage';
/** Elements a peer set holds at most: a full set counts no new peer (see README). */
export const PEER_SET_SIZE = 65536;
/** Bits 0–119: a peer's /120. */
const PEER_MASK = ((1n << 128n) - 1n) ^ 0xffn;

/** Everything the gateway's usage table depends on. No peers: they appear in the sets as they send. */
export interface PeerUsageSpec {
  table: string;
  /** The gateway's own host number and region (peer to peer through it: its region). */
  self: number;
  region: string;
  /** The hosts and gateways of the fleet: the far end of a packet is counted by its host's region. */
  hosts: readonly { num: number; region: string }[];
  /** The peer WireGuard interface. */
  peerIface: string;
}

/**
 * The /120s of peers whose elements were just deleted: their packets are not counted (no element is made again)
 * until the usage task has recorded that the elements are gone. Holds anything only for the moment of a prune.
 */
const PRUNED = 'pruned';
const SET_RE = /^p_(tx|rx)_(other|r_[a-z][a-z0-9]{1,7})$/;
const setName = (dir: Direction, key: string) => `p_${dir}_${key}`;

function checkSpec(spec: PeerUsageSpec): void {
  checkNftTable('table', spec.table);
  checkIfaceName('peer interface', spec.peerIface);
  for (const r of [spec.region, ...spec.hosts.map((h) => h.region)]) {
    if (!REGION_RE.test(r)) throw invalid(`region '${r}' is not a region code`);
  }
}

/** Sent by a peer: in on the peer interface, the peer is the source. Received: out on it, the destination. */
const sideOf = (dir: Direction, iface: string) =>
  dir === 'tx'
    ? { at: match(meta('iifname'), iface), peer: payload('ip6', 'saddr'), far: payload('ip6', 'daddr') }
    : { at: match(meta('oifname'), iface), peer: payload('ip6', 'daddr'), far: payload('ip6', 'saddr') };

/** `update @set { <peer address> & /120 }`: adds the peer's element on its first packet and counts into it. */
const countPeer = (peer: Json, set: string): Json => ({
  set: { op: 'update', elem: and(peer, formatIPv6(PEER_MASK)), set: ref(set) },
});

function definitions(spec: PeerUsageSpec, keys: string[]) {
  const t = spec.table;
  const obj = (name: string) => ({ family: FAMILY, table: t, name });
  const sets: NftCommand[] = [];
  const maps: NftCommand[] = [];
  const chains: NftCommand[] = [
    {
      add: {
        chain: { ...obj('count'), type: 'filter', hook: 'forward', prio: 10, policy: 'accept' },
      },
    },
  ];
  const rules: NftCommand[] = [];
  const elements: NftCommand[] = [];
  sets.push({ add: { set: { ...obj(PRUNED), type: 'ipv6_addr', size: PEER_SET_SIZE } } });
  const hosts = [...spec.hosts.filter((h) => h.num !== spec.self)].sort((a, b) => a.num - b.num);
  for (const dir of DIRS) {
    const side = sideOf(dir, spec.peerIface);
    for (const key of keys) {
      const stmt = [{ counter: null }];
      sets.push({
        add: { set: { ...obj(setName(dir, key)), type: 'ipv6_addr', size: PEER_SET_SIZE, stmt } },
      });
    }
    maps.push({ add: { map: { ...obj(`${dir}_by_host`), type: 'ipv6_addr', map: 'verdict' } } });
    const verdicts: Json[] = [
      [hostKey(spec.self), { goto: { target: `${dir}_r_${spec.region}` } }],
      ...hosts.map((h): Json => [hostKey(h.num), { goto: { target: `${dir}_r_${h.region}` } }]),
    ];
    elements.push({ add: { element: { ...obj(`${dir}_by_host`), elem: verdicts } } });
    chains.push({ add: { chain: obj(dir) } });
    rules.push(rule(t, 'count', [side.at, jump(dir)]));
    rules.push(rule(t, dir, [match(and(side.peer, formatIPv6(PEER_MASK)), ref(PRUNED)), { return: null }]));
    rules.push(
      rule(t, dir, [{ vmap: { key: and(side.far, formatIPv6(HOST_MASK)), data: ref(`${dir}_by_host`) } }]),
    );
    rules.push(rule(t, dir, [countPeer(side.peer, setName(dir, 'other'))]));
    for (const key of keys.filter((k) => k !== 'other')) {
      chains.push({ add: { chain: obj(`${dir}_${key}`) } });
      rules.push(rule(t, `${dir}_${key}`, [countPeer(side.peer, setName(dir, key))]));
    }
  }
  return { sets, maps, chains, rules, elements };
}

/**
 * The batch that makes the gateway's usage table exactly `spec`, given its current `listing` (undefined: none).
 * Hooks `forward` at priority 10, after the isolation table: only what it let through is counted. The peer sets
 * are added, never flushed: their elements (and counters) live across re-applies; a set whose region left the
 * fleet is deleted (read it first). The two host maps are flushed and refilled.
 */
export function buildPeerUsage(spec: PeerUsageSpec, listing: TableListing | undefined): NftBatch {
  checkSpec(spec);
  const t = spec.table;
  const d = definitions(spec, regionKeys(spec.region, spec.hosts));
  const stale = listing
    ? staleCommands(t, [...d.sets, ...d.maps, ...d.chains], listing)
    : { chains: [], sets: [], counters: [] };
  const flushes = [...(listing?.sets ?? new Map())]
    .filter(([name, info]) => info.kind === 'map' && !SET_RE.test(name))
    .map(([name]): NftCommand => ({ flush: { map: { family: FAMILY, table: t, name } } }));
  return {
    nftables: [
      { add: { table: tableObj(t) } },
      { flush: { table: tableObj(t) } },
      ...flushes,
      ...stale.chains,
      ...stale.sets,
      // Adding a set with counters again fails (EEXIST) even when it is the same: only the missing ones.
      ...d.sets.filter((c) => !kept(c, listing, stale.sets)),
      ...d.maps,
      ...d.chains,
      ...d.elements,
      ...d.rules,
    ],
  };
}

/** Whether the set `add` command `c` names a set the listing has and the batch does not delete. */
function kept(c: NftCommand, listing: TableListing | undefined, deleted: readonly NftCommand[]): boolean {
  const nameOf = (o: unknown) => Object.values(o as Record<string, { name: string }>)[0]?.name;
  const name = nameOf(c.add);
  const gone = deleted.some((d) => nameOf(d.delete) === name);
  return name !== undefined && listing?.sets.has(name) === true && !gone;
}

/** One element as nft lists it: `{"elem":{"val":ADDR,"counter":{…}}}`; undefined for anything else. */
function elementOf(text: string): { addr: bigint; bytes: number; packets: number } | undefined {
  const e = (JSON.parse(text) as { elem?: { val?: unknown; counter?: { bytes?: number; packets?: number } } })
    .elem;
  const addr = typeof e?.val === 'string' ? tryParseIPv6(e.val) : undefined;
  if (addr === undefined || !e?.counter) return undefined;
  return { addr, bytes: Number(e.counter.bytes ?? 0), packets: Number(e.counter.packets ?? 0) };
}

/**
 * The peer counters of a listing of the gateway's usage table: one per element of each peer set, named
 * `p_<peer address>_<dir>_<key>`, with the set's handle (a set made again starts its elements from zero).
 * `peer` is the peer's address (its /120 + 2), as the control plane stores it.
 */
export function peerUsageCounters(listing: TableListing): (PeerKey & CounterRead)[] {
  const out: (PeerKey & CounterRead)[] = [];
  for (const [name, info] of listing.sets) {
    const m = SET_RE.exec(name);
    if (!m) continue;
    const [dir, key] = [m[1] as Direction, m[2]!];
    for (const text of info.elem) {
      const e = elementOf(text);
      if (!e) continue;
      const peer = formatIPv6(enclosing(e.addr, 120).base + 2n);
      out.push({
        peer,
        dir,
        key,
        name: `p_${peer}_${dir}_${key}`,
        handle: info.handle ?? 0,
        bytes: e.bytes,
        packets: e.packets,
      });
    }
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** What a prune does: peers whose elements go (and who join `pruned`), and /120s that leave `pruned`. */
export interface PeerUsagePrune {
  /** Each retired peer's /120 base and its elements (set name → the element's value as the sets hold it). */
  retire: { base: bigint; elements: { set: string; base: bigint }[] }[];
  /** /120 bases to take out of `pruned`: their elements are gone and no longer in the recorded baseline. */
  release: bigint[];
}

/**
 * Which peer elements of the gateway's usage table to delete, from a `listing` whose counters the usage task has
 * just recorded (`recorded`: the baseline it saved), and the addresses of the peers the gateway should have. A peer
 * not in `desired` is retired when every one of its elements was recorded at exactly its listed value (so its last
 * bytes are in a spooled report); an element not yet recorded waits for the next read. A /120 in `pruned` is
 * released once no element and no recorded counter of it is left (a peer that comes back with that address then
 * starts from zero). Pure; an empty plan when nothing is to do.
 */
export function planPeerUsagePrune(
  listing: TableListing,
  desired: readonly string[],
  recorded: Baseline,
): PeerUsagePrune {
  const want = new Set(desired.flatMap((a) => peerBase(a) ?? []));
  const byPeer = new Map<bigint, { recorded: boolean; elements: { set: string; base: bigint }[] }>();
  for (const c of peerUsageCounters(listing)) {
    const base = peerBase(c.peer);
    if (base === undefined) continue;
    const peer = byPeer.get(base) ?? { recorded: true, elements: [] };
    byPeer.set(base, peer);
    peer.elements.push({ set: setName(c.dir, c.key), base }); // the sets hold the /120 base (the rule masks it)
    const r = recorded[c.name];
    if (!(r?.handle === c.handle && r.bytes === c.bytes && r.packets === c.packets)) peer.recorded = false;
  }
  const retire = [...byPeer]
    .filter(([base, p]) => !want.has(base) && p.recorded)
    .map(([base, p]) => ({ base, elements: p.elements }))
    .sort((a, b) => (a.base < b.base ? -1 : a.base > b.base ? 1 : 0));
  const inRecord = new Set(
    Object.keys(recorded).flatMap((n) => peerBase(/^p_([0-9a-f:]+)_/.exec(n)?.[1]) ?? []),
  );
  const release = (listing.sets.get(PRUNED)?.elem ?? [])
    .flatMap((text) => {
      const v = JSON.parse(text) as unknown;
      const addr = typeof v === 'string' ? tryParseIPv6(v) : undefined;
      return addr === undefined ? [] : [addr];
    })
    .filter((base) => !byPeer.has(base) && !inRecord.has(base))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { retire, release };
}

/** The /120 base of a peer address, or undefined for anything else. */
function peerBase(addr: string | undefined): bigint | undefined {
  const v = addr === undefined ? undefined : tryParseIPv6(addr);
  return v === undefined ? undefined : enclosing(v, 120).base;
}

/**
 * The batch of a prune plan, or undefined when it has nothing to do. One transaction: a retired peer joins
 * `pruned` as its elements go, so the packet path cannot make them again before the usage task has recorded them
 * gone. Each delete is preceded by an add of the same element (a no-op when it exists), so applying the batch
 * twice, or after an element vanished, succeeds and changes nothing more.
 */
export function prunePeerUsageBatch(table: string, plan: PeerUsagePrune): NftBatch | undefined {
  checkNftTable('table', table);
  if (plan.retire.length === 0 && plan.release.length === 0) return undefined;
  const elem = (name: string, v: bigint) => ({ family: FAMILY, table, name, elem: [formatIPv6(v)] });
  const addThenDelete = (name: string, v: bigint): NftCommand[] => [
    { add: { element: elem(name, v) } },
    { delete: { element: elem(name, v) } },
  ];
  return {
    nftables: [
      ...plan.release.flatMap((b) => addThenDelete(PRUNED, b)),
      ...plan.retire.flatMap((p) => [
        { add: { element: elem(PRUNED, p.base) } },
        ...p.elements.flatMap((e) => addThenDelete(e.set, e.base)),
      ]),
    ],
  };
}
