// A hot statement built and compiled by Kysely once, then run with each call's values: building and compiling
// the two statements of an instance creation cost ~78 µs of CPU per creation, as much as a small query runs.

import type { CompiledQuery } from 'kysely';
import type { Db } from './schema.ts';

/** Marks where a named value goes; never a value a caller passes (a NUL cannot be sent to PostgreSQL). */
const markerOf = (name: string) => `\u0000sixpn-value:${name}`;

/**
 * `build` (called once, at the first use, with its database and a marker for each name) makes the statement;
 * the function returned gives it with `values` in the markers' places, every other parameter as built. The
 * statement's text must not depend on the values (no lists spread into `in (…)`), nor on the database beyond
 * its dialect: it is the text `build` gave. For one dialect only.
 */
export function compiledOnce<K extends string>(
  names: readonly K[],
  build: (db: Db, values: Record<K, unknown>) => CompiledQuery,
): (db: Db, values: Record<K, unknown>) => CompiledQuery {
  let made: { query: CompiledQuery; slots: (K | undefined)[] } | undefined;
  return (db, values) => {
    if (!made) {
      const byMarker = new Map(names.map((n) => [markerOf(n), n] as const));
      const query = build(db, Object.fromEntries(names.map((n) => [n, markerOf(n)])) as Record<K, unknown>);
      const slots = query.parameters.map((p) => (typeof p === 'string' ? byMarker.get(p) : undefined));
      for (const n of names) {
        if (!slots.includes(n)) throw new Error(`compiledOnce: value '${n}' is not a parameter`);
      }
      made = { query, slots };
    }
    const { query, slots } = made;
    return { ...query, parameters: slots.map((n, i) => (n === undefined ? query.parameters[i] : values[n])) };
  };
}
