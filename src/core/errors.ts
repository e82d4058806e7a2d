// Errors with a stable code, and the one table that maps each code to HTTP status, DNS rcode and CLI exit code.

/** Every error code sixpn raises. Stable: clients and tests match on these, never on messages. */
export const errorCodes = {
  invalid_argument: { http: 400, exit: 2, rcode: 'FORMERR' },
  unauthenticated: { http: 401, exit: 3, rcode: 'REFUSED' },
  permission_denied: { http: 403, exit: 3, rcode: 'REFUSED' },
  not_found: { http: 404, exit: 4, rcode: 'NXDOMAIN' },
  already_exists: { http: 409, exit: 5, rcode: 'SERVFAIL' },
  failed_precondition: { http: 409, exit: 5, rcode: 'SERVFAIL' },
  resync_required: { http: 410, exit: 6, rcode: 'SERVFAIL' },
  payload_too_large: { http: 413, exit: 2, rcode: 'FORMERR' },
  resource_exhausted: { http: 507, exit: 7, rcode: 'SERVFAIL' },
  unavailable: { http: 503, exit: 8, rcode: 'SERVFAIL' },
  internal: { http: 500, exit: 1, rcode: 'SERVFAIL' },
} as const;

export type ErrorCode = keyof typeof errorCodes;

export interface ErrorOptions {
  cause?: unknown;
  /** Machine-readable detail, e.g. `{ field: 'name' }`; safe to show to the caller. */
  details?: Record<string, unknown>;
}

/**
 * A failure with a stable code. `message` is for humans: it says what was wrong and what to do.
 * Never put secrets in message or details; both reach API clients.
 */
export class SixpnError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SixpnError';
    this.code = code;
    this.details = options.details;
  }
}

export const isSixpnError = (e: unknown): e is SixpnError => e instanceof SixpnError;

export const httpStatusOf = (code: ErrorCode): number => errorCodes[code].http;
export const exitCodeOf = (code: ErrorCode): number => errorCodes[code].exit;

/** The code for an HTTP status from the API, for clients that only see the wire. */
export function codeOfHttpStatus(status: number): ErrorCode {
  for (const [code, m] of Object.entries(errorCodes)) if (m.http === status) return code as ErrorCode;
  if (status >= 500) return 'unavailable';
  return 'invalid_argument';
}

/** Shorthands for the common cases; each returns (does not throw) so call sites read `throw notFound(…)`. */
export const invalid = (message: string, details?: Record<string, unknown>) =>
  new SixpnError('invalid_argument', message, details ? { details } : {});
export const notFound = (what: string, name: string) =>
  new SixpnError('not_found', `${what} '${name}' not found`, { details: { kind: what, name } });
export const alreadyExists = (what: string, name: string) =>
  new SixpnError('already_exists', `${what} '${name}' already exists; choose another name`, {
    details: { kind: what, name },
  });
