// Child processes for the DNS integration tests: spawn (optionally inside a namespace), wait for a line that
// says it is ready, stop by PID and wait for the exit.

import { type ChildProcess, spawn } from 'node:child_process';

export interface Child {
  readonly proc: ChildProcess;
  /** Everything it wrote to stderr so far (for failure messages). */
  stderr(): string;
  /** SIGTERM, then SIGKILL after 3 s; resolves when it has exited. */
  stop(): Promise<void>;
  /** The next stdout line (after this call) matching `re`. */
  nextLine(re: RegExp, timeoutMs?: number): Promise<string>;
  /** Has it exited? */
  exited(): boolean;
}

/**
 * Starts `cmd args` (inside `ns` when given) and resolves once a stdout or stderr line matches `ready`, with
 * that line. Rejects when it exits first or after `timeoutMs`.
 */
export function startChild(
  cmd: string,
  args: readonly string[],
  opts: { ns?: string; ready: RegExp; input?: string; timeoutMs?: number; env?: Record<string, string> },
): Promise<{ child: Child; line: string }> {
  const argv = opts.ns
    ? (['ip', ['netns', 'exec', opts.ns, cmd, ...args]] as const)
    : ([cmd, [...args]] as const);
  const proc = spawn(argv[0], argv[1], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
  let err = '';
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const waiters = new Set<{ re: RegExp; resolve: (line: string) => void }>();
  const child: Child = {
    proc,
    stderr: () => err,
    exited: () => proc.exitCode !== null || proc.signalCode !== null,
    nextLine(re, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const w = {
          re,
          resolve: (line: string) => {
            clearTimeout(t);
            waiters.delete(w);
            resolve(line);
          },
        };
        const t = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`no line matching ${re} in ${timeoutMs} ms: ${err}`));
        }, timeoutMs);
        waiters.add(w);
      });
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    },
  };
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(
      () => fail(new Error(`${cmd} not ready in ${opts.timeoutMs ?? 15000} ms: ${err}`)),
      opts.timeoutMs ?? 15_000,
    );
    const fail = (e: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      void child.stop().then(() => reject(e));
    };
    const watch = (stream: NodeJS.ReadableStream, isErr: boolean) => {
      let buf = '';
      stream.on('data', (d: Buffer) => {
        const s = d.toString();
        if (isErr) err += s;
        buf += s;
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        for (const line of lines) {
          if (!isErr) for (const w of [...waiters]) if (w.re.test(line)) w.resolve(line);
          if (!done && opts.ready.test(line)) {
            done = true;
            clearTimeout(timer);
            resolve({ child, line });
          }
        }
      });
    };
    watch(proc.stdout, false);
    watch(proc.stderr, true);
    proc.once('exit', (code) => fail(new Error(`${cmd} exited with ${code} before it was ready: ${err}`)));
    proc.stdin.end(opts.input ?? '');
  });
}
