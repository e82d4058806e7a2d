// The HTTP seam of the API client: one request over fetch, error bodies mapped to SixpnError with the server's
// code and message, transport failures mapped to `unavailable` with a message that says what to check.

import type { z } from 'zod';
import { codeOfHttpStatus, type ErrorCode, errorCodes, SixpnError } from '../core/errors.ts';
import { ErrorBody } from './schemas.ts';
import { fetchForBaseUrl } from './unix-fetch.ts';

/** `fetch` or anything shaped like it, e.g. `(input, init) => app.request(input, init)` in tests. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface HttpOptions {
  /** Base URL of the control plane, e.g. `http://127.0.0.1:4280`, or `unix:/run/sixpn-lab/api.sock`. */
  baseUrl: string;
  /** Bearer token; omitted for the unauthenticated routes. */
  token?: string | undefined;
  fetch?: FetchLike;
  /** Per-request timeout for ordinary (non-streaming) calls; default 30 s. */
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

/** True when `c` is one of sixpn's error codes (errors.ts). */
export const isErrorCode = (c: string): c is ErrorCode => Object.hasOwn(errorCodes, c);

export class Http {
  readonly baseUrl: string;
  private readonly token: string | undefined;
  private readonly fetchFn: FetchLike;
  private readonly timeoutMs: number;

  constructor(opts: HttpOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.token = opts.token;
    this.fetchFn = opts.fetch ?? fetchForBaseUrl(this.baseUrl);
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  url(path: string, query?: RequestOptions['query']): string {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) params.set(k, String(v));
    const qs = params.toString();
    return `${this.baseUrl}${path}${qs ? `?${qs}` : ''}`;
  }

  /** Sends a request and returns the response when its status is 2xx; throws SixpnError otherwise. */
  async send(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    const url = this.url(path, opts.query);
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    const signals = [opts.signal, opts.stream ? undefined : AbortSignal.timeout(this.timeoutMs)].filter(
      (s): s is AbortSignal => s !== undefined,
    );
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    let res: Response;
    try {
      res = await this.fetchFn(url, { method, headers, ...(body === undefined ? {} : { body }), signal });
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      throw transportError(e, this.baseUrl, this.timeoutMs);
    }
    if (!res.ok) throw await errorOfResponse(res, method, path);
    return res;
  }

  /** Sends a request and parses the JSON answer with `schema`; `undefined` schema means no body (204). */
  async json<T extends z.ZodType>(
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
export async function errorOfResponse(res: Response, method: string, path: string): Promise<SixpnError> {
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
export function transportError(e: unknown, baseUrl: string, timeoutMs: number): SixpnError {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError') {
    return new SixpnError(
      'unavailable',
      `the control plane at ${baseUrl} did not answer within ${timeoutMs / 1000}s; is it overloaded or unreachable?`,
      { cause: e },
    );
  }
  const cause = err?.cause;
  const why = cause?.message || cause?.code || err?.message || String(e);
  return new SixpnError(
    'unavailable',
    `cannot reach the control plane at ${baseUrl}: ${why}; is \`sixpn server\` running?`,
    { cause: e, details: { url: baseUrl, ...(cause?.code ? { reason: cause.code } : {}) } },
  );
}
