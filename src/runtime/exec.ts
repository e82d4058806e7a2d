// Runs a program with an argument array (never a shell string), optional stdin, timeout and AbortSignal.
// Failures become SixpnErrors that carry the program's stderr.

import { spawn } from 'node:child_process';
import { SixpnError } from '../core/errors.ts';

export interface RunOptions {
  /** Written to the program's stdin, which is then closed. */
  input?: string;
  /** Default 10 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Extra environment variables (added to this process's environment). */
  env?: Record<string, string>;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** The argv of `cmd args` run inside network namespace `ns` (or as is when `ns` is undefined). */
export function inNetns(ns: string | undefined, cmd: string, args: readonly string[]): [string, string[]] {
  return ns === undefined ? [cmd, [...args]] : ['ip', ['netns', 'exec', ns, cmd, ...args]];
}

function describe(cmd: string, args: readonly string[]): string {
  return [cmd, ...args].join(' ');
}

/**
 * Runs `cmd` with `args` and resolves with its output when it exits 0. Otherwise rejects with a SixpnError:
 * `failed_precondition` when the program is not installed, `unavailable` on timeout or abort, `internal` on a
 * non-zero exit (details: argv, exit code, stderr). Never pass secrets in `args`; use `input`.
 */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const signals = [AbortSignal.timeout(timeoutMs), ...(opts.signal ? [opts.signal] : [])];
  const signal = AbortSignal.any(signals);
  return new Promise((resolve, reject) => {
    const argv = describe(cmd, args);
    if (signal.aborted) {
      reject(new SixpnError('unavailable', `${argv}: aborted before it started`, { cause: signal.reason }));
      return;
    }
    const child = spawn(cmd, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: opts.env ? { ...process.env, ...opts.env } : process.env,
      signal,
      killSignal: 'SIGKILL',
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    let failed: SixpnError | undefined;
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') {
        failed = new SixpnError(
          'failed_precondition',
          `${cmd} is not installed (or not on PATH); install it`,
          {
            cause: e,
            details: { cmd },
          },
        );
      } else if (e.name === 'AbortError') {
        const timedOut = signals[0]?.aborted === true;
        failed = new SixpnError(
          'unavailable',
          timedOut ? `${argv}: no answer within ${timeoutMs} ms` : `${argv}: aborted`,
          { cause: e, details: { cmd, args: [...args] } },
        );
      } else failed = new SixpnError('internal', `${argv}: ${e.message}`, { cause: e });
    });
    child.stdin.on('error', () => {
      // The program may exit without reading its stdin; the exit status tells what happened.
    });
    child.stdin.end(opts.input ?? '');
    child.on('close', (code, sig) => {
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (failed) return reject(failed);
      if (code === 0) return resolve({ stdout, stderr });
      const why = code === null ? `was killed by ${sig}` : `exited with ${code}`;
      reject(
        new SixpnError('internal', `${argv} ${why}: ${stderr.trim() || '(no stderr)'}`, {
          details: { cmd, args: [...args], exitCode: code, stderr, stdout },
        }),
      );
    });
  });
}

/** The stderr a failed {@link run} carried, or '' for any other error. */
export function stderrOf(e: unknown): string {
  if (e instanceof SixpnError && typeof e.details?.stderr === 'string') return e.details.stderr;
  return '';
}

/** Stdout and stderr of a failed {@link run} (some programs report on stdout), or '' for any other error. */
export function outputOf(e: unknown): string {
  if (!(e instanceof SixpnError)) return '';
  const d = e.details ?? {};
  return `${typeof d.stdout === 'string' ? d.stdout : ''}${typeof d.stderr === 'string' ? d.stderr : ''}`;
}
