// One request over node:http or node:https as a fetch-shaped answer (HttpResponse): the shape unix-socket and
// HTTPS-with-our-own-trust requests share (the global fetch can take neither a socket path nor a CA or pin).
// Response bodies stream. No fetch `Headers`/`Response`: those load undici, ~8 MB RSS in a long-running agent.

import type { ClientRequest, IncomingHttpHeaders, IncomingMessage, RequestOptions } from 'node:http';
import { nodeHttp } from '../lib/node-http.ts';
import type { BodyStream, HttpResponse } from './http.ts';

/** Request headers as one lower-case record (what `new Headers(init)` would hold). */
function headerRecord(init: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (init === undefined) return out;
  const pairs: Iterable<readonly [string, string]> =
    Symbol.iterator in init
      ? (init as Iterable<readonly [string, string]>)
      : Object.entries(init as Record<string, string>);
  for (const [k, v] of pairs) {
    const key = k.toLowerCase();
    out[key] = out[key] === undefined ? v : `${out[key]}, ${v}`;
  }
  return out;
}

/**
 * A response body over node's stream, shaped like the part of a web ReadableStream the client uses: reading it
 * loads none of node's web streams (~1 MiB of an idle agent's memory, and ~5 ms of a CLI start).
 */
class NodeBody implements BodyStream {
  #chunks: AsyncIterator<Buffer> | undefined;
  constructor(private readonly res: IncomingMessage) {}
  getReader() {
    this.#chunks ??= this.res[Symbol.asyncIterator]();
    const chunks = this.#chunks;
    return {
      read: async () => {
        const r = await chunks.next();
        return r.done ? { done: true as const } : { done: false as const, value: r.value as Uint8Array };
      },
      cancel: () => this.cancel(),
    };
  }
  async cancel(): Promise<void> {
    this.res.destroy();
  }
}

/** The answer of {@link nodeRequest}: status, headers and a body read once as text or JSON, or streamed. */
class NodeResponse implements HttpResponse {
  readonly ok: boolean;
  readonly headers: Pick<Headers, 'get'>;
  readonly body: NodeBody | null;
  constructor(
    readonly status: number,
    readonly statusText: string,
    raw: IncomingHttpHeaders,
    private readonly res: IncomingMessage | null,
  ) {
    this.ok = status >= 200 && status <= 299;
    this.headers = {
      get: (name) => {
        const v = raw[name.toLowerCase()];
        return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
      },
    };
    this.body = res && new NodeBody(res);
  }
  async text(): Promise<string> {
    if (!this.res) return '';
    const chunks: Uint8Array[] = [];
    for await (const c of this.res) chunks.push(c);
    return Buffer.concat(chunks).toString('utf8');
  }
  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
}

/** Where a request to `u` goes, as node:http(s) takes it: the host without an IPv6 literal's brackets, the port. */
export function targetOf(u: URL, defaultPort: number): RequestOptions {
  return {
    hostname: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port || defaultPort,
    path: `${u.pathname}${u.search}`,
  };
}

/**
 * Sends `init` with node:http's `request` (or node:https's, given as `send`) to `target` (socket path or host, port, path, agent,
 * TLS options) and resolves with the response; rejects with `init.signal`'s reason when it aborts (as fetch
 * does), which also ends a streaming body.
 */
export function nodeRequest(
  target: RequestOptions,
  init: RequestInit = {},
  send: typeof nodeHttp.request = nodeHttp.request,
): Promise<HttpResponse> {
  return new Promise<HttpResponse>((resolve, reject) => {
    const signal = init.signal ?? undefined;
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const headers = headerRecord(init.headers);
    const body = typeof init.body === 'string' ? init.body : undefined;
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const req: ClientRequest = send({
      ...target,
      method: init.method ?? 'GET',
      headers: { ...headers, ...(target.headers as Record<string, string>) },
    });
    const onAbort = () => req.destroy(signal?.reason as Error);
    signal?.addEventListener('abort', onAbort, { once: true });
    req.once('error', (e) => {
      signal?.removeEventListener('abort', onAbort);
      reject(signal?.aborted ? signal.reason : e);
    });
    req.once('response', (res) => {
      const status = res.statusCode ?? 500;
      const noBody = status === 204 || status === 304 || init.method === 'HEAD';
      if (noBody) {
        res.resume();
        signal?.removeEventListener('abort', onAbort);
      } else {
        res.once('close', () => signal?.removeEventListener('abort', onAbort));
      }
      resolve(new NodeResponse(status, res.statusMessage ?? '', res.headers, noBody ? null : res));
    });
    req.end(body);
  });
}
