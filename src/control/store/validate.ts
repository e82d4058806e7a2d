// Checks of the store's inputs that names.ts does not cover: app names, peer names, keys, regions, tokens.
// Each throws `invalid_argument` naming the field, before anything is written.

import { invalid } from '../../core/errors.ts';
import { HostRole, TokenKind } from '../../core/model.ts';
import { checkLabel, checkRegion, PEER_NAME_RE, RESERVED_APP_NAMES } from '../../core/names.ts';
import type { CreateRegion } from './store.ts';

/** A WireGuard key as `wg` prints it: 32 bytes in base64, 44 characters ending in `=`. */
const WG_KEY_RE = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

export function checkWgKey(field: string, value: string): string {
  if (WG_KEY_RE.test(value)) return value;
  throw invalid(
    `${field} is not a WireGuard public key: expected 44 base64 characters as 'wg pubkey' prints`,
    {
      field,
    },
  );
}

export function checkAppName(name: string): string {
  checkLabel('name', name);
  if (RESERVED_APP_NAMES.has(name)) {
    throw invalid(`app name '${name}' is reserved by .internal DNS; choose another name`, { field: 'name' });
  }
  return name;
}

/** Peer names are matched case-insensitively: returns the lowercased name. */
export function checkPeerName(name: string): string {
  const lower = name.toLowerCase();
  if (!PEER_NAME_RE.test(lower)) {
    throw invalid(
      `peer name '${name}' is not valid: use letters, digits and "-", 1–63 characters (it is used lowercased in DNS)`,
      { field: 'name' },
    );
  }
  return lower;
}

export function checkRegionInput(r: CreateRegion): CreateRegion {
  checkRegion('code', r.code);
  checkText('name', r.name, 100);
  if (typeof r.lat !== 'number' || !Number.isFinite(r.lat) || r.lat < -90 || r.lat > 90) {
    throw invalid(`lat ${r.lat} is out of range: latitude is a number from -90 to 90`, { field: 'lat' });
  }
  if (typeof r.lon !== 'number' || !Number.isFinite(r.lon) || r.lon < -180 || r.lon > 180) {
    throw invalid(`lon ${r.lon} is out of range: longitude is a number from -180 to 180`, { field: 'lon' });
  }
  return r;
}

export function checkRole(role: string): HostRole {
  const r = HostRole.safeParse(role);
  if (!r.success) throw invalid(`role '${role}' is not one of host, gateway`, { field: 'role' });
  return r.data;
}

export function checkTokenKind(kind: string): TokenKind {
  const r = TokenKind.safeParse(kind);
  if (!r.success) {
    throw invalid(`token kind '${kind}' is not one of ${TokenKind.options.join(', ')}`, { field: 'kind' });
  }
  return r.data;
}

/** Free text (a display name): 1–`max` characters, no control characters. */
export function checkText(field: string, value: string, max: number): string {
  if (typeof value !== 'string' || value.trim().length === 0) {
    throw invalid(`${field} is empty; give a short description`, { field });
  }
  if (value.length > max)
    throw invalid(`${field} is ${value.length} characters; the limit is ${max}`, { field });
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(value)) throw invalid(`${field} contains control characters`, { field });
  return value;
}

/** Endpoints are `HOST:PORT` (IPv6 hosts in brackets). */
export function checkEndpoint(field: string, value: string): string {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : 0;
  if (!m || port < 1 || port > 65535) {
    throw invalid(`${field} '${value}' is not HOST:PORT (for example 198.18.0.2:51820 or [fd00::1]:51820)`, {
      field,
    });
  }
  return value;
}

/** An ISO-8601 timestamp, normalized. */
export function checkTime(field: string, value: string): string {
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw invalid(`${field} '${value}' is not an ISO-8601 time`, { field });
  return new Date(t).toISOString();
}
