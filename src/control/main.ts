// `sixpn server`: opens the store, makes sure an admin token exists, and serves the API until the signal aborts.

import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { parsePlanPrefix } from '../core/address.ts';
import { invalid } from '../core/errors.ts';
import { DEFAULT_RETENTION, type UsageRetention } from '../core/usage/query.ts';
import type { Logger } from '../lib/log.ts';
import { createApi } from './api/app.ts';
import { RETENTION_MS } from './api/idempotency.ts';
import { hashSecret, newSecret } from './auth.ts';
import { type ControlMetrics, createControlMetrics } from './metrics.ts';
import { openStore } from './store/open.ts';
import type { Store } from './store/store.ts';
import { checkPlainHttp, loadTls, RENEW_BEFORE_MS, type TlsConfig, type TlsMaterial } from './tls.ts';
import { WatchHub } from './watch-hub.ts';

export interface ServerOptions {
  /** `sqlite:PATH` or `postgres://…`. */
  db: string;
  /** `HOST:PORT`, `[IPv6]:PORT` or `:PORT`; port 0 picks a free one (see the returned url). */
  listen: string;
  /** The deployment's /16, `fdaa::/16` by default. */
  prefix?: string;
  logger: Logger;
  signal: AbortSignal;
  /** An admin token to accept (from SIXPN_ADMIN_TOKEN); created in the store when missing. */
  adminToken?: string;
  /** How many change-log entries to keep for resuming watchers (default 100,000). */
  retainChanges?: number;
  /**
   * Also serve the API on this unix socket (mode 0600; a stale socket file is removed first). The lab uses it
   * so the CLI in the machine's own namespace reaches a control plane that listens inside a namespace.
   */
  unixSocket?: string;
  /** Serve HTTPS with the user's files or the control plane's own CA; plain HTTP when undefined. */
  tls?: TlsConfig;
  /** Allow plain HTTP on an address that is not loopback (a TLS proxy in front). */
  insecureHttp?: boolean;
  /** How long usage buckets are kept (default DEFAULT_RETENTION). */
  usageRetention?: UsageRetention;
}

export interface RunningServer {
  url: string;
  /** Set only when this start created the first admin token: show it once. */
  adminToken?: string;
  store: Store;
  /** The SHA-256 of the CA that ends the served chain (the control plane's own CA), for clients to pin. */
  caFingerprint?: string;
  /** Resolves when the server has shut down after the signal aborted. */
  done: Promise<void>;
}

/** Splits `HOST:PORT`, `[V6]:PORT` or `:PORT`. */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw invalid(`--listen '${text}' is not HOST:PORT (for example 127.0.0.1:4280)`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

/** Ensures an admin token exists; returns a new secret to show once, or undefined when none was made. */
async function bootstrapAdmin(store: Store, given: string | undefined): Promise<string | undefined> {
  if (given !== undefined) {
    if (!(await store.getTokenByHash(hashSecret(given)))) {
      await store.createToken({ kind: 'admin', name: 'admin (SIXPN_ADMIN_TOKEN)' }, hashSecret(given));
    }
    return undefined;
  }
  if ((await store.listTokens({ kind: 'admin' })).length > 0) return undefined;
  const secret = newSecret();
  await store.createToken({ kind: 'admin', name: 'admin (first start)' }, hashSecret(secret));
  return secret;
}

/** Serves `fetch` on a unix socket at `path`, replacing a stale socket file; only root may connect (0600). */
async function listenUnix(fetch: (req: Request) => Response | Promise<Response>, path: string) {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const srv = createAdaptorServer({ fetch });
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(path, () => resolve());
  });
  chmodSync(path, 0o600);
  return srv;
}

export async function runServer(opts: ServerOptions): Promise<RunningServer> {
  const { host, port } = parseListen(opts.listen);
  if (opts.tls === undefined) checkPlainHttp(host, opts.insecureHttp);
  const tls = opts.tls && (await loadTls(opts.tls, new Date()));
  const plan = parsePlanPrefix(opts.prefix ?? 'fdaa::/16');
  const logger = opts.logger.child({ component: 'control' });
  const store = await openStore(opts.db, { plan, logger });
  const adminToken = await bootstrapAdmin(store, opts.adminToken);
  const hub = new WatchHub(store, { logger });
  await hub.start();
  const metrics = createControlMetrics();
  const caFingerprint = tls?.caFingerprint;
  const usageRetention = opts.usageRetention ?? DEFAULT_RETENTION;
  const api = createApi(
    {
      store,
      hub,
      logger,
      now: () => new Date(),
      caFingerprint: () => caFingerprint,
      usageRetention,
      usageReported: (result) => metrics.usageReports.inc({ result }),
    },
    metrics,
  );
  const server = tls
    ? createAdaptorServer({
        fetch: api.fetch,
        hostname: host,
        port,
        createServer: createHttpsServer,
        serverOptions: { cert: tls.cert, key: tls.key },
      })
    : createAdaptorServer({ fetch: api.fetch, hostname: host, port });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  let unixServer: Awaited<ReturnType<typeof listenUnix>> | undefined;
  try {
    if (opts.unixSocket !== undefined) unixServer = await listenUnix(api.fetch, opts.unixSocket);
  } catch (e) {
    server.close();
    hub.close();
    await store.close();
    throw e;
  }
  const addr = server.address() as AddressInfo;
  const url = `${tls ? 'https' : 'http'}://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  const stopTls = opts.tls && tls ? keepTlsFresh(server as HttpsServer, opts.tls, tls, logger) : () => {};
  logger.info({ url, db: opts.db.replace(/:\/\/[^@]*@/, '://***@') }, 'control plane listening');

  const retain = opts.retainChanges ?? 100_000;
  const usageMinute = () => usageHousekeeping(store, usageRetention, metrics, logger);
  const prune = setInterval(() => {
    store.pruneChanges(retain).catch((err: unknown) => logger.warn({ err }, 'change log prune failed'));
    usageMinute();
    store
      .pruneIdempotencyKeys(new Date(Date.now() - RETENTION_MS))
      .catch((err: unknown) => logger.warn({ err }, 'idempotency key prune failed'));
  }, 60_000);
  usageMinute();
  prune.unref();

  const done = new Promise<void>((resolve) => {
    const stop = () => {
      clearInterval(prune);
      stopTls();
      hub.close();
      unixServer?.close();
      (unixServer as unknown as { closeAllConnections?: () => void } | undefined)?.closeAllConnections?.();
      server.close(() => {
        store
          .close()
          .catch((err: unknown) => logger.warn({ err }, 'store close failed'))
          .finally(() => {
            logger.info('control plane stopped');
            resolve();
          });
      });
      // Watch streams are long-lived: end them so close() can finish.
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
    };
    if (opts.signal.aborted) stop();
    else opts.signal.addEventListener('abort', stop, { once: true });
  });
  return {
    url,
    store,
    done,
    ...(adminToken ? { adminToken } : {}),
    ...(tls?.caFingerprint ? { caFingerprint: `sha256:${tls.caFingerprint}` } : {}),
  };
}

/**
 * Serves a new certificate without a restart: on SIGHUP (the user's files read again) and, with the control
 * plane's own CA, when the server certificate comes within {@link RENEW_BEFORE_MS} of expiry (checked twice a
 * day). A failed reload keeps the certificate served now. Returns the function that stops both.
 */
function keepTlsFresh(server: HttpsServer, cfg: TlsConfig, first: TlsMaterial, logger: Logger): () => void {
  let served = first;
  const reload = (why: string) => {
    loadTls(cfg, new Date())
      .then((m) => {
        if (m.cert === served.cert && m.key === served.key) return;
        server.setSecureContext({ cert: m.cert, key: m.key });
        served = m;
        logger.info({ why, notAfter: m.notAfter.toISOString() }, 'tls certificate reloaded');
      })
      .catch((err: unknown) => logger.error({ err: String(err), why }, 'tls certificate reload failed'));
  };
  const onHup = () => reload('sighup');
  process.on('SIGHUP', onHup);
  const timer = setInterval(() => reload('renewal'), Math.min(12 * 3_600_000, RENEW_BEFORE_MS / 4));
  timer.unref();
  return () => {
    process.off('SIGHUP', onHup);
    clearInterval(timer);
  };
}

/** Once a minute: drops usage past its retention and refreshes the per-org usage gauges. Never throws. */
function usageHousekeeping(
  store: Store,
  retention: UsageRetention,
  metrics: ControlMetrics,
  logger: Logger,
): void {
  (async () => {
    await store.pruneUsage(retention);
    const totals = await store.usageTotals();
    metrics.usageBytes.reset();
    for (const t of totals) {
      metrics.usageBytes.set({ org: t.org, direction: 'tx' }, t.tx_bytes);
      metrics.usageBytes.set({ org: t.org, direction: 'rx' }, t.rx_bytes);
    }
  })().catch((err: unknown) => logger.warn({ err }, 'usage housekeeping failed'));
}
