// The HTTP handler of the agent's local socket (AGENT-SOCKET.md): request → answer over the agent's workloads,
// errors as the API's `{"error": {"code", "message"}}`. No token: the socket's permissions (root, 0600) are the
// authentication. The server around it is socket-server.ts. Plain shapes, not fetch's Request/Response: those
// load undici (~8 MB RSS) into the agent for nothing.

import { httpStatusOf, isSixpnError, SixpnError } from '../core/errors.ts';
import { parseCreateBody } from './workload-protocol.ts';
import type { Workloads } from './workloads.ts';

export interface SocketDeps {
  workloads: Pick<Workloads, 'create' | 'byKey' | 'view' | 'remove'>;
  health(): { ok: boolean; host: string; region: string; synced: boolean };
}

/** What the handler reads of a request (a fetch `Request` has it). */
export interface SocketRequest {
  readonly method: string;
  /** Absolute: `http://agent/v1/…`. */
  readonly url: string;
  text(): Promise<string>;
}

export interface SocketAnswer {
  status: number;
  headers: Record<string, string>;
  /** Empty for 204. */
  body: string;
}

/** Bodies larger than this are refused (a create body is a few hundred bytes). */
export const MAX_SOCKET_BODY = 16 * 1024;

const json = (status: number, body: unknown): SocketAnswer =>
  status === 204
    ? { status, headers: {}, body: '' }
    : { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };

export function errorResponse(e: unknown): SocketAnswer {
  const err = isSixpnError(e) ? e : new SixpnError('internal', `internal error: ${String(e)}`);
  return json(httpStatusOf(err.code), { error: { code: err.code, message: err.message } });
}

const BY_KEY = '/v1/instances/by-key/';

function keyOf(pathname: string): string {
  try {
    return decodeURIComponent(pathname.slice(BY_KEY.length));
  } catch {
    throw new SixpnError('invalid_argument', 'the key in the path is not URL-encoded text', {
      details: { field: 'key' },
    });
  }
}

function notFound(what: string): SixpnError {
  return new SixpnError('not_found', what);
}

async function route(req: SocketRequest, d: SocketDeps): Promise<SocketAnswer> {
  const u = new URL(req.url);
  const m = req.method;
  if (u.pathname === '/v1/health' && m === 'GET') return json(200, d.health());
  if (u.pathname === '/v1/instances' && m === 'POST') {
    if (!d.health().synced)
      throw new SixpnError('unavailable', 'the agent has not synced with the control plane yet; retry');
    const text = await req.text();
    if (text.length > MAX_SOCKET_BODY) throw new SixpnError('payload_too_large', 'the body is over 16 KiB');
    const r = await d.workloads.create(parseCreateBody(text));
    return json(r.status, r.view);
  }
  if (u.pathname.startsWith(BY_KEY) && u.pathname.length > BY_KEY.length) {
    const key = keyOf(u.pathname);
    if (m === 'GET') {
      const a = d.workloads.byKey(key);
      if (!a) throw notFound(`no instance has key '${key}'`);
      return json(200, d.workloads.view(a));
    }
    if (m === 'DELETE') {
      const remove = u.searchParams.get('remove') ?? 'false';
      if (remove !== 'true' && remove !== 'false')
        throw new SixpnError('invalid_argument', 'remove: true or false', { details: { field: 'remove' } });
      await d.workloads.remove(key, remove === 'true');
      return json(204, null);
    }
  }
  throw notFound(`no route ${m} ${u.pathname}; see AGENT-SOCKET.md`);
}

/** Handles one request; never throws. */
export async function handleSocket(req: SocketRequest, d: SocketDeps): Promise<SocketAnswer> {
  try {
    return await route(req, d);
  } catch (e) {
    return errorResponse(e);
  }
}
