// The instances of one network as typed-array columns (about 60 bytes each, hash included), found by instance
// number through an open-addressing hash and chained per app in intrusive lists, so a million records stay small.

import { instanceNumOfId } from '../address.ts';

export const NO_REGION = 0xffff;
/** Serving (src/core/serving.ts): started, and passing when its app has checks. What answers look at. */
export const SERVING = 1;
export const HAS_ADDR = 2;
/** The instance's own state and verdict, kept to recompute SERVING when its app's checks come or go. */
export const STATE_STARTED = 4;
export const PASSING = 8;

/** The head of one app's list of slots. */
export interface SlotList {
  head: number;
  count: number;
}

export class InstanceTable {
  private cap = 0;
  /** Slots ever handed out; free ones below it are on the free list. */
  private hwm = 0;
  private freeHead = -1;
  size = 0;
  /** Instance number (the 8-hex-digit id), 0 for an id of another form or a free slot. */
  num = new Uint32Array(0);
  /** Index of the owning app in its network view. */
  app = new Int32Array(0);
  region = new Uint16Array(0);
  flags = new Uint8Array(0);
  /** 16 bytes per slot. */
  addr = new Uint8Array(0);
  next = new Int32Array(0);
  prev = new Int32Array(0);
  private buckets = new Int32Array(0);
  private shift = 32;
  /** Ids that are not 8 hex digits (the model promises they are; this keeps odd ones working). */
  private readonly oddIds = new Map<string, number>();
  private readonly oddIdOf = new Map<number, string>();

  constructor(initial = 8) {
    this.grow(Math.max(8, initial));
  }

  /** The slot of instance `id`, or -1. */
  find(id: string): number {
    const n = instanceNumOfId(id);
    return n === undefined ? (this.oddIds.get(id) ?? -1) : this.findNum(n);
  }

  /** The slot of instance number `n`, or -1. */
  findNum(n: number): number {
    const mask = this.buckets.length - 1;
    for (let i = Math.imul(n, 0x9e3779b1) >>> this.shift; ; i = (i + 1) & mask) {
      const s = this.buckets[i]!;
      if (s === 0) return -1;
      if (this.num[s - 1] === n) return s - 1;
    }
  }

  /** Looks up an odd (non-hex) id given as a string; only called when {@link hasOddIds}. */
  findOdd(id: string): number {
    return this.oddIds.get(id) ?? -1;
  }

  get hasOddIds(): boolean {
    return this.oddIds.size > 0;
  }

  idOf(slot: number): string {
    const n = this.num[slot]!;
    return n !== 0 ? n.toString(16).padStart(8, '0') : (this.oddIdOf.get(slot) ?? '');
  }

  /** Adds `id` (which must not be present) and returns its slot, columns zeroed. */
  insert(id: string): number {
    let slot: number;
    if (this.freeHead >= 0) {
      slot = this.freeHead;
      this.freeHead = this.next[slot]!;
    } else {
      if (this.hwm === this.cap) this.grow(this.cap * 2);
      slot = this.hwm++;
    }
    this.size++;
    this.app[slot] = -1;
    this.region[slot] = NO_REGION;
    this.flags[slot] = 0;
    this.next[slot] = -1;
    this.prev[slot] = -1;
    this.addr.fill(0, slot * 16, slot * 16 + 16);
    const n = instanceNumOfId(id);
    if (n === undefined) {
      this.num[slot] = 0;
      this.oddIds.set(id, slot);
      this.oddIdOf.set(slot, id);
    } else {
      this.num[slot] = n;
      this.hashInsert(slot);
    }
    return slot;
  }

  /** Frees `slot`; it must already be unlinked from its app list. */
  remove(slot: number): void {
    const n = this.num[slot]!;
    if (n !== 0) this.hashRemove(n);
    else {
      const id = this.oddIdOf.get(slot);
      if (id !== undefined) this.oddIds.delete(id);
      this.oddIdOf.delete(slot);
    }
    this.num[slot] = 0;
    this.app[slot] = -1;
    this.next[slot] = this.freeHead;
    this.freeHead = slot;
    this.size--;
  }

  link(slot: number, list: SlotList): void {
    this.prev[slot] = -1;
    this.next[slot] = list.head;
    if (list.head >= 0) this.prev[list.head] = slot;
    list.head = slot;
    list.count++;
  }

  unlink(slot: number, list: SlotList): void {
    const p = this.prev[slot]!;
    const nx = this.next[slot]!;
    if (p >= 0) this.next[p] = nx;
    else list.head = nx;
    if (nx >= 0) this.prev[nx] = p;
    this.next[slot] = -1;
    this.prev[slot] = -1;
    list.count--;
  }

  /** The slots of a list, in no particular order. */
  slotsOf(list: SlotList): Int32Array {
    const out = new Int32Array(list.count);
    let i = 0;
    for (let s = list.head; s >= 0 && i < out.length; s = this.next[s]!) out[i++] = s;
    return out;
  }

  /** Orders slots by instance id (numbers compare like their fixed-width hex ids). */
  sortById(slots: Int32Array): Int32Array {
    if (this.oddIds.size === 0) return slots.sort((a, b) => this.num[a]! - this.num[b]!);
    const ids = new Map<number, string>();
    for (const s of slots) ids.set(s, this.idOf(s));
    return slots.sort((a, b) => {
      const x = ids.get(a)!;
      const y = ids.get(b)!;
      return x < y ? -1 : x > y ? 1 : 0;
    });
  }

  /** Approximate bytes held, for the benchmark. */
  get byteSize(): number {
    return this.cap * (4 + 4 + 2 + 1 + 16 + 4 + 4) + this.buckets.length * 4;
  }

  private grow(cap: number): void {
    const copy = <A extends Uint8Array | Uint16Array | Uint32Array | Int32Array>(old: A, fresh: A): A => {
      fresh.set(old);
      return fresh;
    };
    this.num = copy(this.num, new Uint32Array(cap));
    this.app = copy(this.app, new Int32Array(cap));
    this.region = copy(this.region, new Uint16Array(cap));
    this.flags = copy(this.flags, new Uint8Array(cap));
    this.addr = copy(this.addr, new Uint8Array(cap * 16));
    this.next = copy(this.next, new Int32Array(cap));
    this.prev = copy(this.prev, new Int32Array(cap));
    this.cap = cap;
    // The hash stays at most half full.
    let size = 16;
    while (size < cap * 2) size *= 2;
    if (size !== this.buckets.length) {
      this.buckets = new Int32Array(size);
      this.shift = 32 - Math.log2(size);
      for (let s = 0; s < this.hwm; s++) if (this.num[s] !== 0) this.hashInsert(s);
    }
  }

  private hashInsert(slot: number): void {
    const mask = this.buckets.length - 1;
    let i = Math.imul(this.num[slot]!, 0x9e3779b1) >>> this.shift;
    while (this.buckets[i] !== 0) i = (i + 1) & mask;
    this.buckets[i] = slot + 1;
  }

  /** Linear-probing removal with backward shift (no tombstones). */
  private hashRemove(n: number): void {
    const mask = this.buckets.length - 1;
    let i = Math.imul(n, 0x9e3779b1) >>> this.shift;
    for (;;) {
      const s = this.buckets[i]!;
      if (s === 0) return;
      if (this.num[s - 1] === n) break;
      i = (i + 1) & mask;
    }
    let hole = i;
    for (let j = (hole + 1) & mask; ; j = (j + 1) & mask) {
      const s = this.buckets[j]!;
      if (s === 0) break;
      const home = Math.imul(this.num[s - 1]!, 0x9e3779b1) >>> this.shift;
      // Move s into the hole when its home is not in (hole, j] cyclically.
      const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!between) {
        this.buckets[hole] = s;
        hole = j;
      }
    }
    this.buckets[hole] = 0;
  }
}
