// What the instance creations of a PostgreSQL store read that seldom changes (the app, whether the region exists,
// its hosts, a pinned host), kept between creations while the store hears of no commit that could change it, so
// that a creation goes straight to its write. A stale entry is caught where a fresh read's would be: a host added
// that would be chosen fails the placement, a reference deleted fails its foreign key; the retry reads afresh.

import type { Change } from '../../core/model.ts';
import type { CreateAsk, CreateRead } from './create-read-pg.ts';

type Kept = Pick<CreateRead, 'app' | 'region' | 'pinned' | 'hosts'>;

/** The most entries (asks of distinct apps, regions and pins) kept; past it the cache starts again. */
const MAX_ENTRIES = 1000;

const keyOf = (a: CreateAsk) => `${a.org}\u0000${a.app}\u0000${a.region}\u0000${a.host ?? ''}`;

export class CreateReadCache {
  #entries = new Map<string, Kept>();
  #generation = 0;
  /** Heads of this store's commits that changed only instances, until their NOTIFY comes back. */
  #own = new Set<number>();

  /** What `ask` would read, as kept: its instance id counted free and its key empty (the write checks both). */
  get(ask: CreateAsk): CreateRead | undefined {
    const e = this.#entries.get(keyOf(ask));
    return e && { ...e, taken: false, kept: null };
  }

  /** Tells which reads may fill the cache: those that started in the generation they give back to `fill`. */
  get generation(): number {
    return this.#generation;
  }

  /** Keeps what `ask` read in generation `gen`, when it is still the current one and the read found everything. */
  fill(ask: CreateAsk, read: CreateRead, gen: number): void {
    if (gen !== this.#generation || read.app === null || !read.region) return;
    if (ask.host === null ? read.hosts.length === 0 : read.pinned === null) return;
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
    const { app, region, pinned, hosts } = read;
    this.#entries.set(keyOf(ask), { app, region, pinned, hosts });
  }

  /** Forgets everything; reads that started before fill nothing. */
  clear(): void {
    this.#generation++;
    this.#entries.clear();
  }

  /**
   * A commit of this store: with `changes` that are all instances, nothing kept changed (its NOTIFY, when it comes
   * back, is recognized by its head); anything else (or not knowing) forgets everything.
   */
  committed(head: number, changes: readonly Change[] | undefined): void {
    if (!changes?.every((c) => c.kind === 'instance')) {
      this.clear();
      return;
    }
    if (this.#own.size >= MAX_ENTRIES) this.#own.clear(); // echoes lost (LISTEN down): they will clear instead
    this.#own.add(head);
  }

  /** A head heard from the database: the echo of one of this store's instance-only commits, or else forgets all. */
  heard(head: number): void {
    if (!this.#own.delete(head)) this.clear();
  }
}
