// DNS wire constants and byte helpers shared by the fast path (RFC 1035 §4.1, RFC 6891 §6.1).

/** Resource record types the server handles by number. */
export const T = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  IXFR: 251,
  AXFR: 252,
  ANY: 255,
} as const;

export const CLASS_IN = 1;
export const CLASS_ANY = 255;

/** Response codes (RFC 1035 §4.1.1; BADVERS is the extended code 16 of RFC 6891). */
export const RCODE = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  BADVERS: 16,
} as const;

export const RCODE_NAMES: readonly string[] = [
  'NOERROR',
  'FORMERR',
  'SERVFAIL',
  'NXDOMAIN',
  'NOTIMP',
  'REFUSED',
  'YXDOMAIN',
  'YXRRSET',
  'NXRRSET',
  'NOTAUTH',
  'NOTZONE',
  'RCODE11',
  'RCODE12',
  'RCODE13',
  'RCODE14',
  'RCODE15',
  'BADVERS',
];

/** Header flag bits of the second 16-bit word. */
export const F = {
  QR: 0x8000,
  AA: 0x0400,
  TC: 0x0200,
  RD: 0x0100,
  RA: 0x0080,
  AD: 0x0020,
  CD: 0x0010,
} as const;

export const HEADER_LEN = 12;
/** Every answer owner name in the fast path is this pointer to the question name at offset 12. */
export const PTR_QNAME_HI = 0xc0;
export const PTR_QNAME_LO = 0x0c;
/** Largest DNS message (the TCP length prefix is 16 bits). */
export const MAX_MESSAGE = 65535;
/** What a client without EDNS accepts over UDP (RFC 1035 §4.2.1). */
export const MIN_UDP = 512;

/** The type names used in metrics labels and dig output; anything else is `TYPE<n>`. */
const TYPE_NAMES = new Map<number, string>([
  [1, 'A'],
  [2, 'NS'],
  [5, 'CNAME'],
  [6, 'SOA'],
  [12, 'PTR'],
  [15, 'MX'],
  [16, 'TXT'],
  [28, 'AAAA'],
  [33, 'SRV'],
  [35, 'NAPTR'],
  [41, 'OPT'],
  [43, 'DS'],
  [46, 'RRSIG'],
  [48, 'DNSKEY'],
  [64, 'SVCB'],
  [65, 'HTTPS'],
  [251, 'IXFR'],
  [252, 'AXFR'],
  [255, 'ANY'],
  [257, 'CAA'],
]);

export function typeName(t: number): string {
  return TYPE_NAMES.get(t) ?? `TYPE${t}`;
}

export function rcodeName(r: number): string {
  return RCODE_NAMES[r] ?? `RCODE${r}`;
}

/** Type number from a name like `AAAA` or `TYPE65`; undefined when unknown. */
export function typeNumber(name: string): number | undefined {
  const up = name.toUpperCase();
  for (const [n, s] of TYPE_NAMES) if (s === up) return n;
  const m = /^TYPE([0-9]{1,5})$/.exec(up);
  if (m) {
    const n = Number(m[1]);
    if (n <= 65535) return n;
  }
  return undefined;
}

export function u16(b: Uint8Array, off: number): number {
  return (b[off]! << 8) | b[off + 1]!;
}

export function putU16(b: Uint8Array, off: number, v: number): void {
  b[off] = (v >>> 8) & 0xff;
  b[off + 1] = v & 0xff;
}

export function putU32(b: Uint8Array, off: number, v: number): void {
  b[off] = (v >>> 24) & 0xff;
  b[off + 1] = (v >>> 16) & 0xff;
  b[off + 2] = (v >>> 8) & 0xff;
  b[off + 3] = v & 0xff;
}

/** ASCII lowercase of one byte: DNS names compare case-insensitively in ASCII only (RFC 4343). */
export function lower(c: number): number {
  return c >= 65 && c <= 90 ? c | 0x20 : c;
}

/** Does the label at `off` (its length byte) equal `word` (lowercase ASCII), ignoring ASCII case? */
export function labelIs(msg: Uint8Array, off: number, word: Uint8Array): boolean {
  const n = msg[off]!;
  if (n !== word.length) return false;
  for (let i = 0; i < n; i++) if (lower(msg[off + 1 + i]!) !== word[i]) return false;
  return true;
}

/** The lowercase ASCII bytes of a word, for {@link labelIs}. */
export function word(s: string): Uint8Array {
  return Uint8Array.from(s.toLowerCase(), (c) => c.charCodeAt(0));
}

/** Case-folded FNV-1a over the bytes of a label; 30 bits so it stays a small integer Map key. */
export function hashLabel(msg: Uint8Array, off: number): number {
  const n = msg[off]!;
  let h = 0x811c9dc5;
  for (let i = 1; i <= n; i++) h = Math.imul(h ^ lower(msg[off + i]!), 0x01000193);
  return (h ^ n) & 0x3fffffff;
}

/** The same hash over a string's char codes (the string must be lowercase ASCII). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h ^ s.length) & 0x3fffffff;
}

/** Does the label at `off` equal the lowercase string `s`, ignoring ASCII case? */
export function labelEqualsString(msg: Uint8Array, off: number, s: string): boolean {
  const n = msg[off]!;
  if (n !== s.length) return false;
  for (let i = 0; i < n; i++) if (lower(msg[off + 1 + i]!) !== s.charCodeAt(i)) return false;
  return true;
}

/**
 * Skips one possibly compressed name starting at `off` (RFC 1035 §4.1.4); returns the offset after it,
 * or -1 when it runs past `end` or uses a reserved label type. Pointers are not followed.
 */
export function skipName(msg: Uint8Array, off: number, end: number): number {
  let p = off;
  for (let guard = 0; guard < 128; guard++) {
    if (p >= end) return -1;
    const l = msg[p]!;
    if (l === 0) return p + 1;
    const kind = l & 0xc0;
    if (kind === 0xc0) return p + 2 <= end ? p + 2 : -1;
    if (kind !== 0) return -1;
    p += 1 + l;
  }
  return -1;
}
