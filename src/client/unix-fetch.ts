// A FetchLike over a unix socket (node:http with `socketPath`) for `unix:/path/to.sock` base URLs: the lab's
// control plane listens inside a namespace and reaches the CLI through /run/sixpn-lab/api.sock. Response
// bodies stream, so the watch stream works over it too.

import { request } from 'node:http';
import { Readable } from 'node:stream';
import type { FetchLike } from './http.ts';

/** True for base URLs like `unix:/run/sixpn-lab/api.sock`. */
export const isUnixUrl = (url: string) => url.startsWith('unix:/');

/** The socket path of a `unix:` base URL. */
export const socketPathOf = (baseUrl: string) => baseUrl.slice('unix:'.length).replace(/\/+$/, '');

/**
 * A fetch that sends every request to the unix socket `socketPath`. Request URLs are the base URL
 * `unix:<socketPath>` followed by the path and query (what Http.url builds); plain `http://…` URLs are sent
 * there by their path too. Honours `init.signal` (aborting also ends a streaming body).
 */
export function unixFetch(socketPath: string): FetchLike {
  const prefix = `unix:${socketPath}`;
  return (input, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const path = input.startsWith(prefix)
        ? input.slice(prefix.length) || '/'
        : (() => {
            const u = new URL(input);
            return `${u.pathname}${u.search}`;
          })();
      const headers = new Headers(init.headers);
      headers.set('host', 'localhost');
      const body = typeof init.body === 'string' ? init.body : undefined;
      if (body !== undefined) headers.set('content-length', String(Buffer.byteLength(body)));
      const req = request({
        socketPath,
        path,
        method: init.method ?? 'GET',
        headers: Object.fromEntries(headers),
        ...(init.signal ? { signal: init.signal } : {}),
      });
      req.once('error', reject);
      req.once('response', (res) => {
        const status = res.statusCode ?? 500;
        const resHeaders = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          if (Array.isArray(v)) for (const x of v) resHeaders.append(k, x);
          else if (v !== undefined) resHeaders.set(k, v);
        }
        const noBody = status === 204 || status === 304 || init.method === 'HEAD';
        if (noBody) res.resume();
        const stream = noBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
        resolve(new Response(stream, { status, statusText: res.statusMessage ?? '', headers: resHeaders }));
      });
      req.end(body);
    });
}

/** The fetch for a base URL: {@link unixFetch} for `unix:` URLs, the global fetch otherwise. */
export function fetchForBaseUrl(baseUrl: string): FetchLike {
  return isUnixUrl(baseUrl) ? unixFetch(socketPathOf(baseUrl)) : (input, init) => fetch(input, init);
}
