// Builds the `sixpn` command tree from its command groups and runs it: one `error: …` line and the exit code of
// the error table (core/errors.ts) for every failure; a stack trace only with SIXPN_LOG=debug.

import { Command, CommanderError } from '@commander-js/extra-typings';
import type { CliContext } from './context.ts';
import { type DaemonCommand, runDaemonCli } from './daemon-cli.ts';
import { apiUrl } from './flags.ts';
import { reportError as reportSixpnError, USAGE_EXIT, version } from './report-error.ts';

/** The root command; every group adds its subcommands to it. */
export type Program = ReturnType<typeof createProgram>;

/** A command group (`orgs`, `server`, `dig`, …): one file under commands/ exporting one of these. */
export type CommandGroup = (program: Program, ctx: CliContext) => void;

/**
 * A command group and the top-level command names it registers, imported only when a run needs it. A daemon's
 * (`daemon`) runs on its own parser (daemon-cli.ts); its `load` only lists it in commander's help.
 */
export interface LazyGroup {
  names: readonly string[];
  load: () => Promise<CommandGroup>;
  daemon?: () => Promise<DaemonCommand>;
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
  const needed = groupsFor(groups, argv);
  const daemon = needed.length === 1 ? needed[0]?.daemon : undefined;
  if (daemon) return runDaemonCli(await daemon(), argv, ctx);
  const program = createProgram(ctx);
  for (const g of needed) (await g.load())(program, ctx);
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

/** Prints one line for `e` and returns its exit code (commander has printed its own for a usage error). */
export function reportError(e: unknown, ctx: CliContext): number {
  if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : USAGE_EXIT;
  return reportSixpnError(e, ctx);
}
