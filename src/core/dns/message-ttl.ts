// Reading and rewriting whole responses for the forwarder: TTLs (RFC 2308 §5 for negative answers, RFC 8767
// §4 for stale ones), the question as a cache key, and whether a reply answers the question that was sent.

import { Parse, parseQuery, Query } from './query.ts';
import { F, HEADER_LEN, lower, putU32, skipName, T, u16 } from './wire.ts';

interface RecordVisit {
  type: number;
  /** Offset of the TTL field. */
  ttlAt: number;
  section: 'answer' | 'authority' | 'additional';
  rdataAt: number;
  rdlen: number;
}

/** Visits every record after the question; false when the message is malformed. */
export function forEachRecord(msg: Uint8Array, fn: (r: RecordVisit) => void): boolean {
  if (msg.length < HEADER_LEN) return false;
  let p = HEADER_LEN;
  for (let i = u16(msg, 4); i > 0; i--) {
    p = skipName(msg, p, msg.length);
    if (p < 0 || p + 4 > msg.length) return false;
    p += 4;
  }
  const counts: [number, RecordVisit['section']][] = [
    [u16(msg, 6), 'answer'],
    [u16(msg, 8), 'authority'],
    [u16(msg, 10), 'additional'],
  ];
  for (const [n, section] of counts) {
    for (let i = 0; i < n; i++) {
      p = skipName(msg, p, msg.length);
      if (p < 0 || p + 10 > msg.length) return false;
      const rdlen = u16(msg, p + 8);
      if (p + 10 + rdlen > msg.length) return false;
      fn({ type: u16(msg, p), ttlAt: p + 4, section, rdataAt: p + 10, rdlen });
      p += 10 + rdlen;
    }
  }
  return true;
}

const ttlAt = (msg: Uint8Array, off: number) =>
  ((msg[off]! << 24) | (msg[off + 1]! << 16) | (msg[off + 2]! << 8) | msg[off + 3]!) >>> 0;

/**
 * How long a response may be cached, in seconds: the smallest TTL of its answer and authority records; for a
 * negative answer, min(SOA TTL, SOA minimum) (RFC 2308 §5). Undefined when malformed.
 */
export function cacheTtl(msg: Uint8Array): number | undefined {
  let min = Number.POSITIVE_INFINITY;
  const ok = forEachRecord(msg, (r) => {
    if (r.section === 'additional' || r.type === T.OPT) return;
    let ttl = ttlAt(msg, r.ttlAt);
    if (r.type === T.SOA && r.section === 'authority' && r.rdlen >= 20) {
      ttl = Math.min(ttl, ttlAt(msg, r.rdataAt + r.rdlen - 4));
    }
    min = Math.min(min, ttl);
  });
  if (!ok) return undefined;
  return Number.isFinite(min) ? min : 0;
}

/** A copy of `msg` with every TTL (OPT excepted) set to `ttl`. */
export function withTtl(msg: Uint8Array, ttl: number): Buffer {
  const out = Buffer.from(msg);
  forEachRecord(out, (r) => {
    if (r.type !== T.OPT) putU32(out, r.ttlAt, ttl);
  });
  return out;
}

/**
 * The cache key of a query: its name (lowercase), type and class, and the DO and CD bits that change what an
 * upstream returns. Undefined when it is not a well-formed query.
 */
export function questionKey(msg: Uint8Array, q: Query = new Query()): string | undefined {
  if (parseQuery(msg, msg.length, q) !== Parse.OK) return undefined;
  let name = '';
  for (let p = HEADER_LEN; p < q.qnameEnd - 1; p++) name += String.fromCharCode(lower(msg[p]!));
  return `${name}/${q.qtype}/${q.qclass}/${q.dnssecOk ? 1 : 0}${q.flags & F.CD ? 1 : 0}`;
}

/**
 * Does `reply` answer `query` (same id, QR set, the same single question up to ASCII case)? Protects the
 * forwarder from stray and spoofed datagrams.
 */
export function answersQuery(query: Uint8Array, reply: Uint8Array): boolean {
  if (reply.length < HEADER_LEN || query.length < HEADER_LEN) return false;
  if (reply[0] !== query[0] || reply[1] !== query[1]) return false;
  if ((u16(reply, 2) & F.QR) === 0 || u16(reply, 4) !== 1) return false;
  const end = skipName(query, HEADER_LEN, query.length);
  if (end < 0 || end + 4 > query.length) return false;
  const qlen = end + 4 - HEADER_LEN;
  if (reply.length < HEADER_LEN + qlen) return false;
  for (let i = HEADER_LEN; i < HEADER_LEN + qlen; i++)
    if (lower(reply[i]!) !== lower(query[i]!)) return false;
  return true;
}

export function isTruncated(reply: Uint8Array): boolean {
  return reply.length >= 4 && (u16(reply, 2) & F.TC) !== 0;
}

export function rcodeOf(reply: Uint8Array): number {
  return reply.length >= 4 ? reply[3]! & 0xf : -1;
}
