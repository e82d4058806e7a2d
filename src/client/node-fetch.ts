// One request over node:http or node:https as a fetch Response: the shape unix-socket and HTTPS-with-our-own-trust
// requests share (the global fetch can take neither a socket path nor a CA or pin). Response bodies stream.

import { type ClientRequest, request as httpRequest, type RequestOptions } from 'node:http';
import { Readable } from 'node:stream';

/**
 * Sends `init` with node:http's `request` (or node:https's, given as `send`) to `target` (socket path or host, port, path, agent,
 * TLS options) and resolves with the response; rejects with `init.signal`'s reason when it aborts (as fetch
 * does), which also ends a streaming body.
 */
export function nodeRequest(
  target: RequestOptions,
  init: RequestInit = {},
  send: typeof httpRequest = httpRequest,
): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    const signal = init.signal ?? undefined;
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const headers = new Headers(init.headers);
    const body = typeof init.body === 'string' ? init.body : undefined;
    if (body !== undefined) headers.set('content-length', String(Buffer.byteLength(body)));
    const req: ClientRequest = send({
      ...target,
      method: init.method ?? 'GET',
      headers: { ...Object.fromEntries(headers), ...(target.headers as Record<string, string>) },
    });
    const onAbort = () => req.destroy(signal?.reason as Error);
    signal?.addEventListener('abort', onAbort, { once: true });
    req.once('error', (e) => {
      signal?.removeEventListener('abort', onAbort);
      reject(signal?.aborted ? signal.reason : e);
    });
    req.once('response', (res) => {
      const status = res.statusCode ?? 500;
      const resHeaders = new Headers();
      for (const [k, v] of Object.entries(res.headers)) {
        if (Array.isArray(v)) for (const x of v) resHeaders.append(k, x);
        else if (v !== undefined) resHeaders.set(k, v);
      }
      const noBody = status === 204 || status === 304 || init.method === 'HEAD';
      if (noBody) {
        res.resume();
        signal?.removeEventListener('abort', onAbort);
      } else {
        res.once('close', () => signal?.removeEventListener('abort', onAbort));
      }
      const stream = noBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
      resolve(new Response(stream, { status, statusText: res.statusMessage ?? '', headers: resHeaders }));
    });
    req.end(body);
  });
}
