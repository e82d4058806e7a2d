// Recognizes database errors the store turns into its own: unique-constraint violations from both backends
// (SQLite `SQLITE_CONSTRAINT_UNIQUE`, PostgreSQL `23505`) → `already_exists`, and a lost or refused PostgreSQL
// connection → `unavailable`.

import { SixpnError } from '../../core/errors.ts';

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

/** True when `e` is a foreign-key violation: a row referred to was deleted by a write that committed first. */
export function isForeignKeyViolation(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const code = field(e, 'code');
  return code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503';
}

/**
 * Returns the error to throw for `e`: the caller's `already_exists` error when `e` is a unique violation
 * (`make` may look at which constraint failed), else `e` unchanged.
 */
export function conflictAs(e: unknown, make: (v: UniqueViolation) => SixpnError): unknown {
  const v = uniqueViolation(e);
  return v ? make(v) : e;
}

/** SQLSTATEs of a lost or refused connection: class 08, and a server shutting down, crashed or starting up. */
const CONNECTION_STATES = /^(08...|57P0[123])$/;

/** Socket errors of a database that cannot be reached. */
const SOCKET_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENOENT',
]);

/** What pg says, without a code, when a connection ends or cannot be made in time. */
const CONNECTION_MESSAGES =
  /^(Connection terminated|Client has encountered a connection error|Client was closed|timeout exceeded when trying to connect|Query read timeout)/;

/** True when `e` says the database connection was lost or could not be made (not a failed statement). */
export function isConnectionError(e: unknown): boolean {
  if (typeof e !== 'object' || e === null || e instanceof SixpnError) return false;
  const code = field(e, 'code');
  if (code !== undefined && (CONNECTION_STATES.test(code) || SOCKET_CODES.has(code))) return true;
  return CONNECTION_MESSAGES.test(field(e, 'message') ?? '');
}

/**
 * `e` as `unavailable` when the database connection was lost or refused, else `e` unchanged. The message
 * reaches API callers: it names no host, and warns that a write that failed this way may have committed.
 */
export function unavailableIfConnection(e: unknown): unknown {
  if (!isConnectionError(e)) return e;
  // A socket error's message names the database host (`connect ECONNREFUSED 10.0.0.5:5432`): give only its code.
  const code = field(e as object, 'code');
  const why = code && SOCKET_CODES.has(code) ? code : (field(e as object, 'message') ?? 'connection lost');
  return new SixpnError(
    'unavailable',
    `the control plane's database is unreachable (${why}); try again in a moment — a write that failed ` +
      'this way may still have been applied, so check before repeating it',
    { cause: e },
  );
}

/**
 * True when `e` is an error of the statement itself (a SQLSTATE that is not a lost connection): it rolled back,
 * and what it wrote for a group may be written again one item at a time (`group-commit.ts`). A connection lost
 * during the commit may have committed, so it is every item's answer as it is for a single write.
 */
export function rolledBack(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const code = field(e, 'code');
  return code !== undefined && /^[0-9A-Z]{5}$/.test(code) && !isConnectionError(e);
}
