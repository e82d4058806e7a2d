// Parses an app's `sixpn.toml` (TOML 1.0, https://toml.io/en/v1.0.0): `app`, optional `org` and `network`,
// `service_address`, `[experimental] private_network` and the app's health checks (`[[checks]]`,
// src/core/checks.ts). Pure: the caller reads the file; every error names the file and the key.

import { parse, TomlError } from 'smol-toml';
import { parseChecks } from './checks.ts';
import { invalid, isSixpnError, SixpnError } from './errors.ts';
import type { Check } from './model.ts';
import { checkAppName, checkLabel } from './names.ts';
import * as z from './zod.ts';

/** An app's settings as `sixpn apps create` uses them. */
export interface AppConfig {
  app: string;
  org?: string;
  network?: string;
  private_network: boolean;
  /** `[[checks]]`, canonical; absent when the file has none (then `apps update` leaves the app's checks). */
  checks?: Check[];
  /** `service_address = true`: the app gets a load-balanced service address (`svc.<app>.internal`). */
  service_address?: boolean;
}

const Experimental = z.strictObject({ private_network: z.optional(z.boolean()) });
const Schema = z.strictObject({
  app: z.string(),
  org: z.optional(z.string()),
  network: z.optional(z.string()),
  service_address: z.optional(z.boolean()),
  experimental: z.optional(Experimental),
  checks: z.optional(z.array(z.unknown())),
});

const TOP_KEYS = 'app, org, network, service_address, [experimental], [[checks]]';
const EXPERIMENTAL_KEYS = 'private_network';

/**
 * Parses the text of a `sixpn.toml`. `file` is only used in messages. Throws `invalid_argument` whose message
 * starts with `file:line:column:` (syntax) or `file:line:` (a key whose line is known) and names the key.
 */
export function parseAppConfig(text: string, file = 'sixpn.toml'): AppConfig {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text);
  } catch (e) {
    if (e instanceof TomlError) {
      const reason = (e.message.split('\n')[0] ?? '').replace(/^Invalid TOML document:\s*/, '');
      throw new SixpnError(
        'invalid_argument',
        `${file}:${e.line}:${e.column}: TOML syntax error: ${reason}`,
        {
          cause: e,
          details: { file, line: e.line, column: e.column },
        },
      );
    }
    throw e;
  }
  const r = Schema.safeParse(doc);
  if (!r.success) throw schemaError(text, file, doc, r.error.issues[0]);
  const v = r.data;
  const where = (table: string, key: string) => at(file, lineOfKey(text, table, key));
  const name = (field: string, table: string, key: string, value: string, check = checkLabel) => {
    try {
      return check(field, value);
    } catch (e) {
      if (isSixpnError(e)) throw invalid(`${where(table, key)}${e.message}`, { file, field: key });
      throw e;
    }
  };
  name('app name', '', 'app', v.app, checkAppName);
  const out: AppConfig = { app: v.app, private_network: v.experimental?.private_network ?? false };
  if (v.org !== undefined) out.org = name('org name', '', 'org', v.org);
  if (v.network !== undefined) out.network = name('network name', '', 'network', v.network);
  if (v.checks !== undefined) out.checks = checksOf(text, file, v.checks);
  if (v.service_address !== undefined) {
    if (v.service_address && !out.private_network) {
      throw invalid(
        `${where('', 'service_address')}service_address needs private networking: add [experimental] private_network = true`,
        { file, field: 'service_address' },
      );
    }
    out.service_address = v.service_address;
  }
  return out;
}

/** `[[checks]]` → canonical checks; an error gets the line of the key it names, when the file has one. */
function checksOf(text: string, file: string, checks: unknown[]): Check[] {
  try {
    return parseChecks(checks);
  } catch (e) {
    if (!isSixpnError(e)) throw e;
    const field = String(e.details?.field ?? 'checks');
    const m = /^checks\[(\d+)\](?:\.(\w+))?/.exec(field);
    const line = m ? lineOfArrayKey(text, 'checks', Number(m[1]), m[2]) : undefined;
    throw invalid(`${at(file, line)}${e.message}`, { file, field });
  }
}

/**
 * The 1-based line of `key` in the `index`-th `[[table]]` (or of its header when `key` is undefined or not
 * written there), or undefined when the tables are written inline. Only for messages.
 */
export function lineOfArrayKey(text: string, table: string, index: number, key?: string): number | undefined {
  const lines = text.split(/\r?\n/);
  let seen = -1;
  let header: number | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (/^\s*\[/.test(line)) {
      if (seen === index && header !== undefined) break;
      const m = /^\s*\[\[\s*([^\]]*?)\s*\]\]/.exec(line);
      if (m && m[1] === table) {
        seen++;
        if (seen === index) header = i + 1;
      }
      continue;
    }
    const k = /^\s*("?)([A-Za-z0-9_-]+)\1\s*=/.exec(line);
    if (seen === index && header !== undefined && k && k[2] === key) return i + 1;
  }
  return header;
}

type Issue = z.core.$ZodIssue | undefined;

function schemaError(text: string, file: string, doc: Record<string, unknown>, issue: Issue): SixpnError {
  if (!issue) return invalid(`${file}: not a valid sixpn.toml`, { file });
  const path = issue.path.map(String);
  const table = path.length > 1 ? (path[0] ?? '') : '';
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const inTable = path.join('.');
    const allowed = inTable === 'experimental' ? EXPERIMENTAL_KEYS : TOP_KEYS;
    const place = inTable ? ` in [${inTable}]` : '';
    return invalid(
      `${at(file, lineOfKey(text, inTable, key))}unknown key '${key}'${place}; allowed keys: ${allowed}`,
      { file, field: inTable ? `${inTable}.${key}` : key },
    );
  }
  const field = path.join('.');
  const key = path[path.length - 1] ?? '';
  if (issue.code === 'invalid_type') {
    const value = path.reduce<unknown>(
      (o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined),
      doc,
    );
    if (value === undefined) {
      return invalid(`${file}: ${field} is missing; add a line like: app = "web"`, { file, field });
    }
    const want =
      issue.expected === 'object'
        ? 'a table'
        : issue.expected === 'array'
          ? 'an array'
          : `a ${issue.expected}`;
    return invalid(
      `${at(file, lineOfKey(text, table, key))}${field} must be ${want}, got ${describe(value)}`,
      {
        file,
        field,
      },
    );
  }
  return invalid(`${at(file, lineOfKey(text, table, key))}${field}: ${issue.message}`, { file, field });
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Date) return 'a date';
  if (typeof v === 'object' && v !== null) return 'a table';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  return `${typeof v === 'bigint' ? 'the integer' : `the ${typeof v}`} ${String(v)}`;
}

function at(file: string, line: number | undefined): string {
  return line === undefined ? `${file}: ` : `${file}:${line}: `;
}

/**
 * The 1-based line where `key` is set directly inside `[table]` ('' = the top level), or undefined when the key
 * is written some other way (dotted, inline table). Only for messages: the parse itself is smol-toml's.
 */
export function lineOfKey(text: string, table: string, key: string): number | undefined {
  let current = '';
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const header = /^\s*\[\s*([^\]]*?)\s*\]/.exec(line);
    if (header) {
      current = header[1] ?? '';
      if (current === key && table === '') return i + 1;
      continue;
    }
    const m = /^\s*("?)([A-Za-z0-9_-]+)\1\s*=/.exec(line);
    if (m && current === table && m[2] === key) return i + 1;
  }
  return undefined;
}
