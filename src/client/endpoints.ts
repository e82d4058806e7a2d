// Several control-plane URLs (replicas sharing one PostgreSQL): the list a client is given, and when a failed
// request may be sent again to the next replica without risking that a change is applied twice. Pure.

/** `http://a:4280,http://b:4280` or an array of URLs → trimmed base URLs without trailing slashes. */
export function parseBaseUrls(baseUrl: string | readonly string[]): string[] {
  const list = typeof baseUrl === 'string' ? baseUrl.split(',') : [...baseUrl];
  const urls = list.map((u) => u.trim().replace(/\/+$/, '')).filter((u) => u !== '');
  if (urls.length === 0) throw new TypeError(`no control-plane URL in '${String(baseUrl)}'`);
  return urls;
}

/** Answers that say this replica cannot serve the request now, while another one may. */
const FAILOVER_STATUSES: ReadonlySet<number> = new Set([500, 502, 503, 504]);

/** Methods whose repetition on another replica cannot apply a change twice. */
const IDEMPOTENT: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** Socket errors raised before the request was sent: no replica saw it, so any method may go elsewhere. */
const NOT_SENT: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
  'ENOENT', // a unix socket that is not there
]);

/** How one attempt failed: an HTTP status, or a transport error with its `code` (ECONNREFUSED, …) if any. */
export type AttemptFailure = { status: number } | { transport: string | undefined };

/** The errno-style code of a failed fetch: undici puts it on `cause`, node:http on the error itself. */
export function transportCodeOf(e: unknown): string | undefined {
  const err = e as { code?: unknown; cause?: { code?: unknown } } | undefined;
  const code = err?.cause?.code ?? err?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Whether a request that failed this way on one replica should be tried on the next one. Idempotent methods, and
 * a POST that carries an Idempotency-Key (`keyed`: the server answers a repeat with the first answer), go on
 * after any transport failure or a 500/502/503/504; any other POST only when it never left this machine (the
 * first replica may have committed it before the connection broke, and a second try would create a second object).
 */
export function mayTryNext(method: string, failure: AttemptFailure, keyed = false): boolean {
  const safe = keyed || IDEMPOTENT.has(method);
  if ('status' in failure) return FAILOVER_STATUSES.has(failure.status) && safe;
  if (safe) return true;
  return failure.transport !== undefined && NOT_SENT.has(failure.transport);
}

/** OpenSSL's verification failures as Node reports them (`code` on the error). */
const CERT_ERRORS = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** True when `e` is a failed certificate verification. */
export const isCertError = (e: unknown) => CERT_ERRORS.has(String((e as { code?: unknown })?.code));
