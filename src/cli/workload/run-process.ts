// `sixpn run`'s shell: asks the local agent for an instance on this host, runs CMD in it (run-plan.ts builds the
// command line), forwards INT/TERM/HUP, and stops (or deletes) the instance when CMD ends. CMD is sixpn run's own
// child: an agent restart or crash does not touch it. If sixpn run itself is SIGKILLed, the agent stops the
// instance once no process is left in its namespace (its sweep, every resync interval).

import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { AgentSocketClient } from '../../client/agent-socket.ts';
import { invalid } from '../../core/errors.ts';
import { exitCodeOfChild, findUser, parseEnvFile, type RunUser, runArgv, runEnv } from './run-plan.ts';

export interface RunOptions {
  app: string;
  org?: string | undefined;
  name?: string | undefined;
  rm: boolean;
  user?: string | undefined;
  envFile?: string | undefined;
  socket: string;
  cmd: string[];
  /** Where warnings go (the CLI's stderr). */
  warn(text: string): void;
}

async function readInput(path: string, field: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw invalid(`${field} '${path}' cannot be read: ${(e as Error).message}`, { field });
  }
}

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Runs argv with inherited stdio; resolves with its exit code. Signals to this process go on to the child. */
export function spawnForwarding(argv: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: 'inherit', env });
    // A terminal already sends INT to the whole foreground group, CMD included: do not send it twice.
    const tty = process.stdin.isTTY === true;
    const handlers = FORWARDED.map((sig) => {
      const h = () => {
        if (!(tty && sig === 'SIGINT')) child.kill(sig);
      };
      process.on(sig, h);
      return [sig, h] as const;
    });
    const done = (code: number) => {
      for (const [sig, h] of handlers) process.off(sig, h);
      resolve(code);
    };
    child.once('error', () => done(127));
    child.once('exit', (code, signal) => done(exitCodeOfChild(code, signal)));
  });
}

/** The whole of `sixpn run`; returns the exit code (CMD's). */
export async function runWorkload(o: RunOptions): Promise<number> {
  if (o.cmd.length === 0) runArgv({ netns: '', etc_dir: '', env: {} }, []); // throws the usage error
  const user: RunUser | undefined = o.user
    ? findUser(await readInput('/etc/passwd', 'user'), o.user)
    : undefined;
  const fileEnv = o.envFile ? parseEnvFile(await readInput(o.envFile, 'env-file'), o.envFile) : {};
  const agent = new AgentSocketClient(o.socket);
  await agent.health();
  const key = `run/${randomUUID()}`;
  const view = await agent.create({
    app: o.app,
    ...(o.org ? { org: o.org } : {}),
    ...(o.name ? { name: o.name } : {}),
    key,
    pid: process.pid,
    rm: o.rm,
  });
  try {
    return await spawnForwarding(runArgv(view, o.cmd, user), runEnv(process.env, fileEnv, view, user));
  } finally {
    await agent.remove(key, o.rm).catch((e: unknown) => {
      o.warn(
        `sixpn run: could not ${o.rm ? 'delete' : 'stop'} instance ${view.id} (${String(e)}); ` +
          'the agent stops it once no process is left in it\n',
      );
    });
  }
}
