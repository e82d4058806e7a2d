// The HTTP seam of the API client: one request over fetch, error bodies mapped to SixpnError with the server's
// code and message, transport failures mapped to `unavailable` with a message that says what to check.

import { codeOfHttpStatus, type ErrorCode, errorCodes, SixpnError } from '../core/errors.ts';
import type * as z from '../core/zod.ts';
import { isCertError, mayTryNext, parseBaseUrls, transportCodeOf } from './endpoints.ts';
import { ErrorBody } from './schemas.ts';
import type { ClientTrust } from './tls-trust.ts';
import { fetchForBaseUrl, lazyHttpsFetch } from './unix-fetch.ts';

/**
 * What the client uses of an answer's streamed body: read chunks in order, or cancel (which also ends a read
 * under way). A fetch `ReadableStream` is one; node-fetch.ts's is lighter (no web streams in a daemon).
 */
export interface BodyStream {
  getReader(): {
    read(): Promise<{ done: true; value?: undefined } | { done: false; value: Uint8Array }>;
    cancel(reason?: unknown): Promise<void>;
  };
  cancel(reason?: unknown): Promise<void>;
}

/** What the client reads of an answer: node-fetch.ts's answer over node:http(s), or a fetch `Response` (tests). */
export interface HttpResponse extends Pick<Response, 'ok' | 'status' | 'statusText' | 'text' | 'json'> {
  readonly headers: Pick<Headers, 'get'>;
  readonly body: BodyStream | null;
}

/** `fetch` or anything shaped like it, e.g. `(input, init) => app.request(input, init)` in tests. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<HttpResponse>;

/** A token, or where to read the current one (on each request). */
export type TokenSource = string | (() => string);

export interface HttpOptions {
  /**
   * Base URL of the control plane, e.g. `http://127.0.0.1:4280`, or `unix:/run/sixpn-lab/api.sock`. Several
   * replicas: a comma-separated list or an array; a request that fails on one goes on to the next (see
   * {@link Http.send}), and the client stays with the one that answered.
   */
  baseUrl: string | readonly string[];
  /** Bearer token, or a function read on every request (a token file the operator may replace); omitted for the unauthenticated routes. */
  token?: TokenSource | undefined;
  /** Used for every URL of the list when given. */
  fetch?: FetchLike;
  /** How `https:` URLs are verified: system CAs (default), a CA file's PEM, or a pinned CA fingerprint. */
  tls?: ClientTrust | undefined;
  /** Per-request timeout for ordinary (non-streaming) calls; default 30 s (per replica tried). */
  timeoutMs?: number;
}

export interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  signal?: AbortSignal | undefined;
  headers?: Record<string, string>;
  /** No timeout (watch streams). */
  stream?: boolean;
}

/** The header that makes a POST safe to send again (to another replica): the server answers a repeat once. */
const IDEMPOTENCY_KEY = 'idempotency-key';

/** `opts` with an Idempotency-Key: the caller's, or a new random one shared by every try of this request. */
function withIdempotencyKey(opts: RequestOptions): RequestOptions {
  if (opts.headers?.[IDEMPOTENCY_KEY] !== undefined) return opts;
  // node:crypto taken when a POST needs it: loading it costs a CLI run that only reads ~10 ms
  const key = process.getBuiltinModule('node:crypto').randomUUID();
  return { ...opts, headers: { ...opts.headers, [IDEMPOTENCY_KEY]: key } };
}

/** True when `c` is one of sixpn's error codes (errors.ts). */
export const isErrorCode = (c: string): c is ErrorCode => Object.hasOwn(errorCodes, c);

/** One try on one URL: the answer, or the error with whether a server answered and whether to go on. */
type Attempt = { res: HttpResponse } | Failure;
interface Failure {
  error: SixpnError;
  answered: boolean;
  next: boolean;
}

export class Http {
  /** Every control-plane URL this client may use, in the order given. */
  readonly urls: readonly string[];
  private readonly token: TokenSource | undefined;
  private readonly fetchFns: readonly FetchLike[];
  private readonly timeoutMs: number;
  /** Index of the URL the next request goes to first: the last one that answered. */
  private current = 0;

  constructor(opts: HttpOptions) {
    this.urls = parseBaseUrls(opts.baseUrl);
    this.token = opts.token;
    const https = lazyHttpsFetch(opts.tls ?? {}); // one per client: its connections are kept alive
    this.fetchFns = this.urls.map(
      (u) => opts.fetch ?? (u.startsWith('https:') ? https : fetchForBaseUrl(u, opts.tls)),
    );
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  /** The URL requests go to now (the first of the list until one fails). */
  get baseUrl(): string {
    return this.urls[this.current] as string;
  }

  /**
   * Tells the client that `url` just failed outside a request (a watch stream broke): the next request starts
   * at the following URL. Does nothing when another request already moved on, or with one URL.
   */
  moveOn(url: string): void {
    if (this.urls.length > 1 && this.baseUrl === url) this.current = (this.current + 1) % this.urls.length;
  }

  url(path: string, query?: RequestOptions['query'], base = this.baseUrl): string {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) params.set(k, String(v));
    const qs = params.toString();
    return `${base}${path}${qs ? `?${qs}` : ''}`;
  }

  /**
   * Sends a request and returns the response when its status is 2xx; throws SixpnError otherwise. With
   * several URLs, a transport failure or a 500/502/503/504 moves on to the next URL — for a POST only when the
   * request never left this machine (refused, unreachable), so a create is never sent twice — and each URL is
   * tried at most once per request.
   */
  async send(method: string, path: string, o: RequestOptions = {}): Promise<HttpResponse> {
    const opts = method === 'POST' ? withIdempotencyKey(o) : o;
    const n = this.urls.length;
    const start = this.current;
    const failures: Failure[] = [];
    for (let i = 0; i < n; i++) {
      const k = (start + i) % n;
      const r = await this.attempt(k, method, path, opts);
      if ('res' in r) {
        this.current = k;
        return r.res;
      }
      failures.push(r);
      if (n > 1 && this.current === k) this.current = (k + 1) % n;
      if (!r.next) throw r.error;
    }
    throw allFailed(failures, this.urls);
  }

  private async attempt(k: number, method: string, path: string, opts: RequestOptions): Promise<Attempt> {
    const base = this.urls[k] as string;
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
    const token = typeof this.token === 'function' ? this.token() : this.token;
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    const signals = [opts.signal, opts.stream ? undefined : AbortSignal.timeout(this.timeoutMs)].filter(
      (s): s is AbortSignal => s !== undefined,
    );
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    const fetchFn = this.fetchFns[k] as FetchLike;
    let res: HttpResponse;
    try {
      res = await fetchFn(this.url(path, opts.query, base), {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        signal,
      });
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      const error = transportError(e, base, this.timeoutMs, method);
      const keyed = opts.headers?.[IDEMPOTENCY_KEY] !== undefined;
      return { error, answered: false, next: mayTryNext(method, { transport: transportCodeOf(e) }, keyed) };
    }
    if (res.ok) return { res };
    const error = await errorOfResponse(res, method, path);
    const keyed = opts.headers?.[IDEMPOTENCY_KEY] !== undefined;
    return { error, answered: true, next: mayTryNext(method, { status: res.status }, keyed) };
  }

  /** Sends a request and parses the JSON answer with `schema`; `undefined` schema means no body (204). */
  async json<T extends z.ZodMiniType>(
    method: string,
    path: string,
    schema: T,
    opts?: RequestOptions,
  ): Promise<z.infer<T>> {
    const res = await this.send(method, path, opts);
    let data: unknown;
    try {
      data = await res.json();
    } catch (e) {
      throw new SixpnError(
        'internal',
        `the control plane answered ${method} ${path} with a body that is not JSON`,
        {
          cause: e,
        },
      );
    }
    const r = schema.safeParse(data);
    if (!r.success) {
      const issue = r.error.issues[0];
      const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
      throw new SixpnError(
        'internal',
        `unexpected answer from the control plane to ${method} ${path}: ${where}${issue?.message ?? 'invalid'}; is the CLI the same version as the server?`,
      );
    }
    return r.data;
  }

  /** Sends a request whose success has no body (204). */
  async empty(method: string, path: string, opts?: RequestOptions): Promise<void> {
    const res = await this.send(method, path, opts);
    await res.body?.cancel();
  }
}

/** A failing response as SixpnError: the server's code and message when the body has them. */
export async function errorOfResponse(res: HttpResponse, method: string, path: string): Promise<SixpnError> {
  let text = '';
  try {
    text = await res.text();
  } catch {
    // the status alone will do
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const body = ErrorBody.safeParse(parsed);
  if (body.success) {
    const { code, message, details } = body.data.error;
    return new SixpnError(
      isErrorCode(code) ? code : codeOfHttpStatus(res.status),
      message,
      details ? { details } : {},
    );
  }
  const snippet = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  return new SixpnError(
    codeOfHttpStatus(res.status),
    `the control plane answered ${method} ${path} with HTTP ${res.status}${snippet ? `: ${snippet}` : ''}`,
    { details: { status: res.status } },
  );
}

/** A fetch that failed before any response (refused, DNS, reset, timeout) as `unavailable`. */
export function transportError(e: unknown, baseUrl: string, timeoutMs: number, method = 'GET'): SixpnError {
  if (e instanceof SixpnError) return e; // already says what is wrong (a pinned CA that does not match)
  if (isCertError(e) || isCertError((e as { cause?: unknown })?.cause)) {
    const code = (e as { code?: string }).code ?? (e as { cause?: { code?: string } }).cause?.code;
    return new SixpnError(
      'unavailable',
      `the control plane at ${baseUrl} presents a certificate this client does not trust (${code}): give its CA with --ca FILE or SIXPN_CA, or pin it with SIXPN_CA_FINGERPRINT=sha256:… (\`sixpn server\` prints it at start), or run \`sixpn login\` to trust it on first use`,
      { cause: e, details: { url: baseUrl, reason: code } },
    );
  }
  const err = e as {
    name?: string;
    code?: string;
    message?: string;
    cause?: { code?: string; message?: string };
  };
  if (err?.name === 'TimeoutError') {
    return new SixpnError(
      'unavailable',
      `the control plane at ${baseUrl} did not answer within ${timeoutMs / 1000}s; is it overloaded or unreachable?${method === 'GET' || method === 'HEAD' ? '' : ' The change may still have been applied: check before you repeat it'}`,
      { cause: e },
    );
  }
  const inner = err?.cause ?? err; // undici's fetch wraps the socket error in `cause`; node:http throws it
  const why = inner?.message || inner?.code || err?.message || String(e);
  const reason = transportCodeOf(e);
  return new SixpnError(
    'unavailable',
    `cannot reach the control plane at ${baseUrl}: ${why}; is \`sixpn server\` running?`,
    { cause: e, details: { url: baseUrl, ...(reason ? { reason } : {}) } },
  );
}

/** The error when every URL failed: the last server answer if any (it says most), else every transport failure. */
function allFailed(failures: Failure[], urls: readonly string[]): SixpnError {
  const answered = failures.filter((f) => f.answered);
  const last = (answered.at(-1) ?? failures.at(-1)) as Failure;
  if (failures.length === 1 || answered.length > 0) return last.error;
  const why = failures.map((f) => f.error.message.replace(/; is `sixpn server` running\?$/, '')).join('; ');
  return new SixpnError(
    'unavailable',
    `no control plane of ${urls.join(', ')} answered: ${why}; is \`sixpn server\` running on any of them?`,
    { cause: last.error, details: { urls: [...urls] } },
  );
}
