// Client of the host agent's local socket (AGENT-SOCKET.md), for `sixpn run` (and any runtime written in this
// package): no token, the socket's permissions are the authentication.

import { z } from 'zod';
import { isSixpnError, SixpnError } from '../core/errors.ts';
import { Http } from './http.ts';
import { unixFetch } from './unix-fetch.ts';

export const DEFAULT_AGENT_SOCKET = '/run/sixpn/agent.sock';

export const WorkloadView = z
  .object({
    id: z.string(),
    org: z.string(),
    app: z.string(),
    region: z.string(),
    host: z.string(),
    address: z.string().nullable(),
    netns: z.string(),
    ifname: z.string(),
    etc_dir: z.string(),
    env: z.record(z.string(), z.string()),
  })
  .loose();
export type WorkloadView = z.infer<typeof WorkloadView>;

const Health = z
  .object({ ok: z.boolean(), host: z.string(), region: z.string(), synced: z.boolean() })
  .loose();

export interface CreateWorkload {
  app: string;
  org?: string;
  name?: string;
  key: string;
  netns?: string;
  ifname?: string;
  pid?: number;
  rm?: boolean;
}

export class AgentSocketClient {
  private readonly http: Http;

  constructor(
    readonly socket: string,
    timeoutMs = 60_000,
  ) {
    this.http = new Http({ baseUrl: `unix:${socket}`, fetch: unixFetch(socket), timeoutMs });
  }

  /** Throws a clear `unavailable` error when no agent answers on the socket. */
  async health() {
    try {
      return await this.http.json('GET', '/v1/health', Health);
    } catch (e) {
      if (isSixpnError(e) && e.code !== 'unavailable') throw e;
      throw new SixpnError(
        'unavailable',
        `no sixpn agent answers on ${this.socket}: is \`sixpn agent\` running on this host (as root)? ` +
          'Another socket: --agent-socket or SIXPN_AGENT_SOCKET',
        { cause: e },
      );
    }
  }

  create(body: CreateWorkload) {
    return this.http.json('POST', '/v1/instances', WorkloadView, { body });
  }

  get(key: string) {
    return this.http.json('GET', `/v1/instances/by-key/${encodeURIComponent(key)}`, WorkloadView);
  }

  /** Stops (`remove` false) or deletes the instance of `key`; fine when there is none. */
  remove(key: string, remove: boolean) {
    return this.http.empty('DELETE', `/v1/instances/by-key/${encodeURIComponent(key)}`, {
      query: { remove: String(remove) },
    });
  }
}
