// Helpers of the CLI end-to-end tests: start `sixpn server` as a child process and run `bin/sixpn.js` commands.

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { BIN, cleanEnv, freePort } from '../support/child-process.ts';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `sixpn ARGS` (bin/sixpn.js) to completion. */
export function runSixpn(
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; stdin?: string },
): Promise<Run> {
  return new Promise<Run>((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: opts.cwd, env: opts.env, timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(opts.stdin ?? '');
  });
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  admin: string;
  /** Everything the server wrote to stderr so far. */
  stderr: () => string;
  /** SIGKILL by PID when still running (for t.after); resolves when it exited. */
  kill: () => Promise<void>;
}

/** Starts `sixpn server` on SQLite in `dir` on a free loopback port; resolves once it printed its admin token. */
export async function startServer(dir: string, extraArgs: readonly string[] = []): Promise<ServerProcess> {
  const port = await freePort();
  const db = `sqlite:${join(dir, 's.db')}`;
  const args = [BIN, 'server', '--db', db, '--listen', `127.0.0.1:${port}`, ...extraArgs];
  const child = spawn(process.execPath, args, {
    cwd: dir,
    env: cleanEnv({ HOME: dir, SIXPN_LOG: 'warn' }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(child.pid, 'SIGKILL');
    await exited;
  };
  try {
    const admin = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`sixpn server did not start in 30 s: ${err}`)), 30_000);
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (s: string) => {
        err += s;
        const m = /admin token \(shown once\): (\S+)/.exec(err);
        if (m && /listening on (\S+)/.test(err)) {
          clearTimeout(timer);
          resolve(m[1] ?? '');
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`sixpn server exited with ${code}: ${err}`));
      });
    });
    const url = /listening on (\S+)/.exec(err)?.[1] ?? '';
    return { child, url, admin, stderr: () => err, kill };
  } catch (e) {
    await kill();
    throw e;
  }
}
