// Every naming rule of sixpn, each defined once with one message: DNS labels (RFC 1035 §2.3.1) for orgs, networks,
// apps, hosts and gateways; reserved words of `.internal` (DESIGN.md); region codes; peer names; Linux interface
// names (IFNAMSIZ); nftables table names. Each check returns the value or throws `invalid_argument` naming the field.

import { invalid } from './errors.ts';

/** Lowercase letters, digits and `-`, 1–63 characters, no leading or trailing `-`. */
export const LABEL_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Region codes: 2–8 lowercase letters or digits, like `ord`, `nrt`, `ams`. */
export const REGION_RE = /^[a-z][a-z0-9]{1,7}$/;

/** WireGuard peer names (DESIGN.md): `^[a-zA-Z0-9-]+$`, used lowercased as a DNS label. */
export const PEER_NAME_RE = /^[a-zA-Z0-9-]{1,63}$/;

/** Linux interface names: at most 15 bytes (IFNAMSIZ 16 with the NUL); sixpn allows only these characters. */
export const IFACE_RE = /^[A-Za-z0-9_.-]{1,15}$/;

/** sixpn's nftables tables: `sixpn` and up to 26 more of `a-z 0-9 _` (sixpn never touches another table). */
export const NFT_TABLE_RE = /^sixpn[a-z0-9_]{0,26}$/;

/** The words of `.internal` names (DESIGN.md) that can never be a region code or an app name. */
const RESERVED_WORDS: ReadonlySet<string> = new Set([
  'global',
  'all',
  'regions',
  'vms',
  'vm',
  'nearest',
  'of',
  'svc',
  'internal',
]);
const RESERVED_HINT =
  'global, all, regions, vms, vm, nearest, of, svc, internal, top<N> and names starting with _';

/** True for a word `.internal` DNS gives a meaning: the fixed words, `top<N>` and every label starting with `_`. */
export function isReservedName(name: string): boolean {
  return RESERVED_WORDS.has(name) || /^top[0-9]+$/.test(name) || name.startsWith('_');
}

/** A name that must be one DNS label (org, network, app, host, gateway, token names). */
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

function checkNotReserved(field: string, value: string): string {
  if (!isReservedName(value)) return value;
  throw invalid(`${field} '${value}' is reserved by .internal DNS (${RESERVED_HINT}); choose another`, {
    field,
  });
}

/** An app name: a DNS label that is not a reserved word of `.internal`. */
export function checkAppName(field: string, value: string): string {
  return checkNotReserved(field, checkLabel(field, value));
}

/** A region code: 2–8 lowercase letters or digits, not a reserved word of `.internal`. */
export function checkRegion(field: string, value: string): string {
  if (!REGION_RE.test(value)) {
    throw invalid(`${field} '${value}' is not a region code: use 2–8 lowercase letters or digits, like ord`, {
      field,
    });
  }
  return checkNotReserved(field, value);
}

/** A peer name: letters, digits and `-`, 1–63 characters. Peers are matched case-insensitively: returns it lowercased. */
export function checkPeerName(field: string, value: string): string {
  if (PEER_NAME_RE.test(value)) return value.toLowerCase();
  throw invalid(
    `${field} '${value}' is not a valid peer name: use letters, digits and "-", 1–63 characters (it is used lowercased in DNS)`,
    { field },
  );
}

/** A Linux interface name (1–15 of `A-Z a-z 0-9 _ . -`). */
export function checkIfaceName(field: string, value: string): string {
  if (IFACE_RE.test(value)) return value;
  throw invalid(
    `${field} '${value}' is not an interface name: use 1–15 of A-Z a-z 0-9 _ . - (Linux allows 15 bytes)`,
    { field },
  );
}

/**
 * An interface sixpn owns in the machine's namespace: `sx` and 1–13 more characters. wireguard-go's UAPI sockets
 * and the machine's links are shared by everything on it, so sixpn creates and deletes only `sx…` names there.
 */
export function checkOwnIfaceName(field: string, value: string): string {
  checkIfaceName(field, value);
  if (value.startsWith('sx') && value.length > 2) return value;
  throw invalid(
    `${field} '${value}' is not one of sixpn's: in the machine's namespace sixpn only manages sx… interfaces (e.g. sxmesh)`,
    { field },
  );
}

/** An nftables table of sixpn's. */
export function checkNftTable(field: string, value: string): string {
  if (NFT_TABLE_RE.test(value)) return value;
  throw invalid(
    `${field} '${value}' is not a sixpn table name: use "sixpn" and up to 26 of a-z 0-9 _ (sixpn tables only)`,
    { field },
  );
}
