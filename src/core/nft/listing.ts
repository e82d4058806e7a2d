// Reading `nft -j list table inet NAME`: named counters, sets, chains and rule counts; which objects are stale.
// Spec: libnftables-json(5), "LIST OBJECTS".

import type { NetworkId } from '../address.ts';
import { invalid } from '../errors.ts';
import { networkOfCounter } from './counters.ts';
import { FAMILY, type Json, type NftCommand } from './json.ts';

export interface CounterValue {
  packets: number;
  bytes: number;
  /** The kernel's handle of the counter object: a new one means the counter was made again (from zero). */
  handle?: number;
}

export interface SetInfo {
  kind: 'set' | 'map';
  /** JSON of type, flags and map data type: two sets with the same signature can be flushed and reused. */
  signature: string;
  elements: number;
  /** Each element as JSON text, as nft lists it (the builder writes elements the same way). */
  elem: string[];
  /** The kernel's handle of the set: a new one means it was made again (its elements' counters from zero). */
  handle?: number;
}

export interface TableListing {
  table: string;
  counters: Map<string, CounterValue>;
  sets: Map<string, SetInfo>;
  /** Chain name → number of rules in it. */
  chains: Map<string, number>;
}

type Obj = { [k: string]: Json };
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Type, flags and map data type of a set or map as one comparable string. */
export function setSignature(o: Obj): string {
  const flags = Array.isArray(o.flags) ? [...o.flags].map(String).sort() : [];
  return JSON.stringify({ type: o.type ?? null, flags, map: o.map ?? null });
}

/** Parses the output of `nft -j list table inet NAME` (a string or already-parsed JSON). */
export function parseTableListing(input: string | unknown): TableListing {
  let doc: unknown = input;
  if (typeof input === 'string') {
    try {
      doc = JSON.parse(input);
    } catch (e) {
      throw invalid(`nft listing is not JSON: ${(e as Error).message}`);
    }
  }
  if (!isObj(doc) || !Array.isArray(doc.nftables)) throw invalid('nft listing has no "nftables" array');
  const out: TableListing = { table: '', counters: new Map(), sets: new Map(), chains: new Map() };
  for (const item of doc.nftables) {
    if (!isObj(item)) continue;
    const [kind, body] = Object.entries(item)[0] ?? [];
    if (!isObj(body)) continue;
    const name = typeof body.name === 'string' ? body.name : '';
    switch (kind) {
      case 'table':
        out.table = name;
        break;
      case 'counter':
        out.counters.set(name, {
          packets: Number(body.packets ?? 0),
          bytes: Number(body.bytes ?? 0),
          ...(typeof body.handle === 'number' ? { handle: body.handle } : {}),
        });
        break;
      case 'set':
      case 'map':
        out.sets.set(name, {
          kind,
          signature: setSignature(body),
          elements: Array.isArray(body.elem) ? body.elem.length : 0,
          elem: Array.isArray(body.elem) ? body.elem.map((e) => JSON.stringify(e)) : [],
          ...(typeof body.handle === 'number' ? { handle: body.handle } : {}),
        });
        break;
      case 'chain':
        if (!out.chains.has(name)) out.chains.set(name, 0);
        break;
      case 'rule': {
        const chain = typeof body.chain === 'string' ? body.chain : '';
        out.chains.set(chain, (out.chains.get(chain) ?? 0) + 1);
        break;
      }
    }
  }
  return out;
}

/** Total rules in the table. */
export function ruleCount(l: TableListing): number {
  let n = 0;
  for (const c of l.chains.values()) n += c;
  return n;
}

/** Drops per network, from the `drop_<8 hex>` counters. */
export function networkDrops(l: TableListing): Map<NetworkId, CounterValue> {
  const out = new Map<NetworkId, CounterValue>();
  for (const [name, v] of l.counters) {
    const net = networkOfCounter(name);
    if (net !== undefined) out.set(net, v);
  }
  return out;
}

/** `delete` commands for what a table has and its desired definition lacks, grouped by what may go when. */
export interface StaleObjects {
  chains: NftCommand[];
  /** Sets and maps that are gone or whose type, flags or data type changed (re-added after deletion). */
  sets: NftCommand[];
  /** Delete only once the maps that may reference them are flushed. */
  counters: NftCommand[];
}

/**
 * What the listed table has that `defs` (the `add` commands of the desired table) lacks. Meant for a batch that
 * flushes rules first (so no rule references a stale chain) and flushes maps before deleting counters.
 */
export function staleCommands(table: string, defs: readonly NftCommand[], l: TableListing): StaleObjects {
  const want = { chain: new Set<string>(), counter: new Set<string>(), set: new Map<string, string>() };
  for (const d of defs) {
    const add = d.add;
    if (!isObj(add)) continue;
    for (const [kind, body] of Object.entries(add)) {
      if (!isObj(body) || typeof body.name !== 'string') continue;
      if (kind === 'chain') want.chain.add(body.name);
      else if (kind === 'counter') want.counter.add(body.name);
      else if (kind === 'set' || kind === 'map') want.set.set(body.name, setSignature(body));
    }
  }
  const del = (kind: string, name: string): NftCommand => ({
    delete: { [kind]: { family: FAMILY, table, name } },
  });
  const out: StaleObjects = { chains: [], sets: [], counters: [] };
  for (const name of l.chains.keys()) if (!want.chain.has(name)) out.chains.push(del('chain', name));
  for (const [name, info] of l.sets) {
    if (want.set.get(name) !== info.signature) out.sets.push(del(info.kind, name));
  }
  for (const name of l.counters.keys()) if (!want.counter.has(name)) out.counters.push(del('counter', name));
  return out;
}
