// The plugin's client of the agent's local socket (AGENT-SOCKET.md): HTTP/1.1 + JSON over a unix socket, no token
// (the socket's permissions are the authentication). Every failure is an AgentError.

import { z } from 'zod';
import type { FetchLike, HttpResponse } from '../client/http.ts';
import { unixFetch } from '../client/unix-fetch.ts';
import { AgentError, type AgentSocket } from './plugin.ts';
import type { AgentInstance } from './result.ts';

const instanceSchema = z.looseObject({
  id: z.string(),
  address: z.string(),
  prefix_len: z.number().int(),
  gateway: z.string(),
  dns: z.string(),
  netns: z.string().optional(),
  ifname: z.string().optional(),
});

const errorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** ADD waits for the agent's reconciler; past this the runtime is told to try again. */
const DEFAULT_TIMEOUT_MS = 60_000;

/** The agent at `socketPath`. `fetch` is for tests; `timeoutMs` bounds each call. */
export function agentSocket(
  socketPath: string,
  opts: { fetch?: FetchLike; timeoutMs?: number } = {},
): AgentSocket {
  const f = opts.fetch ?? unixFetch(socketPath);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const call = async (method: string, path: string, body?: unknown): Promise<HttpResponse> => {
    try {
      return await f(`unix:${socketPath}${path}`, {
        method,
        signal: AbortSignal.timeout(timeoutMs),
        ...(body === undefined
          ? {}
          : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const code = err.name === 'TimeoutError' ? 'timeout' : (err.code ?? 'error');
      const why = code === 'timeout' ? `no answer within ${timeoutMs / 1000} s` : (err.code ?? err.message);
      throw new AgentError(undefined, code, `${socketPath}: ${why}`);
    }
  };
  const byKey = (key: string) => `/v1/instances/by-key/${encodeURIComponent(key)}`;
  return {
    async attach(req) {
      return instanceOf(await call('POST', '/v1/instances', req));
    },
    async find(key) {
      const res = await call('GET', byKey(key));
      if (res.status === 404) {
        await res.body?.cancel();
        return undefined;
      }
      return instanceOf(res);
    },
    async detach(key) {
      const res = await call('DELETE', `${byKey(key)}?remove=true`);
      if (res.status === 204 || res.status === 200 || res.status === 404) {
        await res.body?.cancel();
        return;
      }
      throw await errorOf(res);
    },
  };
}

async function instanceOf(res: HttpResponse): Promise<AgentInstance> {
  if (res.status !== 200 && res.status !== 201) throw await errorOf(res);
  const parsed = instanceSchema.safeParse(await res.json().catch(() => undefined));
  if (!parsed.success)
    throw new AgentError(
      res.status,
      'bad_answer',
      `the agent's answer is not an instance: ${parsed.error.message}`,
    );
  return parsed.data;
}

async function errorOf(res: HttpResponse): Promise<AgentError> {
  const text = await res.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const parsed = errorSchema.safeParse(body);
  if (parsed.success) return new AgentError(res.status, parsed.data.error.code, parsed.data.error.message);
  return new AgentError(res.status, 'unknown', `the agent answered ${res.status}: ${text.slice(0, 200)}`);
}
