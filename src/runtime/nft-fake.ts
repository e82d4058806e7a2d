// An in-memory Nft for unit tests of reconcilers: keeps each table's objects as the batches left them.
// It models tables, counters, sets, maps, chains and rule counts; it does not filter packets.

import { invalid } from '../core/errors.ts';
import type { Json, NftBatch } from '../core/nft/json.ts';
import { setSignature, type TableListing } from '../core/nft/listing.ts';
import type { Nft } from './nft.ts';

type Obj = { [k: string]: Json };
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export class MemoryNft implements Nft {
  /** Every batch applied, in order (tests assert on these). */
  readonly batches: NftBatch[] = [];
  private readonly tables = new Map<string, TableListing>();

  async apply(batch: NftBatch): Promise<void> {
    // Work on a copy so a failing batch changes nothing, like the kernel's transaction.
    const next = new Map([...this.tables].map(([k, v]) => [k, clone(v)]));
    for (const cmd of batch.nftables) {
      const [verb, what] = Object.entries(cmd)[0] ?? [];
      if (!isObj(what)) throw invalid(`malformed nft command ${JSON.stringify(cmd)}`);
      const [kind, body] = Object.entries(what)[0] ?? [];
      if (!isObj(body)) throw invalid(`malformed nft object ${JSON.stringify(what)}`);
      const tableName = String(kind === 'table' ? body.name : body.table);
      const t = next.get(tableName);
      if (kind === 'table') {
        if (verb === 'add' && !t) next.set(tableName, empty(tableName));
        else if (verb === 'flush' && t) {
          // Like the kernel: rules go, set and map elements stay.
          for (const c of t.chains.keys()) t.chains.set(c, 0);
        } else if (verb === 'delete') {
          if (!t) throw invalid(`nft: table ${tableName}: No such file or directory`);
          next.delete(tableName);
        } else if (!t) throw invalid(`nft: table ${tableName}: No such file or directory`);
        continue;
      }
      if (!t) throw invalid(`nft: table ${tableName}: No such file or directory`);
      const name = String(body.name ?? '');
      if (verb === 'flush') {
        const set = t.sets.get(name);
        if (!set) throw invalid(`nft: ${kind} ${name}: No such file or directory`);
        set.elem = [];
        set.elements = 0;
        continue;
      }
      if (verb === 'delete' && kind === 'element') {
        const set = t.sets.get(name);
        if (!set) throw invalid(`nft: set ${name}: No such file or directory`);
        for (const key of Array.isArray(body.elem) ? body.elem : []) {
          const k = JSON.stringify(key);
          const keyOf = (e: string) =>
            set.kind === 'map' ? JSON.stringify((JSON.parse(e) as Json[])[0]) : e;
          const i = set.elem.findIndex((e) => keyOf(e) === k);
          if (i < 0) throw invalid(`nft: element ${k}: No such file or directory`);
          set.elem.splice(i, 1);
        }
        set.elements = set.elem.length;
        continue;
      }
      if (verb === 'delete') {
        if (kind === 'chain') t.chains.delete(name);
        else if (kind === 'counter') t.counters.delete(name);
        else t.sets.delete(name);
        continue;
      }
      if (verb !== 'add') throw invalid(`MemoryNft does not model '${verb}'`);
      if (kind === 'counter' && !t.counters.has(name)) t.counters.set(name, { packets: 0, bytes: 0 });
      else if (kind === 'chain' && !t.chains.has(name)) t.chains.set(name, 0);
      else if (kind === 'rule') {
        const chain = String(body.chain);
        if (!t.chains.has(chain)) throw invalid(`nft: chain ${chain}: No such file or directory`);
        t.chains.set(chain, (t.chains.get(chain) ?? 0) + 1);
      } else if (kind === 'element') {
        const set = t.sets.get(name);
        if (!set) throw invalid(`nft: set ${name}: No such file or directory`);
        for (const e of Array.isArray(body.elem) ? body.elem : []) {
          const k = JSON.stringify(e);
          if (!set.elem.includes(k)) set.elem.push(k);
        }
        set.elements = set.elem.length;
      } else if (kind === 'set' || kind === 'map') {
        const signature = setSignature(body);
        const had = t.sets.get(name);
        if (had && had.signature !== signature) throw invalid(`nft: ${kind} ${name}: File exists`);
        const elem = [...(had?.elem ?? [])];
        for (const e of Array.isArray(body.elem) ? body.elem : []) {
          const k = JSON.stringify(e);
          if (!elem.includes(k)) elem.push(k);
        }
        t.sets.set(name, { kind, signature, elements: elem.length, elem });
      }
    }
    this.tables.clear();
    for (const [k, v] of next) this.tables.set(k, v);
    this.batches.push(batch);
  }

  async list(table: string): Promise<TableListing | undefined> {
    const t = this.tables.get(table);
    return t ? clone(t) : undefined;
  }

  async deleteTable(table: string): Promise<void> {
    this.tables.delete(table);
  }
}

function empty(table: string): TableListing {
  return { table, counters: new Map(), sets: new Map(), chains: new Map() };
}

function clone(t: TableListing): TableListing {
  return {
    table: t.table,
    counters: new Map([...t.counters].map(([k, v]) => [k, { ...v }])),
    sets: new Map([...t.sets].map(([k, v]) => [k, { ...v, elem: [...v.elem] }])),
    chains: new Map(t.chains),
  };
}
