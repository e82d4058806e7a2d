// Health checks of an app: the input form (`[[checks]]` of sixpn.toml, `checks` of the API's app bodies) parsed
// into the canonical form the model carries (model.ts `Check`, times in ms). Pure; every error names the field
// (`checks[1].timeout`) and says what to do. Durations: `10s`, `500ms`, `1m30s`, or a number of seconds.

import { invalid } from './errors.ts';
import type { Check } from './model.ts';
import { LABEL_RE } from './names.ts';

/** At most this many checks per app. */
export const MAX_CHECKS = 16;
export const DEFAULT_INTERVAL_MS = 10_000;
export const MIN_INTERVAL_MS = 1_000;
export const MAX_DURATION_MS = 3_600_000;
/** Shortest time-out (a connect on the same host takes well under 1 ms). */
export const MIN_TIMEOUT_MS = 10;
export const DEFAULT_STATUS = { min: 200, max: 399 } as const;
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

const COMMON_KEYS = ['name', 'type', 'port', 'interval', 'timeout', 'grace_period'];
const HTTP_KEYS = ['path', 'method', 'expected_status'];
const ALL_KEYS = [...COMMON_KEYS, ...HTTP_KEYS];

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * `10s`, `1500ms`, `1m30s`, `2h` or a number of seconds (`0.5` = 500 ms) → whole milliseconds; undefined when
 * the value is not one of those or not a whole number of ms.
 */
export function parseDurationMs(v: unknown): number | undefined {
  if (typeof v === 'number' || typeof v === 'bigint') {
    const ms = Number(v) * 1000;
    return Number.isFinite(ms) && ms >= 0 && Number.isInteger(ms) ? ms : undefined;
  }
  if (typeof v !== 'string') return undefined;
  const text = v.trim();
  if (text === '0') return 0;
  if (!/^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/.test(text)) return undefined;
  let ms = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g))
    ms += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? 0);
  ms = Math.round(ms * 1000) / 1000;
  return Number.isInteger(ms) ? ms : undefined;
}

/** `10s`, `1m30s`, `1500ms`, `0s`: the shortest text {@link parseDurationMs} reads back as `ms`. */
export function formatDurationMs(ms: number): string {
  if (ms === 0) return '0s';
  if (ms % 1000 !== 0) return `${ms}ms`;
  let s = ms / 1000;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
}

const show = (v: unknown) =>
  typeof v === 'string' ? JSON.stringify(v) : typeof v === 'bigint' ? String(v) : JSON.stringify(v);

/** One check's input object (already known to be an object) → its canonical form. */
function parseOne(raw: Record<string, unknown>, field: string): Check {
  const bad = (key: string, what: string) => invalid(`${field}.${key} ${what}`, { field: `${field}.${key}` });
  for (const key of Object.keys(raw)) {
    if (!ALL_KEYS.includes(key)) {
      throw invalid(`${field}.${key}: unknown field '${key}'; allowed: ${ALL_KEYS.join(', ')}`, {
        field: `${field}.${key}`,
      });
    }
  }
  const type = raw.type;
  if (type === undefined) throw bad('type', 'is missing; set type = "tcp" or type = "http"');
  if (type !== 'tcp' && type !== 'http') throw bad('type', `must be "tcp" or "http", got ${show(type)}`);
  const port = typeof raw.port === 'bigint' ? Number(raw.port) : raw.port;
  if (port === undefined) throw bad('port', 'is missing; set the port the instance listens on, 1–65535');
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw bad('port', `must be a whole number 1–65535, got ${show(raw.port)}`);
  }
  const duration = (key: string, dflt: number) => {
    const v = raw[key];
    if (v === undefined) return dflt;
    const ms = parseDurationMs(v);
    if (ms === undefined) throw bad(key, `must be a duration like "10s", "500ms" or "1m", got ${show(v)}`);
    if (ms > MAX_DURATION_MS) throw bad(key, `must be at most 1h, got ${show(v)}`);
    return ms;
  };
  const interval_ms = duration('interval', DEFAULT_INTERVAL_MS);
  if (interval_ms < MIN_INTERVAL_MS) throw bad('interval', `must be at least 1s, got ${show(raw.interval)}`);
  const timeout_ms = duration('timeout', Math.min(2000, Math.floor(interval_ms / 2)));
  if (timeout_ms < MIN_TIMEOUT_MS) throw bad('timeout', `must be at least 10ms, got ${show(raw.timeout)}`);
  if (timeout_ms >= interval_ms) {
    throw bad(
      'timeout',
      `(${formatDurationMs(timeout_ms)}) must be shorter than interval (${formatDurationMs(interval_ms)})`,
    );
  }
  const grace_period_ms = duration('grace_period', 0);
  const name = raw.name ?? `${type}-${port}`;
  if (typeof name !== 'string' || !LABEL_RE.test(name)) {
    throw bad('name', `must be a DNS label (a-z, 0-9, '-', at most 63), got ${show(name)}`);
  }
  const base: Check = { name, type: type as Check['type'], port, interval_ms, timeout_ms, grace_period_ms };
  if (type === 'tcp') {
    for (const key of HTTP_KEYS) {
      if (raw[key] !== undefined) throw bad(key, 'is only for http checks; remove it or set type = "http"');
    }
    return base;
  }
  return { ...base, ...httpPart(raw, bad) };
}

function httpPart(raw: Record<string, unknown>, bad: (key: string, what: string) => Error) {
  const path = raw.path ?? '/';
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw bad('path', `must start with '/', like "/healthz", got ${show(path)}`);
  }
  if (path.length > 1024 || !/^[\x21-\x7e]+$/.test(path)) {
    throw bad('path', 'must be at most 1024 printable characters without spaces (percent-encode others)');
  }
  const method = raw.method ?? 'GET';
  const upper = typeof method === 'string' ? method.toUpperCase() : '';
  if (!(HTTP_METHODS as readonly string[]).includes(upper)) {
    throw bad('method', `must be one of ${HTTP_METHODS.join(', ')}, got ${show(method)}`);
  }
  const status = parseStatusRange(raw.expected_status);
  if (status === undefined) {
    throw bad(
      'expected_status',
      `must be a status like 200 or a range like "200-299" (100–599), got ${show(raw.expected_status)}`,
    );
  }
  return { path, method: upper, status_min: status.min, status_max: status.max };
}

/** `200`, `"204"`, `"200-299"` (absent: 200–399) → the range; undefined when it is none of those. */
export function parseStatusRange(v: unknown): { min: number; max: number } | undefined {
  if (v === undefined) return { ...DEFAULT_STATUS };
  const text = typeof v === 'number' || typeof v === 'bigint' ? String(v) : typeof v === 'string' ? v : '';
  const m = /^\s*(\d{3})\s*(?:-\s*(\d{3})\s*)?$/.exec(text);
  if (!m) return undefined;
  const min = Number(m[1]);
  const max = Number(m[2] ?? m[1]);
  return min >= 100 && max <= 599 && min <= max ? { min, max } : undefined;
}

/**
 * The `checks` of an app (TOML array of tables or JSON array) → canonical checks, in order. Throws
 * `invalid_argument` naming the field (`checks[0].port`); `field` prefixes it (default `checks`).
 */
export function parseChecks(v: unknown, field = 'checks'): Check[] {
  if (!Array.isArray(v)) throw invalid(`${field} must be an array of checks`, { field });
  if (v.length > MAX_CHECKS) {
    throw invalid(`${field} has ${v.length} checks; at most ${MAX_CHECKS} are allowed`, { field });
  }
  const out: Check[] = [];
  const names = new Set<string>();
  v.forEach((raw, i) => {
    const f = `${field}[${i}]`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw invalid(`${f} must be a table (an object) like { type = "tcp", port = 8080 }`, { field: f });
    }
    const c = parseOne(raw as Record<string, unknown>, f);
    if (names.has(c.name)) {
      throw invalid(`${f}.name '${c.name}' is used by an earlier check; give each check its own name`, {
        field: `${f}.name`,
      });
    }
    names.add(c.name);
    out.push(c);
  });
  return out;
}

/** The input form of a canonical check (what {@link parseChecks} reads back as the same check). */
export function checkInput(c: Check): Record<string, string | number> {
  const out: Record<string, string | number> = { name: c.name, type: c.type, port: c.port };
  if (c.type === 'http') {
    out.path = c.path ?? '/';
    out.method = c.method ?? 'GET';
    out.expected_status =
      c.status_min === c.status_max ? (c.status_min ?? 200) : `${c.status_min}-${c.status_max}`;
  }
  out.interval = formatDurationMs(c.interval_ms);
  out.timeout = formatDurationMs(c.timeout_ms);
  out.grace_period = formatDurationMs(c.grace_period_ms);
  return out;
}

/** One line for people: `http-8080: http GET :8080/healthz expect 200-399 every 10s, timeout 2s`. */
export function describeCheck(c: Check): string {
  const what =
    c.type === 'http'
      ? `http ${c.method ?? 'GET'} :${c.port}${c.path ?? '/'} expect ${c.status_min}-${c.status_max}`
      : `tcp :${c.port}`;
  const grace = c.grace_period_ms > 0 ? `, grace ${formatDurationMs(c.grace_period_ms)}` : '';
  return `${c.name}: ${what} every ${formatDurationMs(c.interval_ms)}, timeout ${formatDurationMs(c.timeout_ms)}${grace}`;
}
