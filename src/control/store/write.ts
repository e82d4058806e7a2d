// Write transactions. Each revisioned write first bumps the `revision` counter row: that row lock serializes
// writers, so revisions commit in strictly increasing order and a reader of `rev > X` never misses a lower
// revision that commits later. A transaction that records no change rolls back and writes no revision.

import { type Compilable, type Kysely, type OperationNodeSource, sql, type Transaction } from 'kysely';
import { type AddressPlan, MAX_U32 } from '../../core/address.ts';
import { SixpnError } from '../../core/errors.ts';
import { type EntityKind, type EntityOf, entityId } from '../../core/model.ts';
import type { Logger } from '../../lib/log.ts';
import type { CounterName, Database } from './schema.ts';

/** The PostgreSQL channel every replica LISTENs on; the payload is the new head revision. */
export const NOTIFY_CHANNEL = 'sixpn_changes';

export type Dialect = 'sqlite' | 'postgres';

/** What every store operation needs: the database, the address plan, and the injected clock and randomness. */
export interface StoreContext {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  readonly plan: AddressPlan;
  readonly random: () => number;
  readonly now: () => Date;
  readonly logger: Logger;
  /** Rows per read of a snapshot (default 2000); tests make it small to cross page boundaries. */
  readonly snapshotPage?: number;
  /** Called after a local commit that wrote changes, with the new head revision. */
  readonly committed: (head: number) => void;
}

/** An open revisioned write: records change entries with consecutive revisions. */
export class WriteTx {
  readonly trx: Transaction<Database>;
  /** The transaction's clock reading, ISO-8601: every timestamp it writes. */
  readonly at: string;
  readonly #dialect: Dialect;
  /** The revision the next entry takes; undefined while the lock is not taken yet (`lockLate`). */
  #next: number | undefined;
  #head = 0;
  #count = 0;
  #notified = false;

  constructor(trx: Transaction<Database>, dialect: Dialect, firstRev: number | undefined, at: string) {
    this.trx = trx;
    this.#dialect = dialect;
    this.#next = firstRev;
    this.at = at;
  }

  /** How many change entries this transaction wrote so far. */
  get count(): number {
    return this.#count;
  }

  /** The revision of the last entry written (the head once committed). */
  get head(): number {
    return this.#head;
  }

  /** True once the head has been NOTIFYed (by a `last` entry). */
  get notified(): boolean {
    return this.#notified;
  }

  /**
   * Writes one change entry with the next revision; `obj` is the object after a put, before a delete.
   * `opts.write` is the entity's own row write, run just before the entry; `opts.last` says no entry follows.
   * On PostgreSQL both go into the entry's statement: one round trip for the row, the entry, the revision bump
   * when it is due, and (when last) the NOTIFY that {@link revisioned} would otherwise send.
   */
  async record<K extends EntityKind>(
    op: 'put' | 'delete',
    kind: K,
    obj: EntityOf[K],
    org: string | null,
    opts: { write?: Compilable & OperationNodeSource; last?: boolean } = {},
  ): Promise<number> {
    const entry = { op, kind, id: entityId(kind, obj), org, obj: JSON.stringify(obj) };
    const write = opts.write;
    let rev: number;
    this.#notified = false;
    if (this.#dialect === 'postgres') {
      // The first revision was bumped when the transaction began (unless `lockLate`); each further entry bumps.
      const first = this.#count === 0 ? this.#next : undefined;
      rev = await recordPg(this.trx, first, entry, write, opts.last === true);
      this.#notified = opts.last === true;
    } else {
      if (write) await this.trx.executeQuery(write.compile());
      rev = this.#count === 0 && this.#next !== undefined ? this.#next : await bump(this.trx, 'revision');
      await this.trx
        .insertInto('changes')
        .values({ rev, ...entry })
        .execute();
    }
    this.#count++;
    this.#head = rev;
    this.#next = rev + 1;
    return rev;
  }

  /** Takes the writers' lock now, when `lockLate` left it for later: the reads after it see a stable state. */
  async lock(): Promise<void> {
    if (this.#count === 0 && this.#next === undefined) this.#next = await bump(this.trx, 'revision');
  }

  /** The next network or host number: counters are never reset, so numbers are never reused. */
  async nextNumber(name: 'network' | 'host'): Promise<number> {
    const n = await bump(this.trx, name);
    if (n > MAX_U32) {
      throw new SixpnError(
        'resource_exhausted',
        `all ${MAX_U32} ${name} numbers of the address plan have been used; numbers are never reused`,
      );
    }
    return n;
  }
}

interface Entry {
  op: 'put' | 'delete';
  kind: EntityKind;
  id: string;
  org: string | null;
  obj: string;
}

/**
 * One statement: the row write (a CTE, which PostgreSQL runs after the main query, so after the counter's row
 * lock), the revision bump unless `rev` is given, the change entry, and with `notify` the `NOTIFY` of its
 * revision (delivered at commit).
 */
async function recordPg(
  trx: Transaction<Database>,
  rev: number | undefined,
  e: Entry,
  write: (Compilable & OperationNodeSource) | undefined,
  notify: boolean,
): Promise<number> {
  const r =
    rev === undefined
      ? sql`update counters set value = value + 1 where name = 'revision' returning value`
      : sql`select ${rev}::bigint as value`;
  const w = write ? sql`, w as (${write})` : sql``;
  const { rows } = await sql<{ rev: number }>`with r as (${r})${w},
    c as (insert into changes (rev, op, kind, id, org, obj)
          select value, ${e.op}, ${e.kind}, ${e.id}, ${e.org}, ${e.obj} from r returning rev)
    select rev${notify ? sql`, pg_notify(${NOTIFY_CHANNEL}, rev::text)` : sql``} from c`.execute(trx);
  return Number(rows[0]!.rev);
}

async function bump(trx: Transaction<Database>, name: CounterName): Promise<number> {
  const row = await trx
    .updateTable('counters')
    .set((eb) => ({ value: eb('value', '+', 1) }))
    .where('name', '=', name)
    .returning('value')
    .executeTakeFirstOrThrow();
  return Number(row.value);
}

class NoChange<T> {
  constructor(readonly value: T) {}
}

export interface RevisionedOptions {
  /**
   * Take the writers' lock (the revision bump) only at the first `record()`, not when the transaction begins.
   * Only for writes whose reads resolve references that foreign keys and unique constraints guard at commit
   * (creating an instance): on PostgreSQL those reads then run beside other writers, and the lock is held for
   * one statement and the COMMIT. A reference deleted meanwhile fails the write with a foreign-key violation
   * (`isForeignKeyViolation`), which the caller retries. SQLite runs one transaction at a time anyway.
   */
  lockLate?: boolean;
}

/**
 * Runs `fn` in a revisioned write transaction and returns its result. No change recorded → rolled back, no
 * revision used. On PostgreSQL the commit also notifies the other replicas.
 */
export async function revisioned<T>(
  ctx: StoreContext,
  fn: (w: WriteTx) => Promise<T>,
  opts: RevisionedOptions = {},
): Promise<T> {
  let head = 0;
  let result: T;
  try {
    result = await ctx.db.transaction().execute(async (trx) => {
      const first = opts.lockLate ? undefined : await bump(trx, 'revision');
      const w = new WriteTx(trx, ctx.dialect, first, ctx.now().toISOString());
      const out = await fn(w);
      if (w.count === 0) throw new NoChange(out);
      head = w.head;
      if (ctx.dialect === 'postgres' && !w.notified) {
        await sql`select pg_notify(${NOTIFY_CHANNEL}, ${String(head)})`.execute(trx);
      }
      return out;
    });
  } catch (e) {
    if (e instanceof NoChange) return e.value as T;
    throw e;
  }
  ctx.committed(head);
  return result;
}

/**
 * Runs `fn` in a write transaction that writes no change entry (tokens, peer status, pruning). It takes the
 * same writer lock as {@link revisioned} without moving the revision, so its checks see a stable state.
 */
export function locked<T>(ctx: StoreContext, fn: (trx: Transaction<Database>, at: string) => Promise<T>) {
  return ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('counters')
      .set((eb) => ({ value: eb.ref('value') }))
      .where('name', '=', 'revision')
      .execute();
    return fn(trx, ctx.now().toISOString());
  });
}
