// Group commit: writes that arrive while one is in flight wait and are then written together by one call, so N
// concurrent writers cost one round trip, one lock and one commit per group instead of N of each. A lone write
// goes at the end of the current turn of the event loop (no timer), with every write submitted in that turn;
// only one call is in flight at a time.

/** Writes a group in one call and answers one result per item, in order. */
export type GroupWriter<T, R> = (items: readonly T[]) => Promise<readonly R[]>;

export interface GroupCommitOptions {
  /** The most items one call writes (default 64): bounds a statement's size and a group's wait. */
  max?: number;
  /**
   * Whether a failed call wrote nothing, so its items may be written again one at a time (default: always).
   * A failure that may have committed (a connection lost during the commit) must not be retried: every item
   * of the group gets it.
   */
  rolledBack?: (e: unknown) => boolean;
}

interface Waiting<T, R> {
  item: T;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

export class GroupCommit<T, R> {
  readonly #write: GroupWriter<T, R>;
  readonly #max: number;
  readonly #rolledBack: (e: unknown) => boolean;
  #waiting: Waiting<T, R>[] = [];
  #running = false;

  constructor(write: GroupWriter<T, R>, opts: GroupCommitOptions = {}) {
    this.#write = write;
    this.#max = opts.max ?? 64;
    this.#rolledBack = opts.rolledBack ?? (() => true);
  }

  /**
   * Writes `item` with the next group and answers its result. When the group's call fails and `rolledBack`
   * says it wrote nothing, each item is written again alone, so one item's error (a foreign key) is its own.
   */
  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject });
      if (this.#running) return;
      this.#running = true;
      setImmediate(() => void this.#drain());
    });
  }

  /** Never rejects: every failure goes to the items it concerns. */
  async #drain(): Promise<void> {
    try {
      while (this.#waiting.length > 0) await this.#flush(this.#waiting.splice(0, this.#max));
    } finally {
      this.#running = false;
    }
  }

  async #flush(group: Waiting<T, R>[]): Promise<void> {
    let out: readonly R[];
    try {
      out = await this.#write(group.map((g) => g.item));
    } catch (e) {
      if (group.length > 1 && this.#rolledBack(e)) {
        for (const g of group) await this.#flush([g]);
      } else {
        for (const g of group) g.reject(e);
      }
      return;
    }
    if (out.length !== group.length) {
      const e = new Error(`group commit: ${group.length} items written, ${out.length} results answered`);
      for (const g of group) g.reject(e);
      return;
    }
    for (const [i, g] of group.entries()) g.resolve(out[i]!);
  }
}
