// How a failed command ends, for the commander CLI (run.ts) and the daemons' (daemon-cli.ts): one `error: …` line
// and the exit code of the error table (core/errors.ts); a stack trace only with SIXPN_LOG=debug.

import { readFileSync } from 'node:fs';
import { exitCodeOf, isSixpnError } from '../core/errors.ts';
import type { CliContext } from './context.ts';

/** Exit code of a usage error (bad flag, unknown command): the same as `invalid_argument`. */
export const USAGE_EXIT = exitCodeOf('invalid_argument');

/** sixpn's version, from its package.json. */
export function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Prints one line for `e` and returns its exit code. */
export function reportError(e: unknown, ctx: CliContext): number {
  if (isSixpnError(e)) {
    ctx.io.stderr(`error: ${oneLine(e.message)}\n`);
    if (ctx.io.env.SIXPN_LOG === 'debug' && e.cause)
      ctx.io.stderr(`${String((e.cause as Error).stack ?? e.cause)}\n`);
    return exitCodeOf(e.code);
  }
  const err = e as Error;
  ctx.io.stderr(`error: ${oneLine(err?.message ?? String(e))}\n`);
  if (ctx.io.env.SIXPN_LOG === 'debug') ctx.io.stderr(`${err?.stack ?? ''}\n`);
  else ctx.io.stderr('hint: this looks like a bug in sixpn; run again with SIXPN_LOG=debug for details\n');
  return exitCodeOf('internal');
}

const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' ').trim();
