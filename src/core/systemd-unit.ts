// systemd unit files as text (systemd.syntax(7), systemd.service(5)): sections of `Key=value` lines and the
// quoting of command lines (ExecStart=). Pure: no files, no systemctl.

import { invalid } from './errors.ts';

/** One `[Section]` of a unit: its lines in order; a key may repeat (ExecStartPre=). */
export interface UnitSection {
  name: string;
  entries: readonly (readonly [key: string, value: string])[];
}

/** Renders a unit file: the header comment lines, then each section with its entries. */
export function renderUnit(header: readonly string[], sections: readonly UnitSection[]): string {
  const lines = header.map((h) => `# ${h}`);
  for (const s of sections) {
    if (lines.length > 0) lines.push('');
    lines.push(`[${s.name}]`);
    for (const [k, v] of s.entries) {
      if (!/^[A-Za-z][A-Za-z0-9]*$/.test(k)) throw invalid(`'${k}' is not a unit setting name`);
      if (/[\n\r]/.test(v)) throw invalid(`the value of ${k}= holds a line break, which a unit file cannot`);
      lines.push(`${k}=${v}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * One argument of a command line (ExecStart=): `%` and `$` doubled so systemd expands neither specifiers nor
 * variables, and quoted with `"` when it holds a space, a quote, a backslash or a `;`.
 */
export function quoteExecArg(arg: string): string {
  if (arg === '') return '""';
  if (/[\n\r]/.test(arg)) throw invalid('a command-line argument of a unit holds a line break');
  const escaped = arg.replaceAll('%', '%%').replaceAll('$', '$$$$');
  if (!/[\s"'\\;]/.test(escaped)) return escaped;
  return `"${escaped.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** A whole command line: the absolute program and its arguments, each quoted as needed. */
export function execLine(argv: readonly string[]): string {
  const [program] = argv;
  if (program === undefined || !program.startsWith('/')) {
    throw invalid(`a unit's command must start with an absolute path, not '${program ?? ''}'`);
  }
  return argv.map(quoteExecArg).join(' ');
}

/** A path setting's value (ReadWritePaths=): space-separated, `-` prefix kept; a path with a space is refused. */
export function pathList(paths: readonly string[]): string {
  for (const p of paths) {
    if (/\s/.test(p)) throw invalid(`the path '${p}' holds a space; pick a path without one`);
    if (!p.replace(/^-/, '').startsWith('/')) throw invalid(`'${p}' must be an absolute path`);
  }
  return paths.map((p) => p.replaceAll('%', '%%')).join(' ');
}
