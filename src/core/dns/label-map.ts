// A map from DNS labels to values, looked up straight from the bytes of a message (ASCII case-insensitive,
// RFC 4343) so the hot path creates no string.

import { hashLabel, hashString, labelEqualsString } from './wire.ts';

interface Entry<V> {
  readonly key: string;
  value: V;
  next: Entry<V> | undefined;
}

export class LabelMap<V> {
  private readonly buckets = new Map<number, Entry<V>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The value for the label whose length byte is at `msg[off]`. */
  getAt(msg: Uint8Array, off: number): V | undefined {
    for (let e = this.buckets.get(hashLabel(msg, off)); e !== undefined; e = e.next) {
      if (labelEqualsString(msg, off, e.key)) return e.value;
    }
    return undefined;
  }

  get(key: string): V | undefined {
    const k = key.toLowerCase();
    for (let e = this.buckets.get(hashString(k)); e !== undefined; e = e.next)
      if (e.key === k) return e.value;
    return undefined;
  }

  set(key: string, value: V): void {
    const k = key.toLowerCase();
    const h = hashString(k);
    const head = this.buckets.get(h);
    for (let e = head; e !== undefined; e = e.next) {
      if (e.key === k) {
        e.value = value;
        return;
      }
    }
    this.buckets.set(h, { key: k, value, next: head });
    this.count++;
  }

  delete(key: string): boolean {
    const k = key.toLowerCase();
    const h = hashString(k);
    let prev: Entry<V> | undefined;
    for (let e = this.buckets.get(h); e !== undefined; prev = e, e = e.next) {
      if (e.key !== k) continue;
      if (prev) prev.next = e.next;
      else if (e.next) this.buckets.set(h, e.next);
      else this.buckets.delete(h);
      this.count--;
      return true;
    }
    return false;
  }

  *values(): IterableIterator<V> {
    for (const head of this.buckets.values()) {
      for (let x: Entry<V> | undefined = head; x !== undefined; x = x.next) yield x.value;
    }
  }

  clear(): void {
    this.buckets.clear();
    this.count = 0;
  }
}
