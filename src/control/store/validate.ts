// Checks of the store's inputs that are the store's own: region records, roles, token kinds, free text, times.
// Names, keys and endpoints are checked by the one rule of each in src/core. Each throws `invalid_argument`.

import { invalid } from '../../core/errors.ts';
import { HostRole, TokenKind } from '../../core/model.ts';
import { checkRegion } from '../../core/names.ts';
import type { CreateRegion } from './store.ts';

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

/** An ISO-8601 timestamp, normalized. */
export function checkTime(field: string, value: string): string {
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw invalid(`${field} '${value}' is not an ISO-8601 time`, { field });
  return new Date(t).toISOString();
}
