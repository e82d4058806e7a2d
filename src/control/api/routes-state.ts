// Routes for reading state: who am I, the snapshot, and the watch stream (NDJSON or SSE) that resumes by revision.

import { z } from 'zod';
import { forbidden, type Principal } from '../auth.ts';
import type { Scope } from '../store/store.ts';
import type { WatchEvent } from '../watch-hub.ts';
import { ALL_KINDS, type RouteSpec, route } from './route.ts';
import { WatchQuery } from './schemas.ts';
import { textStream } from './text-stream.ts';

const SNAPSHOT_READERS = ['admin', 'org', 'host', 'gateway'] as const;

/** What state a caller may read: everything for admins, hosts and gateways; its own org for org tokens. */
export function scopeOf(p: Principal): Scope {
  if (p.kind === 'org') return { org: p.org ?? '' };
  if (p.kind === 'peer') throw forbidden(p);
  return {};
}

const encoder = new TextEncoder();

const REVOKED =
  'the token of this stream no longer authenticates (revoked, rotated or expired); reconnect with a valid one';

function frame(ev: WatchEvent | { error: { code: string; message: string } }, sse: boolean): Uint8Array {
  const json = JSON.stringify('change' in ev ? ev.change : ev);
  if (!sse) return encoder.encode(`${json}\n`);
  const type = 'change' in ev ? 'change' : 'heartbeat' in ev ? 'heartbeat' : 'error';
  const id = 'change' in ev ? `id: ${ev.change.rev}\n` : '';
  return encoder.encode(`${id}event: ${type}\ndata: ${json}\n\n`);
}

export const stateRoutes: RouteSpec[] = [
  route({
    method: 'get',
    path: '/v1/whoami',
    summary: "The caller's token: kind and scope",
    tag: 'state',
    allow: ALL_KINDS,
    response: z.object({
      kind: z.string(),
      name: z.string(),
      org: z.string().nullable(),
      network: z.string().nullable(),
      host: z.string().nullable(),
      expires_at: z.string().nullable(),
    }),
    handle: async ({ principal: p }) => ({
      kind: p.kind,
      name: p.name,
      org: p.org,
      network: p.network,
      host: p.host,
      expires_at: p.expiresAt,
    }),
  }),
  route({
    method: 'get',
    path: '/v1/snapshot',
    summary: 'The whole state the caller may see, and the revision it is at',
    tag: 'state',
    allow: SNAPSHOT_READERS,
    // Streamed from its JSON text: the whole state is never held as objects, nor as one string.
    handle: async ({ principal, deps }) =>
      new Response(await textStream(deps.store.snapshotJson(scopeOf(principal))), {
        headers: { 'content-type': 'application/json' },
      }),
  }),
  route({
    method: 'get',
    path: '/v1/watch',
    summary:
      'Every change after `since`, in order, as it commits (NDJSON; SSE with Accept: text/event-stream)',
    tag: 'state',
    allow: SNAPSHOT_READERS,
    query: WatchQuery,
    stream: true,
    handle: async ({ principal, query, deps, req, stillValid }) => {
      const scope = scopeOf(principal);
      await deps.hub.validate(query.since, scope);
      const sse = (req.headers.get('accept') ?? '').includes('text/event-stream');
      const abort = new AbortController();
      req.signal.addEventListener('abort', () => abort.abort(), { once: true });
      const events = deps.hub.stream(query.since, scope, abort.signal);
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          try {
            const next = await events.next();
            if (next.done) controller.close();
            else if ('heartbeat' in next.value && !(await stillValid())) {
              // A token revoked, rotated or expired since the stream opened: the client reconnects with its
              // current token (a rotated host's agent reads its token file again), or hears the 401.
              controller.enqueue(frame({ error: { code: 'unavailable', message: REVOKED } }, sse));
              controller.close();
              abort.abort();
              await events.return(undefined);
            } else controller.enqueue(frame(next.value, sse));
          } catch (err) {
            const e = err as { code?: string; message?: string };
            controller.enqueue(
              frame({ error: { code: e.code ?? 'internal', message: e.message ?? 'error' } }, sse),
            );
            controller.close();
          }
        },
        async cancel() {
          abort.abort();
          await events.return(undefined);
        },
      });
      return new Response(body, {
        headers: {
          'content-type': sse ? 'text/event-stream' : 'application/x-ndjson',
          'cache-control': 'no-store',
          'x-accel-buffering': 'no',
        },
      });
    },
  }),
];
