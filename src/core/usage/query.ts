// A usage query (`GET /v1/orgs/{org}/usage?from&to&step&by`): parsing and checking its fields, the bucket table
// that answers it, and grouping rows into series. Pure; the store runs the SQL.

import { invalid } from '../errors.ts';

export const USAGE_BY = ['network', 'app', 'scope', 'region-pair', 'peer'] as const;
export type UsageBy = (typeof USAGE_BY)[number];

export const MINUTE = 60;
export const HOUR = 3600;
export const DAY = 86_400;
export type Granularity = typeof MINUTE | typeof HOUR | typeof DAY;

/** How long each bucket table keeps rows, in seconds. */
export interface UsageRetention {
  minute: number;
  hour: number;
  day: number;
  /** Marks of applied reports (a replay older than this still counts once: see the store's floors). */
  reports: number;
}
export const DEFAULT_RETENTION: UsageRetention = {
  minute: 2 * DAY,
  hour: 90 * DAY,
  day: 730 * DAY,
  reports: 7 * DAY,
};

export interface UsageQuery {
  /** Unix seconds, `from` inclusive, `to` exclusive; both multiples of a minute. */
  from: number;
  to: number;
  /** Seconds, a multiple of 60. */
  step: number;
  by: UsageBy;
}

/** `30s`, `5m`, `1h`, `1d` or plain seconds → seconds; undefined when not a duration. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d{1,9})(s|m|h|d)?$/.exec(text.trim());
  if (!m) return undefined;
  const unit = { s: 1, m: MINUTE, h: HOUR, d: DAY }[(m[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

/** An ISO-8601 time, unix seconds, or `now`, `now-2h`, `-2h` (relative to `now`) → unix seconds. */
export function parseTime(field: string, text: string, now: number): number {
  const t = text.trim();
  const rel = /^(?:now)?(?:-(\S+))?$/.exec(t);
  if (rel && t !== '') {
    const back = rel[1] === undefined ? 0 : parseDuration(rel[1]);
    if (back !== undefined) return now - back;
  }
  if (/^\d{9,11}$/.test(t)) return Number(t);
  const ms = Date.parse(t);
  if (!/^\d{4}-\d\d-\d\d/.test(t) || Number.isNaN(ms)) {
    throw invalid(
      `${field} '${text}' is not a time: give ISO-8601 (2030-01-02T15:04:05Z), unix seconds or now-24h`,
      {
        field,
      },
    );
  }
  return Math.floor(ms / 1000);
}

const floorTo = (t: number, g: number) => Math.floor(t / g) * g;

/**
 * Checks and normalises a query's fields (strings as they came in the URL). `from` defaults to 24 h before
 * `now`, `to` to `now`, `step` to a value that gives at most about 60 points, `by` to `network`. Times are
 * rounded down to `step`'s minute grid. Throws `invalid_argument` naming the field: from after to, a step under
 * a minute or not a multiple of one, an unknown by, or a from older than the retention.
 */
export function parseUsageQuery(
  raw: {
    from?: string | undefined;
    to?: string | undefined;
    step?: string | undefined;
    by?: string | undefined;
  },
  now: number,
  retention: UsageRetention = DEFAULT_RETENTION,
): UsageQuery {
  const by = (raw.by ?? 'network') as UsageBy;
  if (!USAGE_BY.includes(by))
    throw invalid(`by '${raw.by}' is unknown: use one of ${USAGE_BY.join(', ')}`, { field: 'by' });
  let to = raw.to === undefined ? now : parseTime('to', raw.to, now);
  let from = raw.from === undefined ? to - DAY : parseTime('from', raw.from, now);
  if (from >= to)
    throw invalid(`from must be before to (from ${iso(from)}, to ${iso(to)})`, { field: 'from' });
  let step: number;
  if (raw.step === undefined) {
    step =
      [MINUTE, 5 * MINUTE, 15 * MINUTE, HOUR, 6 * HOUR, DAY, 7 * DAY].find((s) => (to - from) / s <= 60) ??
      7 * DAY;
  } else {
    const s = parseDuration(raw.step);
    if (s === undefined)
      throw invalid(`step '${raw.step}' is not a duration like 1m, 1h or 1d`, { field: 'step' });
    if (s < MINUTE || s % MINUTE !== 0) {
      throw invalid(`step must be a whole number of minutes, at least 1m (got ${raw.step})`, {
        field: 'step',
      });
    }
    step = s;
  }
  from = floorTo(from, Math.min(step, DAY));
  to = Math.ceil(to / MINUTE) * MINUTE;
  if (from < now - retention.day) {
    throw invalid(
      `from ${iso(from)} is older than the retention (${retention.day / DAY} days of daily usage)`,
      {
        field: 'from',
      },
    );
  }
  if ((to - from) / step > 10_000)
    throw invalid('the range holds more than 10000 steps: give a larger step', { field: 'step' });
  return { from, to, step, by };
}

const iso = (t: number) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');

/** The coarsest bucket table that answers the query exactly and still holds its whole range. */
export function granularityFor(q: UsageQuery, now: number, retention: UsageRetention): Granularity {
  const fits = (g: number, keep: number) => q.step % g === 0 && q.from % g === 0 && q.from >= now - keep;
  if (fits(DAY, retention.day)) return DAY;
  if (fits(HOUR, retention.hour)) return HOUR;
  if (q.from >= now - retention.minute) return MINUTE;
  // Older than the minute table keeps: answer from the finest table that still has it (steps rounded to it).
  return q.from >= now - retention.hour ? HOUR : DAY;
}

export interface UsageTotals {
  tx_bytes: number;
  tx_packets: number;
  rx_bytes: number;
  rx_packets: number;
}
export interface UsageRow extends UsageTotals {
  t: number;
  key: string;
}
export interface UsageSeries {
  key: string;
  total: UsageTotals;
  points: (UsageTotals & { t: string })[];
}

const zero = (): UsageTotals => ({ tx_bytes: 0, tx_packets: 0, rx_bytes: 0, rx_packets: 0 });
function add(a: UsageTotals, b: UsageTotals): void {
  a.tx_bytes += b.tx_bytes;
  a.tx_packets += b.tx_packets;
  a.rx_bytes += b.rx_bytes;
  a.rx_packets += b.rx_packets;
}

/** Rows (bucket start, group key, sums) → one series per key, points every `step`, zeros included; sorted by key. */
export function toSeries(
  q: UsageQuery,
  rows: readonly UsageRow[],
): { series: UsageSeries[]; total: UsageTotals } {
  const n = Math.ceil((q.to - q.from) / q.step);
  const byKey = new Map<string, UsageTotals[]>();
  const total = zero();
  for (const r of rows) {
    const i = Math.floor((r.t - q.from) / q.step);
    if (i < 0 || i >= n) continue;
    let pts = byKey.get(r.key);
    if (!pts) {
      pts = Array.from({ length: n }, zero);
      byKey.set(r.key, pts);
    }
    add(pts[i]!, r);
    add(total, r);
  }
  const series = [...byKey]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, pts]) => {
      const t = zero();
      for (const p of pts) add(t, p);
      return { key, total: t, points: pts.map((p, i) => ({ t: iso(q.from + i * q.step), ...p })) };
    });
  return { series, total };
}

/**
 * `minute=2d,hour=90d,day=730d,reports=7d` (any subset; the rest default) → retention. Each table must keep at
 * least as long as the finer one before it, and minutes at least an hour.
 */
export function parseRetention(text: string): UsageRetention {
  const out = { ...DEFAULT_RETENTION };
  for (const part of text.split(',').filter((p) => p.trim() !== '')) {
    const [k, v] = part.split('=').map((s) => s.trim());
    if (k !== 'minute' && k !== 'hour' && k !== 'day' && k !== 'reports') {
      throw invalid(`--usage-retention: unknown table '${k}': use minute, hour, day or reports`);
    }
    const d = v === undefined ? undefined : parseDuration(v);
    if (d === undefined) throw invalid(`--usage-retention: ${k}='${v ?? ''}' is not a duration like 2d`);
    out[k] = d;
  }
  if (out.minute < HOUR || out.hour < out.minute || out.day < out.hour) {
    throw invalid('--usage-retention: keep minute ≥ 1h, hour ≥ minute and day ≥ hour');
  }
  return out;
}
