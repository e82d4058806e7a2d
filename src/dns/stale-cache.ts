// Serve-stale store (RFC 8767): the last good upstream answer per question, kept for its TTL plus a bounded
// stale window, bounded in entries and bytes. It only answers when every upstream has failed.

import { cacheTtl, withTtl } from '../core/dns/message-ttl.ts';

/** RFC 8767 §5: a stale answer is served with a TTL of 30 s. */
export const STALE_TTL = 30;

export interface StaleCacheOptions {
  /** How long past its TTL an answer may still be served, in seconds (RFC 8767 suggests 1–3 days). */
  maxStaleSeconds: number;
  maxEntries?: number;
  maxBytes?: number;
  /** Milliseconds; injectable for tests. */
  now?: () => number;
}

interface Entry {
  reply: Buffer;
  /** When the TTL runs out, ms. */
  expires: number;
}

export class StaleCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private readonly maxStaleMs: number;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly now: () => number;

  constructor(opts: StaleCacheOptions) {
    this.maxStaleMs = opts.maxStaleSeconds * 1000;
    this.maxEntries = opts.maxEntries ?? 10_000;
    this.maxBytes = opts.maxBytes ?? 16 * 1024 * 1024;
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Remembers a good reply (NOERROR or NXDOMAIN) for `key`; a copy is kept. */
  put(key: string, reply: Uint8Array): void {
    const ttl = cacheTtl(reply);
    if (ttl === undefined || this.maxStaleMs <= 0) return;
    this.drop(key);
    const e: Entry = { reply: Buffer.from(reply), expires: this.now() + ttl * 1000 };
    this.entries.set(key, e);
    this.bytes += e.reply.length;
    // Oldest first: a Map iterates in insertion order and put re-inserts.
    for (const k of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.drop(k);
    }
  }

  /** A stale copy for `key` with TTLs set to 30 s (the id still to be rewritten), or undefined. */
  stale(key: string): Buffer | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (this.now() > e.expires + this.maxStaleMs) {
      this.drop(key);
      return undefined;
    }
    return withTtl(e.reply, STALE_TTL);
  }

  private drop(key: string): void {
    const e = this.entries.get(key);
    if (e === undefined) return;
    this.bytes -= e.reply.length;
    this.entries.delete(key);
  }
}
