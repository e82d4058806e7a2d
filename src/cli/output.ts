// How the CLI prints: aligned columns for lists, `key: value` lines for one object, JSON for --json. Pure.

/** One column of a table: its header and how to get the cell of a row. */
export interface Column<T> {
  header: string;
  get: (row: T) => unknown;
}

/** A value as text: null/undefined → `-`, booleans → yes/no in tables, everything else String(). */
export function cell(v: unknown, inTable = true): string {
  if (v === null || v === undefined || v === '') return '-';
  if (typeof v === 'boolean') return inTable ? (v ? 'yes' : 'no') : String(v);
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v).replace(/[\r\n\t]+/g, ' ');
}

/** Columns padded to the widest cell, two spaces apart, no trailing spaces; a header row first. */
export function formatTable<T>(columns: readonly Column<T>[], rows: readonly T[]): string {
  const grid = [columns.map((c) => c.header), ...rows.map((r) => columns.map((c) => cell(c.get(r))))];
  const widths = columns.map((_, i) => Math.max(...grid.map((line) => [...(line[i] ?? '')].length)));
  const lines = grid.map((line) =>
    line
      .map((v, i) => (i === line.length - 1 ? v : v + ' '.repeat((widths[i] ?? 0) - [...v].length)))
      .join('  ')
      .trimEnd(),
  );
  return `${lines.join('\n')}\n`;
}

/** `key: value` lines with the values aligned, in the object's key order. */
export function formatKeyValues(obj: Record<string, unknown>): string {
  const keys = Object.keys(obj);
  const width = Math.max(0, ...keys.map((k) => k.length + 1));
  return (
    keys.map((k) => `${`${k}:`.padEnd(width)} ${cell(obj[k], false)}`.trimEnd()).join('\n') +
    (keys.length ? '\n' : '')
  );
}

/** JSON as --json prints it: indented, one trailing newline. */
export function formatJson(v: unknown): string {
  return `${JSON.stringify(v, null, 2)}\n`;
}
