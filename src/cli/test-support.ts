// Runs the CLI in-process for tests: captured stdout/stderr, a given environment, cwd and stdin, and a fetch
// (an in-process API or a recording fake) instead of the network.

import type { FetchLike } from '../client/http.ts';
import { commandGroups } from './commands/index.ts';
import { CliContext, type CliIo } from './context.ts';
import { runCli } from './run.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliEnv {
  env?: Record<string, string | undefined>;
  cwd?: string;
  home?: string;
  stdin?: string;
  fetch?: FetchLike;
}

export async function runInProcess(argv: string[], opts: CliEnv = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env: opts.env ?? {},
    cwd: opts.cwd ?? '/nonexistent',
    home: opts.home ?? '/nonexistent',
    readStdin: async () => opts.stdin,
    promptSecret: async () => undefined,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  };
  const code = await runCli(commandGroups, argv, new CliContext(io));
  return { code, stdout, stderr };
}

/** A fetch that records requests and answers each with `answer(req)`. */
export function recordingFetch(answer: (req: Request) => Response | Promise<Response>) {
  const requests: { method: string; path: string; body: string; auth: string | null }[] = [];
  const fetch: FetchLike = async (input, init) => {
    const req = new Request(input, init);
    const url = new URL(req.url);
    requests.push({
      method: req.method,
      path: url.pathname + url.search,
      body: await req.clone().text(),
      auth: req.headers.get('authorization'),
    });
    return answer(req);
  };
  return { fetch, requests };
}
