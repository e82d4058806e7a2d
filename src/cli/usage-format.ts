// How `sixpn usage` prints: bytes in binary units, a bar per key and a sparkline over time. Pure.

import type { UsageView } from '../client/schemas.ts';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** `1536` → `1.5 KiB`; whole bytes below 1 KiB; three significant digits above. */
export function humanBytes(n: number): string {
  let v = n;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return `${n} B`;
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${UNITS[u]}`;
}

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A horizontal bar of `value / max` over `width` cells, in eighths of a cell. */
export function bar(value: number, max: number, width = 20): string {
  if (max <= 0 || value <= 0) return '';
  const eighths = Math.max(1, Math.round((value / max) * width * 8));
  return '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8];
}

const SPARKS = '▁▂▃▄▅▆▇█';

/** One character per point, scaled to the largest; a space for none at all. */
export function sparkline(values: readonly number[]): string {
  const max = Math.max(0, ...values);
  return values
    .map((v) => (v <= 0 || max === 0 ? ' ' : SPARKS[Math.min(7, Math.floor((v / max) * 7.999))]))
    .join('');
}

const stepText = (s: number) =>
  s % 86_400 === 0 ? `${s / 86_400}d` : s % 3600 === 0 ? `${s / 3600}h` : `${s / 60}m`;

/** The human report: one line per key (sent, received, packets, a bar of bytes sent, sent over time). */
export function formatUsage(org: string, u: UsageView): string {
  const head = `private traffic of ${org}, ${u.from} → ${u.to}, by ${u.by}, every ${stepText(u.step)}\n`;
  if (u.series.length === 0) return `${head}no traffic counted in this range\n`;
  const max = Math.max(...u.series.map((s) => s.total.tx_bytes + s.total.rx_bytes));
  const rows = [
    ['KEY', 'SENT', 'RECEIVED', 'PACKETS', '', 'OVER TIME'],
    ...u.series.map((s) => [
      s.key,
      humanBytes(s.total.tx_bytes),
      humanBytes(s.total.rx_bytes),
      String(s.total.tx_packets + s.total.rx_packets),
      bar(s.total.tx_bytes + s.total.rx_bytes, max),
      `|${sparkline(s.points.map((p) => p.tx_bytes + p.rx_bytes))}|`,
    ]),
    [
      'total',
      humanBytes(u.total.tx_bytes),
      humanBytes(u.total.rx_bytes),
      String(u.total.tx_packets + u.total.rx_packets),
      '',
      '',
    ],
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => [...(r[i] ?? '')].length)));
  const lines = rows.map((r) =>
    r
      .map((c, i) => c + ' '.repeat((widths[i] ?? 0) - [...c].length))
      .join('  ')
      .trimEnd(),
  );
  return `${head}\n${lines.join('\n')}\n`;
}
