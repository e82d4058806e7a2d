// Opens the store named by a database URL: `sqlite:PATH`, `sqlite::memory:`, `postgres://…` or
// `postgresql://…`. Runs the migrations before returning; on PostgreSQL it also LISTENs for other replicas.

import { type AddressPlan, defaultPlan } from '../../core/address.ts';
import { invalid, SixpnError } from '../../core/errors.ts';
import { type Logger, silentLogger } from '../../lib/log.ts';
import { isConnectionError } from './db-errors.ts';
import { cryptoRandom } from './ids.ts';
import { KyselyStore } from './kysely-store.ts';
import { migrate } from './migrate.ts';
import { CommitListener, openPostgres, redactUrl } from './postgres.ts';
import { openSqlite, openSqliteReader } from './sqlite.ts';
import type { Store } from './store.ts';
import type { Dialect } from './write.ts';

export interface OpenStoreOptions {
  /** The deployment's address plan; `fdaa::/16` by default. */
  plan?: AddressPlan;
  logger?: Logger;
  /** Uniform in [0, 1): ids and instance numbers. The system CSPRNG by default; inject for tests. */
  random?: () => number;
  /** The clock of every timestamp the store writes. */
  now?: () => Date;
  /** PostgreSQL: connections in the pool (default 10). */
  poolSize?: number;
  /** Rows per read of a snapshot (default 2000); for tests. */
  snapshotPage?: number;
}

export type ParsedUrl = { dialect: 'sqlite'; path: string } | { dialect: 'postgres'; url: string };

/** Parses a database URL; throws `invalid_argument` naming the accepted forms. */
export function parseStoreUrl(url: string): ParsedUrl {
  if (url.startsWith('sqlite:')) {
    let path = url.slice('sqlite:'.length);
    if (path.startsWith('//')) path = path.slice(2); // sqlite:///abs/path
    if (path === '')
      throw invalid(`database URL '${url}' has no path; use sqlite:./sixpn.db or sqlite::memory:`);
    return { dialect: 'sqlite', path };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return { dialect: 'postgres', url };
  throw invalid(
    `database URL '${redactUrl(url)}' has an unknown scheme; use sqlite:PATH, sqlite::memory: or postgres://USER@HOST:PORT/DB`,
    { field: 'db' },
  );
}

/** Opens and migrates the store. The caller closes it (`store.close()`). */
export async function openStore(url: string, opts: OpenStoreOptions = {}): Promise<Store> {
  const target = parseStoreUrl(url);
  const logger = (opts.logger ?? silentLogger).child({ part: 'store' });
  const dialect: Dialect = target.dialect;
  const db =
    target.dialect === 'sqlite'
      ? openSqlite(target.path)
      : openPostgres(target.url, opts.poolSize ?? 10, logger);
  const store = new KyselyStore(db, {
    dialect,
    plan: opts.plan ?? defaultPlan,
    random: opts.random ?? cryptoRandom,
    now: opts.now ?? (() => new Date()),
    logger,
    ...(opts.snapshotPage !== undefined ? { snapshotPage: opts.snapshotPage } : {}),
    ...(target.dialect === 'sqlite' && target.path !== ':memory:'
      ? { openReader: () => openSqliteReader(target.path) }
      : {}),
  });
  try {
    const ran = await migrate(db, dialect);
    if (ran.length > 0) logger.info({ migrations: ran }, 'store migrated');
    if (target.dialect === 'postgres') {
      const listener = new CommitListener(
        target.url,
        (head) => store.heard(head),
        () => {
          store.headRevision().then(
            (head) => store.heard(head),
            (e: Error) => logger.warn({ err: e.message }, 'store head read failed'),
          );
        },
        logger,
      );
      await listener.start();
      store.addCloser(() => listener.close());
    }
  } catch (e) {
    await store.close().catch(() => {});
    // A lost connection is already `unavailable` (worded for API callers); at start, say which database it was.
    const lost = e instanceof SixpnError && isConnectionError(e.cause);
    if (e instanceof SixpnError && !lost) throw e;
    const cause = lost ? (e as SixpnError).cause : e;
    const where = target.dialect === 'sqlite' ? target.path : redactUrl(target.url);
    throw new SixpnError(
      'unavailable',
      `cannot open the store at ${where}: ${(cause as Error).message}; check that the database is running and reachable`,
      { cause },
    );
  }
  return store;
}
