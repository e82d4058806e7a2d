// Parsers for flag and argument values: each throws FlagValueError with a message that says what is wrong, so a bad
// value stops the command before anything is sent. Pure.

import { parsePlanPrefix } from '../core/address.ts';
import { parseHostPort } from '../core/dns/host-port.ts';
import { invalid, isSixpnError } from '../core/errors.ts';
import { parseInstanceId } from '../core/ids.ts';
import { checkLabel, checkOwnIfaceName, checkRegion } from '../core/names.ts';
import { parseDuration } from '../core/usage/query.ts';
import { parseEndpoint } from '../core/wg/endpoint.ts';

/**
 * A bad flag or argument value: a usage error of commander (which takes any error with the code of its own
 * InvalidArgumentError, and prints `error: option '--x <v>' argument 'v' is invalid. <message>`) and of the
 * daemons' parser (daemon-cli.ts), which prints the same. Not commander's class: the daemons do not load commander.
 */
export class FlagValueError extends Error {
  readonly code = 'commander.invalidArgument';
  readonly exitCode = 1;
}

/** Runs a validator that throws SixpnError, turning its message into a usage error. */
export function flagOf<T>(check: (v: string) => T): (v: string) => T {
  return (v) => {
    try {
      return check(v);
    } catch (e) {
      if (isSixpnError(e)) throw new FlagValueError(e.message);
      throw e;
    }
  };
}

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A decimal number from `min` to `max` (no hex, no NaN, no Infinity). */
export function numberIn(what: string, min: number, max: number): (v: string) => number {
  return flagOf((v) => {
    const n = DECIMAL.test(v.trim()) ? Number(v) : Number.NaN;
    if (!Number.isFinite(n) || n < min || n > max)
      throw invalid(`${what} must be a number from ${min} to ${max}`);
    return n;
  });
}

export const latitude = numberIn('latitude', -90, 90);
export const longitude = numberIn('longitude', -180, 180);

/** A name that must be one DNS label (org, network, app, host, gateway, token names). */
export const label = (field: string) => flagOf((v) => checkLabel(field, v));

export const regionCode = flagOf((v) => checkRegion('region', v));

/** An instance id: 8 hex digits (case-insensitive on input, lowercase out). */
export const instanceId = flagOf((v) => parseInstanceId(v));

/** A token lifetime as the API takes it: `3600`, `3600s`, `90m`, `24h`, `30d`. */
export const duration = flagOf((v) => {
  if (!/^[1-9][0-9]{0,8}[smhd]?$/.test(v.trim()))
    throw invalid(`'${v}' is not a duration; use e.g. 3600s, 90m, 24h or 30d`);
  return v.trim();
});

/**
 * The control plane's URL: http or https, no trailing slash. Several replicas: a comma-separated list
 * (`http://a:4280,http://b:4280`), each checked, returned joined by commas (the API client fails over along it).
 */
export function parseApiUrl(v: string, source = '--api'): string {
  if (!v.includes(',')) return parseOneApiUrl(v, source);
  const urls = v
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  if (urls.length === 0) throw invalid(`${source} '${v}' names no URL`, { field: source });
  return urls.map((u) => parseOneApiUrl(u, source)).join(',');
}

function parseOneApiUrl(v: string, source: string): string {
  // A unix socket, as `sixpn lab env` prints for the lab's control plane: unix:/run/sixpn-lab/api.sock
  if (v.startsWith('unix:')) {
    const path = v.slice('unix:'.length);
    if (!/^\/[^\0?#]*[^/]$/.test(path)) {
      throw invalid(`${source} '${v}' must be unix:/absolute/path/to.sock`, { field: source });
    }
    return `unix:${path}`;
  }
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw invalid(`${source} '${v}' is not a URL; use e.g. http://127.0.0.1:4280`, { field: source });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid(`${source} '${v}' must be an http:// or https:// URL (or unix:/path for a socket)`, {
      field: source,
    });
  }
  if (url.search || url.hash || url.username || url.password) {
    throw invalid(`${source} '${v}' must be a plain base URL (no query, fragment or credentials)`, {
      field: source,
    });
  }
  return url.href.replace(/\/+$/, '');
}
export const apiUrl = flagOf((v) => parseApiUrl(v));

/** `--db`: `sqlite:PATH` (or `sqlite::memory:`) or a `postgres://` / `postgresql://` URL. */
export const dbUrl = flagOf((v) => {
  if (/^sqlite:.+/.test(v)) return v;
  if (/^postgres(?:ql)?:\/\/.+/.test(v)) return v;
  throw invalid(
    `'${v}' is not a database; use sqlite:PATH (e.g. sqlite:./sixpn.db) or postgres://USER@HOST/DB`,
  );
});

/** Free text such as a region's human name: trimmed, 1 to `max` characters, one line. */
export function text(what: string, max = 100): (v: string) => string {
  return flagOf((v) => {
    const t = v.trim();
    if (t === '' || t.length > max || /[\r\n]/.test(t))
      throw invalid(`${what} must be 1–${max} characters on one line`);
    return t;
  });
}

/** `--prefix`: the deployment /16 inside fc00::/7. */
export const prefix = flagOf((v) => {
  parsePlanPrefix(v);
  return v;
});

/** `ADDR[:PORT]` of a DNS server or upstream. */
export const hostPort = flagOf((v) => {
  parseHostPort(v);
  return v;
});

/** For repeatable `ADDR[:PORT]` flags (`--upstream`, `--listen`): collects them in order. */
export const collectHostPorts = (v: string, prev: string[] | undefined) => [...(prev ?? []), hostPort(v)];

/** A WireGuard endpoint `IP:PORT` or `[IPv6]:PORT`. */
export const endpoint = flagOf((v) => parseEndpoint(v) as string);

/** An interface name of ours: `sx…`, 3–15 characters (wireguard-go's sockets are machine-wide). */
export const iface = flagOf((v) => checkOwnIfaceName('interface', v));

/** `--usage-interval`: 1 s to 1 h, in milliseconds. */
export const usageInterval = flagOf((v) => {
  const s = parseDuration(v);
  if (s === undefined || s < 1 || s > 3600)
    throw invalid(`--usage-interval '${v}' must be a duration from 1s to 1h`);
  return s * 1000;
});

/** The usage interval when `--usage-interval` is not given: SIXPN_USAGE_INTERVAL, else 60 s. */
export const usageIntervalOf = (env: Record<string, string | undefined>) =>
  env.SIXPN_USAGE_INTERVAL ? usageInterval(env.SIXPN_USAGE_INTERVAL) : 60_000;
