// Token lookups for authentication, cached for at most `ttlMs` (1 s by default) so a request costs no store read.
//
// Why a TTL and not invalidation: revoking a token (or deleting its org, network or host) writes no revision, so
// the watch/NOTIFY path never hears of it; another replica's cache must forget on its own. An entry lives from the
// moment its read *began* (a read racing a revocation can return the old row) for less than `ttlMs`, so a token
// revoked on any replica stops working there within `ttlMs`. A DELETE through this replica clears the cache at
// once (`clear()`). Expiry is checked on every request against the clock, never cached. Misses are not cached:
// a new token works at once, and random bearer strings cannot fill the cache.

import type { TokenRecord } from './store/store.ts';

export interface TokenCacheOptions {
  /** How long a looked-up token is trusted, in ms; at most 1000 (default 1000). */
  ttlMs?: number;
  /** The most tokens kept (default 10,000); the oldest entries go first. */
  maxEntries?: number;
  /** Milliseconds since some fixed point; injected in tests. */
  now: () => number;
}

interface Entry {
  at: number;
  token: TokenRecord;
}

export class TokenCache {
  readonly #lookup: (hash: string) => Promise<TokenRecord | undefined>;
  readonly #ttl: number;
  readonly #max: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();
  /** Reads in flight, shared by concurrent requests with the same token. */
  readonly #pending = new Map<string, Promise<TokenRecord | undefined>>();
  /** Bumped by clear(): a read that began before a clear must not repopulate the cache. */
  #epoch = 0;

  constructor(lookup: (hash: string) => Promise<TokenRecord | undefined>, opts: TokenCacheOptions) {
    this.#lookup = lookup;
    this.#ttl = Math.min(opts.ttlMs ?? 1000, 1000);
    this.#max = opts.maxEntries ?? 10_000;
    this.#now = opts.now;
  }

  /** The token whose secret hashes to `hash`, or undefined when there is none. */
  get(hash: string): Promise<TokenRecord | undefined> {
    const now = this.#now();
    const hit = this.#entries.get(hash);
    if (hit && now - hit.at < this.#ttl) return Promise.resolve(hit.token);
    if (hit) this.#entries.delete(hash);
    const pending = this.#pending.get(hash);
    if (pending) return pending;
    const epoch = this.#epoch;
    const read = this.#lookup(hash).then(
      (token) => {
        if (this.#pending.get(hash) === read) this.#pending.delete(hash);
        if (token && epoch === this.#epoch) this.#put(hash, { at: now, token });
        return token;
      },
      (e: unknown) => {
        if (this.#pending.get(hash) === read) this.#pending.delete(hash);
        throw e;
      },
    );
    this.#pending.set(hash, read);
    return read;
  }

  #put(hash: string, entry: Entry): void {
    this.#entries.delete(hash);
    this.#entries.set(hash, entry);
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  /** Forgets every token (after a revocation here); reads in flight are not kept either. */
  clear(): void {
    this.#epoch++;
    this.#entries.clear();
    this.#pending.clear();
  }

  /** How many tokens are cached (for tests and metrics). */
  get size(): number {
    return this.#entries.size;
  }
}
