// A throwaway PostgreSQL 15 for tests, and `forEachBackend` that runs one suite against SQLite (in memory
// and on a file) and PostgreSQL. Set SIXPN_TEST_PG_URL to use a running server instead of starting one.

import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { chmod, chown } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { type OpenStoreOptions, openStore } from '../../src/control/store/open.ts';
import type { Store } from '../../src/control/store/store.ts';

const run = promisify(execFile);

/** Where initdb and pg_ctl are: SIXPN_PG_BIN, else Debian's PostgreSQL 15, else the newest version installed. */
export const PG_BIN_DIR = process.env.SIXPN_PG_BIN ?? findPgBin();

function findPgBin(): string {
  const preferred = '/usr/lib/postgresql/15/bin';
  if (existsSync(preferred)) return preferred;
  const versions = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql')
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  return versions[0] ? `/usr/lib/postgresql/${versions[0]}/bin` : preferred;
}

const isRoot = () => process.getuid?.() === 0;

/** Why the PostgreSQL cases cannot run on this machine, or undefined when they can. */
export function postgresUnavailable(): string | undefined {
  if (process.env.SIXPN_TEST_PG_URL) return undefined;
  if (!existsSync(join(PG_BIN_DIR, 'initdb')) || !existsSync(join(PG_BIN_DIR, 'pg_ctl'))) {
    return `PostgreSQL 15 not installed (no initdb/pg_ctl in ${PG_BIN_DIR}): apt-get install postgresql-15, or set SIXPN_TEST_PG_URL`;
  }
  if (isRoot() && spawnSync('id', ['-u', 'postgres']).status !== 0) {
    return 'running as root but there is no postgres OS user to run initdb as (apt-get install postgresql creates it)';
  }
  return undefined;
}

export interface PgServer {
  /** `postgres://postgres@127.0.0.1:PORT/postgres` (trust auth, loopback only). */
  url: string;
  /**
   * Restarts the server the way an operator does (`pg_ctl restart -m fast`: every session is disconnected,
   * in-flight transactions roll back), on the same port. With `downMs` it stays stopped that long in between.
   */
  restart(opts?: { downMs?: number }): Promise<void>;
  /** Stops the server and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

/** Runs a PostgreSQL binary, as the `postgres` OS user when we are root (initdb refuses to run as root). */
function pgCommand(bin: string, args: string[]): [string, string[]] {
  const path = join(PG_BIN_DIR, bin);
  return isRoot() ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** initdb into a fresh temp dir, start on 127.0.0.1 with a free port and a socket dir inside the temp dir. */
export async function startPostgres(): Promise<PgServer> {
  const dir = mkdtempSync(join(tmpdir(), 'sixpn-pg-'));
  const data = join(dir, 'data');
  const stopSync = () => {
    const [cmd, args] = pgCommand('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    if (existsSync(join(data, 'postmaster.pid'))) spawnSync(cmd, args, { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  };
  // The test process may end without calling stop() (a failed assertion, a crash, the runner's SIGTERM or a
  // Ctrl-C): never leave a server behind.
  const onSignal = (signal: NodeJS.Signals) => {
    stopSync();
    process.kill(process.pid, signal);
  };
  const unhook = () => {
    process.removeListener('exit', stopSync);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  };
  process.once('exit', stopSync);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    if (isRoot()) {
      const uid = Number(spawnSync('id', ['-u', 'postgres']).stdout.toString().trim());
      const gid = Number(spawnSync('id', ['-g', 'postgres']).stdout.toString().trim());
      await chown(dir, uid, gid);
    }
    await chmod(dir, 0o700);
    await run(
      ...pgCommand('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '-N']),
    );
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      const settings = [
        `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir}`,
        '-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300',
      ].join(' ');
      try {
        await run(
          ...pgCommand('pg_ctl', [
            '-D',
            data,
            '-l',
            join(dir, 'log'),
            '-w',
            '-t',
            '30',
            '-o',
            settings,
            'start',
          ]),
        );
      } catch (e) {
        lastError = e; // most likely the port was taken in between: try another
        continue;
      }
      let stopped: Promise<void> | undefined;
      const ctl = (...args: string[]) =>
        run(...pgCommand('pg_ctl', ['-D', data, '-l', join(dir, 'log'), ...args]));
      return {
        url: `postgres://postgres@127.0.0.1:${port}/postgres`,
        async restart({ downMs = 0 } = {}) {
          if (downMs === 0) {
            await ctl('-m', 'fast', '-w', '-t', '30', 'restart');
            return;
          }
          await ctl('-m', 'fast', '-w', '-t', '30', 'stop');
          await new Promise((r) => setTimeout(r, downMs));
          await ctl('-w', '-t', '30', '-o', settings, 'start');
        },
        stop() {
          stopped ??= (async () => {
            unhook();
            await run(...pgCommand('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop'])).catch(() => {});
            rmSync(dir, { recursive: true, force: true });
          })();
          return stopped;
        },
      };
    }
    throw lastError;
  } catch (e) {
    const log = existsSync(join(dir, 'log')) ? readFileSync(join(dir, 'log'), 'utf8').slice(-2000) : '';
    unhook();
    stopSync();
    throw new Error(`could not start a test PostgreSQL: ${(e as Error).message}\n${log}`, { cause: e });
  }
}

let shared: Promise<{ url: string; external: boolean }> | undefined;

/** One server per test process (stopped when the process exits), or SIXPN_TEST_PG_URL. */
export function sharedPostgres(): Promise<{ url: string; external: boolean }> {
  const env = process.env.SIXPN_TEST_PG_URL;
  shared ??= env
    ? Promise.resolve({ url: env, external: true })
    : startPostgres().then((s) => ({ url: s.url, external: false }));
  return shared;
}

let dbCounter = 0;

/** CREATE DATABASE with a unique name on the server of `serverUrl`; returns its URL. */
export async function createDatabase(serverUrl: string): Promise<string> {
  const name = `sixpn_test_${process.pid}_${++dbCounter}_${Math.random().toString(36).slice(2, 8)}`;
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name} STRATEGY = FILE_COPY`);
  } finally {
    await client.end();
  }
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** DROP DATABASE … WITH (FORCE): for databases made on a server the tests did not start. */
export async function dropDatabase(serverUrl: string, dbUrl: string): Promise<void> {
  const name = new URL(dbUrl).pathname.slice(1);
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

export type BackendKind = 'sqlite-memory' | 'sqlite-file' | 'postgres';
export const ALL_BACKENDS: readonly BackendKind[] = ['sqlite-memory', 'sqlite-file', 'postgres'];

export interface Backend {
  readonly kind: BackendKind;
  /**
   * Whether several stores may be open on one database at once, as replicas (PostgreSQL only: each
   * `sqlite::memory:` store has its own database, and a process must open a SQLite file only once, since
   * better-sqlite3 waits for another connection's lock synchronously, blocking the event loop).
   */
  readonly replicas: boolean;
  /** The URL of a new, empty database. */
  freshUrl(): Promise<string>;
  /** Opens a store on a new, empty database; it is closed when the suite ends. */
  open(opts?: OpenStoreOptions): Promise<Store>;
  /** Opens a store on `url` (a second replica, or a reopened file); it is closed when the suite ends. */
  openAt(url: string, opts?: OpenStoreOptions): Promise<Store>;
}

class TestBackend implements Backend {
  readonly kind: BackendKind;
  readonly replicas: boolean;
  #stores: Store[] = [];
  #dir: string | undefined;
  #files = 0;
  #databases: string[] = [];
  #prefetch: Promise<string> | undefined;

  constructor(kind: BackendKind) {
    this.kind = kind;
    this.replicas = kind === 'postgres';
  }

  async freshUrl(): Promise<string> {
    if (this.kind === 'sqlite-memory') return 'sqlite::memory:';
    if (this.kind === 'sqlite-file') {
      this.#dir ??= mkdtempSync(join(tmpdir(), 'sixpn-sqlite-'));
      return `sqlite:${join(this.#dir, `store-${++this.#files}.db`)}`;
    }
    // CREATE DATABASE takes a few hundred ms here: make the next one while the current test runs.
    const next = this.#prefetch ?? this.#createDatabase();
    this.#prefetch = this.#createDatabase();
    this.#prefetch.catch(() => {}); // a failure surfaces when it is used
    return next;
  }

  async #createDatabase(): Promise<string> {
    const server = await sharedPostgres();
    const url = await createDatabase(server.url);
    this.#databases.push(url);
    return url;
  }

  async open(opts: OpenStoreOptions = {}): Promise<Store> {
    return this.openAt(await this.freshUrl(), opts);
  }

  async openAt(url: string, opts: OpenStoreOptions = {}): Promise<Store> {
    const store = await openStore(url, { poolSize: 4, ...opts });
    this.#stores.push(store);
    return store;
  }

  async cleanup(): Promise<void> {
    await Promise.allSettled([...this.#stores.map((s) => s.close()), this.#prefetch]);
    if (this.#dir) rmSync(this.#dir, { recursive: true, force: true });
    const server = this.kind === 'postgres' ? await sharedPostgres() : undefined;
    if (server?.external) await Promise.allSettled(this.#databases.map((d) => dropDatabase(server.url, d)));
  }
}

/**
 * Declares `describe('<name> [<backend>]')` once per backend and calls `fn` inside it to declare the
 * tests. The PostgreSQL suite skips, saying why, when PostgreSQL is not installed. Every store the tests
 * open through the backend is closed, and every database removed, when the suite ends.
 */
export function forEachBackend(
  name: string,
  fn: (backend: Backend) => void,
  kinds: readonly BackendKind[] = ALL_BACKENDS,
): void {
  for (const kind of kinds) {
    const skip = kind === 'postgres' ? postgresUnavailable() : undefined;
    describe(`${name} [${kind}]`, () => {
      if (skip) {
        test('all cases', { skip }, () => {}); // one visible skip with the reason, counted by the runner
        return;
      }
      const backend = new TestBackend(kind);
      after(() => backend.cleanup());
      fn(backend);
    });
  }
}
