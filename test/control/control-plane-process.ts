// Helpers of the control-plane fault tests: `sixpn server` as a child process (so it can be SIGKILLed, and a
// crash shows as an exit), and small load and bookkeeping utilities shared by the tests.

import { type ChildProcess, spawn } from 'node:child_process';
import pg from 'pg';
import { BIN, cleanEnv, freePort } from '../support/child-process.ts';

/** A token every test server accepts as admin (SIXPN_ADMIN_TOKEN); tests only. */
export const ADMIN = 'sixpn_testadmin0000000000000000000000000000000000';

export interface ControlPlane {
  url: string;
  pid: number;
  /** Everything it wrote to stderr (JSON log lines at warn and above, and the CLI's own lines). */
  stderr: () => string;
  /** Whether the process has exited (and how), or undefined while it runs. */
  exit: () => { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** Sends `signal` by PID when it still runs; resolves when it has exited. Idempotent. */
  kill: (signal?: NodeJS.Signals) => Promise<void>;
}

/** Starts `sixpn server --db DB` on a free loopback port; resolves once it listens. */
export async function startControlPlane(db: string): Promise<ControlPlane> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [BIN, 'server', '--db', db, '--listen', `127.0.0.1:${port}`],
    {
      env: cleanEnv({ SIXPN_ADMIN_TOKEN: ADMIN, SIXPN_LOG: 'warn' }),
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let err = '';
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    }),
  );
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (s: string) => {
    err += s;
  });
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (exited === undefined && child.pid !== undefined) process.kill(child.pid, signal);
    await exitPromise;
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`sixpn server did not start in 30 s: ${err}`)), 30_000);
      const check = () => {
        const m = /listening on (\S+)/.exec(err);
        if (!m?.[1]) return;
        clearTimeout(timer);
        child.stderr?.off('data', check);
        resolve(m[1]);
      };
      child.stderr?.on('data', check);
      void exitPromise.then(() => {
        clearTimeout(timer);
        reject(new Error(`sixpn server exited (${JSON.stringify(exited)}): ${err}`));
      });
    });
    return { url, pid: child.pid as number, stderr: () => err, exit: () => exited, kill };
  } catch (e) {
    await kill();
    throw e;
  }
}

/** One entry of the change log as stored: what a watch stream must deliver for that revision. */
export interface LoggedChange {
  rev: number;
  op: string;
  kind: string;
  id: string;
  org: string | null;
  obj: unknown;
}

/** The whole change log straight from PostgreSQL, by ascending revision. */
export async function changeLog(dbUrl: string): Promise<LoggedChange[]> {
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  try {
    const r = await c.query<{
      rev: string;
      op: string;
      kind: string;
      id: string;
      org: string | null;
      obj: string;
    }>('select rev::text as rev, op, kind, id, org, obj from changes order by changes.rev');
    return r.rows.map((x) => ({ ...x, rev: Number(x.rev), obj: JSON.parse(x.obj) as unknown }));
  } finally {
    await c.end();
  }
}

/** Every `rev` of the change log straight from PostgreSQL, ascending. */
export async function changeRevisions(dbUrl: string): Promise<number[]> {
  return (await changeLog(dbUrl)).map((c) => c.rev);
}

/** The first place where `revs` is not `from, from+1, …`, or undefined when it is. */
export function firstGap(revs: readonly number[], from: number): string | undefined {
  for (let i = 0; i < revs.length; i++) {
    if (revs[i] !== from + i) return `expected revision ${from + i} at position ${i}, got ${revs[i]}`;
  }
  return undefined;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
