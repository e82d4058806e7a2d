// Recognizes unique-constraint violations from both backends (SQLite `SQLITE_CONSTRAINT_UNIQUE`, PostgreSQL
// `23505`) so the store can turn them into one `already_exists` error.

import type { SixpnError } from '../../core/errors.ts';

export interface UniqueViolation {
  /** What the database named: `orgs.name` (SQLite) or a constraint like `orgs_name_key` (PostgreSQL). */
  target: string;
}

function field(e: object, key: string): string | undefined {
  const v = (e as Record<string, unknown>)[key];
  return typeof v === 'string' ? v : undefined;
}

export function uniqueViolation(e: unknown): UniqueViolation | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const code = field(e, 'code');
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    const m = /constraint failed: (.*)$/.exec(field(e, 'message') ?? '');
    return { target: m?.[1] ?? '' };
  }
  if (code === '23505') return { target: field(e, 'constraint') ?? '' };
  return undefined;
}

/**
 * Returns the error to throw for `e`: the caller's `already_exists` error when `e` is a unique violation
 * (`make` may look at which constraint failed), else `e` unchanged.
 */
export function conflictAs(e: unknown, make: (v: UniqueViolation) => SixpnError): unknown {
  const v = uniqueViolation(e);
  return v ? make(v) : e;
}
