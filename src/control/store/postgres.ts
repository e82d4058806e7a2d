// The PostgreSQL connection (pg): a pool whose int8 columns come back as JS numbers (on a private types
// object, not pg's global one), and a dedicated client that LISTENs for commits of every replica.

import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely';
import pg from 'pg';
import type { Logger } from '../../lib/log.ts';
import { unavailableIfConnection } from './db-errors.ts';
import type { Database } from './schema.ts';
import { NOTIFY_CHANNEL } from './write.ts';

const INT8_OID = 20;

function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${text} does not fit a JS number`);
  return n;
}

/** pg type parsers for this store only: int8 → number, everything else as pg does by default. */
export const pgTypes: pg.CustomTypesConfig = {
  getTypeParser: (id, format) =>
    id === INT8_OID && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(id, format),
};

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}

/** How long a new connection may take before the request fails as `unavailable` (a dead host, a full server). */
const CONNECT_TIMEOUT_MS = 5000;

export function openPostgres(url: string, poolSize: number, logger: Logger): Kysely<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    types: pgTypes,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    keepAlive: true,
  });
  // An idle client that loses its connection must not crash the process; the pool replaces it.
  pool.on('error', (e) => logger.warn({ err: e.message }, 'postgres idle client error'));
  // Nor may a checked-out one (pg emits 'error' on a client between two statements of a transaction when the
  // server ends the session, e.g. on `pg_ctl restart`): the next statement fails, and the pool drops it.
  pool.on('connect', (client) => {
    client.on('error', (e) => logger.warn({ err: e.message }, 'postgres connection lost'));
  });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool: unavailableOnConnectionLoss(pool) }) });
}

/** Statement texts run as named prepared statements (parsed and planned once per connection), by name. */
const prepared = new Map<string, string>();

/**
 * Runs `text` as a named prepared statement from now on, on every connection: for the hot path's few fixed
 * statements (instance creation), whose planning would otherwise cost as much as running them. Only for texts
 * that are constants of the code (never `select *`, whose plan a migration could invalidate).
 */
export function preparePg(text: string): void {
  if (!prepared.has(text)) prepared.set(text, `sixpn_${prepared.size + 1}`);
}

/** The pool as Kysely sees it, with lost and refused connections thrown as `unavailable` (db-errors.ts). */
function unavailableOnConnectionLoss(pool: pg.Pool): PostgresPool {
  const wrapped = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    let w = wrapped.get(client);
    if (!w) {
      // Kysely passes a cursor only for streamed queries, which the store does not use; they go through as is.
      const query = (text: unknown, params?: readonly unknown[]) =>
        typeof text === 'string'
          ? client
              .query({ text, values: params as unknown[], name: prepared.get(text) })
              .catch((e: unknown) => {
                throw unavailableIfConnection(e);
              })
          : client.query(text as pg.Submittable);
      w = {
        query: query as unknown as PostgresPoolClient['query'],
        release: (destroy?: boolean) => client.release(destroy),
      };
      wrapped.set(client, w);
    }
    return w;
  };
  return {
    connect: () =>
      pool.connect().then(wrap, (e: unknown) => {
        throw unavailableIfConnection(e);
      }),
    end: () => pool.end(),
  };
}

/**
 * LISTENs on {@link NOTIFY_CHANNEL} on its own connection and calls `onHead` with each commit's head
 * revision, from this replica or another. When the connection drops it reconnects every second and then
 * calls `onReconnect` (notifications sent meanwhile are lost, so the owner re-reads the head).
 */
export class CommitListener {
  readonly #url: string;
  readonly #onHead: (head: number) => void;
  readonly #onReconnect: () => void;
  readonly #logger: Logger;
  #client: pg.Client | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(url: string, onHead: (head: number) => void, onReconnect: () => void, logger: Logger) {
    this.#url = url;
    this.#onHead = onHead;
    this.#onReconnect = onReconnect;
    this.#logger = logger;
  }

  /** Connects and LISTENs; rejects when the first connection fails. */
  async start(): Promise<void> {
    await this.#connect();
  }

  async #connect(): Promise<void> {
    // TCP keepalive lets the OS notice a silently dead connection (no FIN: a crashed host, a dropped route).
    const client = new pg.Client({
      connectionString: this.#url,
      types: pgTypes,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    const lost = (why: string) => this.#lost(client, why);
    client.on('error', (e) => lost(e.message));
    client.on('end', () => lost('connection ended'));
    client.on('notification', (m) => {
      const head = Number(m.payload);
      if (m.channel === NOTIFY_CHANNEL && Number.isSafeInteger(head)) this.#onHead(head);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
    } catch (e) {
      client.end().catch(() => {});
      throw e;
    }
    if (this.#closed) {
      await client.end();
      return;
    }
    this.#client = client;
  }

  #lost(client: pg.Client, why: string): void {
    if (this.#closed || client !== this.#client) return;
    this.#logger.warn({ why }, 'postgres listen connection lost; reconnecting');
    this.#client = undefined;
    client.end().catch(() => {});
    this.#retry();
  }

  #retry(): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#connect().then(
        () => {
          if (!this.#closed) this.#onReconnect();
        },
        (e: Error) => {
          this.#logger.warn({ err: e.message }, 'postgres listen reconnect failed');
          if (!this.#closed) this.#retry();
        },
      );
    }, 1000);
    this.#timer.unref();
  }

  /** Stops listening; idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    const c = this.#client;
    this.#client = undefined;
    await c?.end();
  }
}
