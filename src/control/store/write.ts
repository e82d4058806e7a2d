// Write transactions. Each revisioned write first bumps the `revision` counter row: that row lock serializes
// writers, so revisions commit in strictly increasing order and a reader of `rev > X` never misses a lower
// revision that commits later. A transaction that records no change rolls back and writes no revision.

import { type Kysely, sql, type Transaction } from 'kysely';
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
  /** Called after a local commit that wrote changes, with the new head revision. */
  readonly committed: (head: number) => void;
}

/** An open revisioned write: records change entries with consecutive revisions. */
export class WriteTx {
  readonly trx: Transaction<Database>;
  /** The transaction's clock reading, ISO-8601: every timestamp it writes. */
  readonly at: string;
  #next: number;
  #count = 0;

  constructor(trx: Transaction<Database>, firstRev: number, at: string) {
    this.trx = trx;
    this.#next = firstRev;
    this.at = at;
  }

  /** How many change entries this transaction wrote so far. */
  get count(): number {
    return this.#count;
  }

  /** The revision of the last entry written (the head once committed). */
  get head(): number {
    return this.#next - 1;
  }

  /** Writes one change entry with the next revision; `obj` is the object after a put, before a delete. */
  async record<K extends EntityKind>(
    op: 'put' | 'delete',
    kind: K,
    obj: EntityOf[K],
    org: string | null,
  ): Promise<number> {
    // The first revision was bumped when the transaction began; each further entry bumps again.
    const rev = this.#count === 0 ? this.#next : await bump(this.trx, 'revision');
    await this.trx
      .insertInto('changes')
      .values({ rev, op, kind, id: entityId(kind, obj), org, obj: JSON.stringify(obj) })
      .execute();
    this.#count++;
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
 * Runs `fn` in a revisioned write transaction and returns its result. No change recorded → rolled back, no
 * revision used. On PostgreSQL the commit also notifies the other replicas.
 */
export async function revisioned<T>(ctx: StoreContext, fn: (w: WriteTx) => Promise<T>): Promise<T> {
  let head = 0;
  let result: T;
  try {
    result = await ctx.db.transaction().execute(async (trx) => {
      const first = await bump(trx, 'revision');
      const w = new WriteTx(trx, first, ctx.now().toISOString());
      const out = await fn(w);
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
