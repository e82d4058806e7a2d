// Names users give to orgs, networks, apps, hosts, gateways and peers: each must be one DNS label (RFC 1035 §2.3.1).

import { invalid } from './errors.ts';

/** Lowercase letters, digits and `-`, 1–63 characters, no leading or trailing `-`. */
export const LABEL_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Names that would collide with the fixed `.internal` names (DESIGN.md) and so cannot be app names. */
export const RESERVED_APP_NAMES: ReadonlySet<string> = new Set([
  '_api',
  '_apps',
  '_peer',
  '_instances',
  'internal',
]);

/** Region codes: 2–8 lowercase letters or digits, like `ord`, `nrt`, `ams`. */
export const REGION_RE = /^[a-z][a-z0-9]{1,7}$/;

/** Throws a clear `invalid_argument` naming the field when `value` is not a valid label. */
export function checkLabel(field: string, value: string): string {
  if (LABEL_RE.test(value)) return value;
  let why = 'use lowercase letters, digits and "-", 1–63 characters, not starting or ending with "-"';
  if (value.length === 0) why = 'it is empty';
  else if (value.length > 63) why = `it is ${value.length} characters; the limit is 63`;
  else if (/[A-Z]/.test(value) && LABEL_RE.test(value.toLowerCase()))
    why = `use lowercase (${value.toLowerCase()})`;
  else if (value.startsWith('-') || value.endsWith('-')) why = 'it must not start or end with "-"';
  throw invalid(`${field} '${value}' is not a valid name: ${why}`, { field });
}

export function checkRegion(field: string, value: string): string {
  if (REGION_RE.test(value)) return value;
  throw invalid(`${field} '${value}' is not a region code: use 2–8 lowercase letters or digits, like ord`, {
    field,
  });
}

/** WireGuard peer names (DESIGN.md): `^[a-zA-Z0-9-]+$`, used lowercased as a DNS label. */
export const PEER_NAME_RE = /^[a-zA-Z0-9-]{1,63}$/;
