// Builds an in-process API over a fresh store for tests: `api.request(path, init)` needs no port.

import { silentLogger } from '../../lib/log.ts';
import { hashSecret, newSecret } from '../auth.ts';
import type { ControlMetrics } from '../metrics.ts';
import { openStore } from '../store/open.ts';
import type { Store } from '../store/store.ts';
import { WatchHub } from '../watch-hub.ts';
import { createApi } from './app.ts';
import type { Deps } from './route.ts';

export interface TestApi {
  store: Store;
  hub: WatchHub;
  admin: string;
  /** Calls the API as `token` (undefined: no Authorization header). Returns status and parsed JSON (or text). */
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON shapes
  call(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; json: any }>;
  raw(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
  now: { value: Date };
}

/** An API over a fresh store; `hooks` are the optional callbacks of its deps (e.g. `usageReported`). */
export async function testApi(
  db = 'sqlite::memory:',
  metrics?: ControlMetrics,
  hooks: Pick<Deps, 'usageReported'> = {},
): Promise<TestApi> {
  const store = await openStore(db, {});
  const hub = new WatchHub(store, { logger: silentLogger, heartbeatMs: 200 });
  await hub.start();
  const now = { value: new Date() };
  const api = createApi({ store, hub, logger: silentLogger, now: () => now.value, ...hooks }, metrics);
  const admin = newSecret();
  await store.createToken({ kind: 'admin', name: 'test admin' }, hashSecret(admin));
  const raw = async (path: string, init?: RequestInit) => api.request(path, init);
  return {
    store,
    hub,
    admin,
    now,
    raw,
    async call(method, path, token, body) {
      const headers: Record<string, string> = {};
      if (token !== undefined) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await raw(path, {
        method,
        headers,
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      let json: unknown = text;
      try {
        json = text === '' ? null : JSON.parse(text);
      } catch {}
      return { status: res.status, json };
    },
    async close() {
      hub.close();
      await store.close();
    },
  };
}
