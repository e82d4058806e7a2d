// Builds the `sixpn` command tree from its command groups and runs it: one `error: …` line and the exit code of
// the error table (core/errors.ts) for every failure; a stack trace only with SIXPN_LOG=debug.

import { readFileSync } from 'node:fs';
import { Command, CommanderError } from '@commander-js/extra-typings';
import { exitCodeOf, isSixpnError } from '../core/errors.ts';
import type { CliContext } from './context.ts';
import { apiUrl } from './flags.ts';

/** The root command; every group adds its subcommands to it. */
export type Program = ReturnType<typeof createProgram>;

/** A command group (`orgs`, `server`, `dig`, …): one file under commands/ exporting one of these. */
export type CommandGroup = (program: Program, ctx: CliContext) => void;

/** A command group and the top-level command names it registers, imported only when a run needs it. */
export interface LazyGroup {
  names: readonly string[];
  load: () => Promise<CommandGroup>;
}

/** Exit code of a usage error (bad flag, unknown command): the same as `invalid_argument`. */
export const USAGE_EXIT = exitCodeOf('invalid_argument');

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export function createProgram(ctx: CliContext) {
  const program = new Command('sixpn')
    .description('Private IPv6 networks (6PN), .internal DNS and WireGuard peering for a fleet')
    .version(version(), '-V, --version')
    .option(
      '--api <url>',
      'control plane URL, or several replicas URL1,URL2 (env SIXPN_API_URL; default: the login file, then http://127.0.0.1:4280)',
      apiUrl,
    )
    .option('--token <token>', 'API token (env SIXPN_TOKEN; default: the login file)')
    .option(
      '--ca <file>',
      'CA certificate (PEM) to verify an https control plane with (env SIXPN_CA; or pin its CA with SIXPN_CA_FINGERPRINT=sha256:HEX)',
    )
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.io.stdout(s),
      writeErr: (s) => ctx.io.stderr(s),
      outputError: (s, write) => write(s.endsWith('\n') ? s : `${s}\n`),
    });
  program.hook('preAction', () => {
    ctx.globals = program.opts();
  });
  return program;
}

/** Runs the CLI on `argv` (without node and script) and returns the process exit code. */
export async function runCli(
  groups: readonly LazyGroup[],
  argv: readonly string[],
  ctx: CliContext,
): Promise<number> {
  const program = createProgram(ctx);
  for (const g of groupsFor(groups, argv)) (await g.load())(program, ctx);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode ?? 0;
  } catch (e) {
    return reportError(e, ctx);
  }
}

/** Options of the root command that take a value (so the word after them is not a command name). */
const ROOT_VALUE_OPTIONS = new Set(['--api', '--token', '--ca']);

/**
 * The groups a run of `argv` needs: the one that registers its command; none for a bare `--version`; every group
 * for help, a missing or an unknown command (so help lists them all and commander can suggest the nearest name).
 */
export function groupsFor(groups: readonly LazyGroup[], argv: readonly string[]): readonly LazyGroup[] {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (ROOT_VALUE_OPTIONS.has(a)) {
      i++;
      continue;
    }
    if (a.startsWith('-')) continue;
    const g = groups.find((x) => x.names.includes(a));
    return g ? [g] : groups;
  }
  const onlyVersion =
    argv.some((a) => a === '-V' || a === '--version') && !argv.some((a) => a === '-h' || a === '--help');
  return onlyVersion ? [] : groups;
}

/** Prints one line for `e` and returns its exit code. */
export function reportError(e: unknown, ctx: CliContext): number {
  if (e instanceof CommanderError) {
    // commander has printed its own `error: …` line (or the help/version text)
    if (e.exitCode === 0) return 0;
    return USAGE_EXIT;
  }
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
