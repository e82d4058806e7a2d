// Write transactions. Each revisioned write first bumps the `revision` counter row: that row lock serializes
// writers, so revisions commit in strictly increasing order and a reader of `rev > X` never misses a lower
// revision that commits later. A transaction that records no change rolls back and writes no revision.

import { type Kysely, sql, type Transaction } from 'kysely';
import { type AddressPlan, MAX_U32 } from '../../core/address.ts';
import { SixpnError } from '../../core/errors.ts';
import { type Change, type EntityKind, type EntityOf, entityId } from '../../core/model.ts';
import type { Logger } from '../../lib/log.ts';
import type { PgCreations } from './create-batch-pg.ts';
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
  /** SQLite files: opens a read-only connection of its own (a client-paced snapshot reads on one). */
  readonly openReader?: () => Kysely<Database>;
  /** Called after a local commit that wrote changes, with the new head revision (and its changes: store.ts `onCommit`). */
  readonly committed: (head: number, changes?: readonly Change[]) => void;
  /** PostgreSQL: the group commit every instance creation of this store writes through. */
  readonly pgCreations?: PgCreations;
}

/** An open revisioned write: records change entries with consecutive revisions. */
export class WriteTx {
  readonly trx: Transaction<Database>;
  /** The transaction's clock reading, ISO-8601: every timestamp it writes. */
  readonly at: string;
  readonly #dialect: Dialect;
  /** The revision the next entry takes. */
  #next: number;
  #head = 0;
  #count = 0;

  constructor(trx: Transaction<Database>, dialect: Dialect, firstRev: number, at: string) {
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

  /** Writes one change entry with the next revision; `obj` is the object after a put, before a delete. */
  async record<K extends EntityKind>(
    op: 'put' | 'delete',
    kind: K,
    obj: EntityOf[K],
    org: string | null,
  ): Promise<number> {
    const entry = { op, kind, id: entityId(kind, obj), org, obj: JSON.stringify(obj) };
    let rev: number;
    if (this.#count === 0) {
      // The first revision was bumped when the transaction began.
      rev = this.#next;
      await this.trx
        .insertInto('changes')
        .values({ rev, ...entry })
        .execute();
    } else if (this.#dialect === 'postgres') {
      rev = await bumpAndRecordPg(this.trx, entry);
    } else {
      rev = await bump(this.trx, 'revision');
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

/** One statement: the revision bump and the change entry that takes it. */
async function bumpAndRecordPg(trx: Transaction<Database>, e: Entry): Promise<number> {
  const { rows } = await sql<{ rev: number }>`with r as (
      update counters set value = value + 1 where name = 'revision' returning value)
    insert into changes (rev, op, kind, id, org, obj)
    select value, ${e.op}, ${e.kind}, ${e.id}, ${e.org}, ${e.obj} from r returning rev`.execute(trx);
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

/**
 * Runs `fn` in a revisioned write transaction and returns its result. No change recorded → rolled back (with
 * `commitWithoutChange`: committed with the revision given back), no revision used. On PostgreSQL the commit also notifies the other replicas.
 */
export async function revisioned<T>(
  ctx: StoreContext,
  fn: (w: WriteTx) => Promise<T>,
  opts: { commitWithoutChange?: boolean } = {},
): Promise<T> {
  let head = 0;
  let result: T;
  try {
    result = await ctx.db.transaction().execute(async (trx) => {
      const w = new WriteTx(trx, ctx.dialect, await bump(trx, 'revision'), ctx.now().toISOString());
      const out = await fn(w);
      if (w.count === 0 && opts.commitWithoutChange) {
        // Unwatched rows were written (check statuses) but no change entry: give the revision back, keep them.
        await trx
          .updateTable('counters')
          .set((eb) => ({ value: eb('value', '-', 1) }))
          .where('name', '=', 'revision')
          .execute();
        return out;
      }
      if (w.count === 0) throw new NoChange(out);
      head = w.head;
      if (ctx.dialect === 'postgres') {
        await sql`select pg_notify(${NOTIFY_CHANNEL}, ${String(head)})`.execute(trx);
      }
      return out;
    });
  } catch (e) {
    if (e instanceof NoChange) return e.value as T;
    throw e;
  }
  if (head > 0) ctx.committed(head);
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
