// The command line of the long-running daemons (`sixpn agent …`, `sixpn gateway …`) on node:util's parseArgs,
// without commander: a daemon lives for months, and commander's code and command tree stayed in its memory
// (src/agent/README.md, "Memory"). Flags, help and errors read as the rest of the CLI's (commander's) do.

import { parseArgs } from 'node:util';
import { isSixpnError } from '../core/errors.ts';
import type { CliContext } from './context.ts';
import { apiUrl, FlagValueError } from './flags.ts';
import { reportError, USAGE_EXIT, version } from './report-error.ts';

/** A flag: `--name` or `--name <value>`, its help, and how its text becomes a value (throwing FlagValueError). */
export interface Flag<T = unknown> {
  readonly spec: string;
  readonly help: string;
  parse?(v: string, previous: T | undefined): T;
  readonly default?: T;
  readonly choices?: readonly string[];
  /** The command refuses to run without it. */
  readonly required?: true;
}

/** A flag that takes a value (`spec` `--x <v>`), parsed by `parse` (identity when omitted). */
export function flag<T = string>(
  spec: string,
  help: string,
  parse?: (v: string, previous: T | undefined) => T,
): Flag<T> {
  return { spec, help, ...(parse ? { parse } : {}) };
}
/** The same, with a value when the flag is not given. */
export function flagOr<T>(
  spec: string,
  help: string,
  def: T,
  parse?: (v: string) => T,
): Flag<T> & { default: T } {
  return { spec, help, default: def, ...(parse ? { parse } : {}) };
}
/** A flag whose value must be one of `choices`. */
export const choice = <C extends string>(spec: string, help: string, choices: readonly C[]): Flag<C> => ({
  spec,
  help,
  choices,
});
/** `f`, which the command refuses to run without. */
export const needed = <T>(f: Flag<T>): Flag<T> & { required: true } => ({ ...f, required: true });
/** A flag without a value: true when given. */
export const toggle = (spec: string, help: string): Flag<true> => ({ spec, help });

export type Flags = Record<string, Flag>;
/** The values of `F`: each flag's type, or undefined when it was not given and has no default. */
export type Values<F extends Flags> = {
  [K in keyof F]: F[K] extends { default: infer D }
    ? D
    : F[K] extends Flag<infer T>
      ? F[K] extends { required: true }
        ? T
        : T | undefined
      : never;
};

/** A parsed command line: the flags' values, which of them were given, and the positional arguments. */
export interface Parsed<F extends Flags> {
  values: Values<F>;
  given: (k: keyof F) => boolean;
  args: string[];
}

/**
 * A command: its flags, positional arguments (`<id>` required, `[token]` not), subcommands and what it runs. A
 * subcommand also gets its parent's flags (`P`), which may come before or after its name, as with commander.
 */
export interface DaemonCommand<F extends Flags = Flags, P extends Flags = Flags> {
  name: string;
  description: string;
  flags: F;
  args?: readonly { name: string; help: string; parse?: (v: string) => string }[];
  after?: string;
  subcommands?: readonly DaemonCommand<Flags, F>[];
  run(p: Parsed<F & P>, ctx: CliContext): Promise<void>;
}

/** Flags of the root `sixpn` command, taken anywhere on the line (as commander takes them). */
const ROOT_FLAGS: Flags = {
  api: flag('--api <url>', 'control plane URL, or several replicas URL1,URL2 (env SIXPN_API_URL)', apiUrl),
  token: flag('--token <token>', 'API token (env SIXPN_TOKEN)'),
  ca: flag('--ca <file>', 'CA certificate (PEM) to verify an https control plane with (env SIXPN_CA)'),
};

/** A usage error: its line is printed as `error: …` and the exit code is USAGE_EXIT. */
class UsageError extends Error {}

const longName = (f: Flag) => (f.spec.split(/[ =]/)[0] ?? '').replace(/^--/, '');
const takesValue = (f: Flag) => f.spec.includes('<');
const isRequired = (a: { name: string }) => a.name.startsWith('<');

/** The command chain `argv` names (`agent`, then `join`…): where its options and positionals belong. */
function chainOf(top: DaemonCommand, positionals: readonly string[]): DaemonCommand[] {
  const chain = [top];
  const next = top.subcommands?.find((c) => c.name === positionals[1]);
  if (next) chain.push(next);
  return chain;
}

/** Every flag the chain takes, by long name: a subcommand's own before its parent's (`--name` of `join`). */
function flagsOf(chain: readonly DaemonCommand[]): Map<string, [key: string, flag: Flag]> {
  const out = new Map<string, [string, Flag]>();
  for (const c of [...chain].reverse())
    for (const [k, f] of Object.entries(c.flags)) if (!out.has(longName(f))) out.set(longName(f), [k, f]);
  for (const [k, f] of Object.entries(ROOT_FLAGS)) out.set(longName(f), [k, f]);
  return out;
}

function flagValue(f: Flag, raw: string, previous: unknown): unknown {
  if (f.choices && !f.choices.includes(raw))
    throw new UsageError(
      `option '${f.spec}' argument '${raw}' is invalid. Allowed choices are ${f.choices.join(', ')}.`,
    );
  try {
    return f.parse ? f.parse(raw, previous) : raw;
  } catch (e) {
    if (e instanceof FlagValueError || isSixpnError(e))
      throw new UsageError(`option '${f.spec}' argument '${raw}' is invalid. ${e.message}`);
    throw e;
  }
}

function argValue(a: { name: string; parse?: (v: string) => string } | undefined, raw: string): string {
  try {
    return a?.parse ? a.parse(raw) : raw;
  } catch (e) {
    if (!(e instanceof FlagValueError || isSixpnError(e))) throw e;
    const name = a?.name.slice(1, -1);
    throw new UsageError(`command-argument value '${raw}' is invalid for argument '${name}'. ${e.message}`);
  }
}

type Tokens = NonNullable<ReturnType<typeof parseArgs>['tokens']>;

/** The values of the option tokens, checked against `known`; `help`/`version` when asked for. */
function readOptions(tokens: Tokens, known: ReturnType<typeof flagsOf>) {
  const values: Record<string, unknown> = {};
  const given = new Set<string>();
  let help = false;
  let version = false;
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    if (t.name === 'help' || t.name === 'h') help = true;
    else if (t.name === 'version' || t.name === 'V') version = true;
    else {
      const hit = known.get(t.name);
      if (!hit) throw new UsageError(`unknown option '${t.rawName}'`);
      const [key, f] = hit;
      if (takesValue(f) && t.value === undefined) throw new UsageError(`option '${f.spec}' argument missing`);
      if (!takesValue(f) && t.value !== undefined) throw new UsageError(`option '${f.spec}' takes no value`);
      values[key] = takesValue(f) ? flagValue(f, t.value as string, values[key]) : true;
      given.add(key);
    }
  }
  return { values, given, help, version };
}

/**
 * Parses `argv` (`agent --host h1 …`, `agent join URL …`) for `top`. Returns the chain named, the parsed line and
 * whether help or the version was asked for; throws UsageError for what it cannot take.
 */
export function parseDaemonArgv(top: DaemonCommand, argv: readonly string[]) {
  const valueFlags = new Map<string, { type: 'string' }>();
  const all = [top, ...(top.subcommands ?? [])];
  for (const c of all)
    for (const f of Object.values({ ...c.flags, ...ROOT_FLAGS }))
      if (takesValue(f)) valueFlags.set(longName(f), { type: 'string' });
  const { tokens, positionals } = parseArgs({
    args: [...argv],
    options: Object.fromEntries(valueFlags),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  // `sixpn agent help join`: the help of `join`
  const helpCommand = positionals[1] === 'help' && top.subcommands !== undefined;
  const chain = chainOf(top, helpCommand ? [top.name, positionals[2] ?? ''] : positionals);
  const cmd = chain.at(-1) as DaemonCommand;
  const opts = readOptions(tokens, flagsOf(chain));
  const args = positionals.slice(chain.length);
  if (helpCommand || opts.help || opts.version)
    return { chain, ...opts, help: !opts.version, args, values: {} };
  const want = cmd.args ?? [];
  if (args.length > want.length) {
    if (want.length === 0 && cmd.subcommands) throw new UsageError(`unknown command '${args[0]}'`);
    throw new UsageError(
      `too many arguments for '${cmd.name}'. Expected ${want.length} argument${want.length === 1 ? '' : 's'} but got ${args.length}.`,
    );
  }
  const missing = want.slice(args.length).find(isRequired);
  if (missing) throw new UsageError(`missing required argument '${missing.name.slice(1, -1)}'`);
  for (const c of chain)
    for (const [k, f] of Object.entries(c.flags)) {
      if (!(k in opts.values) && 'default' in f) opts.values[k] = f.default;
      if (!(k in opts.values) && f.required)
        throw new UsageError(`required option '${f.spec}' not specified`);
    }
  return { chain, ...opts, args: args.map((a, i) => argValue(want[i], a)) };
}

const HELP_WIDTH = 80;

/** `text` in lines of at most HELP_WIDTH (a longer word stays whole), every line but the first indented by `indent`. */
function wrap(text: string, indent: number): string {
  const lines: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(' ')) {
      if (line !== '' && indent + line.length + 1 + word.length > HELP_WIDTH) {
        lines.push(line);
        line = word;
      } else line = line === '' ? word : `${line} ${word}`;
    }
    lines.push(line);
  }
  return lines.join(`\n${' '.repeat(indent)}`);
}

function helpRows(rows: readonly [string, string][]): string {
  const width = Math.max(...rows.map(([a]) => a.length)) + 2;
  return rows.map(([a, b]) => `  ${a.padEnd(width)}${wrap(b, width + 2)}`.trimEnd()).join('\n');
}

const flagHelp = (f: Flag) => {
  const extra = [
    ...(f.choices ? [`choices: ${f.choices.map((c) => `"${c}"`).join(', ')}`] : []),
    ...('default' in f ? [`default: ${JSON.stringify(f.default)}`] : []),
  ];
  return extra.length > 0 ? `${f.help} (${extra.join(', ')})` : f.help;
};

/** The help of the last command of `chain`, laid out as commander lays out the rest of the CLI's. */
export function daemonHelp(chain: readonly DaemonCommand[]): string {
  const cmd = chain.at(-1) as DaemonCommand;
  const path = ['sixpn', ...chain.map((c) => c.name)].join(' ');
  const args = (cmd.args ?? []).map((a) => ` ${a.name}`).join('');
  const usage = `Usage: ${path} [options]${cmd.subcommands ? ' [command]' : ''}${args}`;
  const options = helpRows([
    ...Object.values(cmd.flags).map((f): [string, string] => [f.spec, flagHelp(f)]),
    ['-h, --help', 'display help for command'],
  ]);
  const parts = [usage, wrap(cmd.description, 0)];
  if (cmd.args?.length)
    parts.push(`Arguments:\n${helpRows(cmd.args.map((a) => [a.name.slice(1, -1), a.help]))}`);
  parts.push(`Options:\n${options}`);
  if (cmd.subcommands) {
    const rows = cmd.subcommands.map((c): [string, string] => [
      `${c.name}${Object.keys(c.flags).length > 0 ? ' [options]' : ''}${(c.args ?? []).map((a) => ` ${a.name}`).join('')}`,
      c.description,
    ]);
    parts.push(`Commands:\n${helpRows([...rows, ['help [command]', 'display help for command']])}`);
  }
  return `${parts.join('\n\n')}\n${cmd.after ? `${cmd.after}\n` : ''}`;
}

/** Runs `argv` (the words after `sixpn`) for the daemon command `top`; returns the exit code. */
export async function runDaemonCli(
  top: DaemonCommand,
  argv: readonly string[],
  ctx: CliContext,
): Promise<number> {
  try {
    const p = parseDaemonArgv(top, argv);
    if (p.version) ctx.io.stdout(`${version()}\n`);
    else if (p.help) ctx.io.stdout(daemonHelp(p.chain));
    else {
      const { api, token, ca } = p.values as { api?: string; token?: string; ca?: string };
      ctx.globals = { api, token, ca };
      const values = p.values as Values<Flags>;
      await (p.chain.at(-1) as DaemonCommand).run(
        { values, given: (k) => p.given.has(k), args: p.args },
        ctx,
      );
    }
    return ctx.exitCode ?? 0;
  } catch (e) {
    if (!(e instanceof UsageError)) return reportError(e, ctx);
    ctx.io.stderr(`error: ${e.message}\n`);
    return USAGE_EXIT;
  }
}
