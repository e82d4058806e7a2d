// Fast, allocation-free parser for incoming DNS queries (RFC 1035 §4.1, EDNS(0) OPT per RFC 6891 §6.1).

import { HEADER_LEN, skipName, T, u16 } from './wire.ts';

/** What to do with a message after parsing. */
export const Parse = {
  /** A well-formed query with one question. */
  OK: 0,
  /** Not worth an answer: shorter than a header, or a response (QR set). */
  DROP: 1,
  /** Malformed: answer FORMERR. */
  FORMERR: 2,
  /** An opcode other than QUERY: answer NOTIMP. */
  NOTIMP: 3,
} as const;
export type ParseStatus = (typeof Parse)[keyof typeof Parse];

export const MAX_LABELS = 127;

/**
 * A parsed query. One instance is reused for every message (the hot path allocates nothing); copy what
 * you need before the next call to {@link parseQuery}.
 */
export class Query {
  id = 0;
  /** The second header word as received. */
  flags = 0;
  opcode = 0;
  /** Offset just after the question section, or 0 when the question did not parse. */
  questionEnd = 0;
  /** Offset just after the question name (its root byte). */
  qnameEnd = 0;
  qtype = 0;
  qclass = 0;
  /** Offsets of each label's length byte, the root excluded. */
  readonly labels = new Int32Array(MAX_LABELS);
  labelCount = 0;
  /** An OPT record was present (EDNS). */
  edns = false;
  /** Requestor's UDP payload size from OPT (RFC 6891 §6.2.3), as sent. */
  udpSize = 0;
  ednsVersion = 0;
  /** The DO bit (RFC 3225), echoed in the response OPT. */
  dnssecOk = false;

  reset(): void {
    this.id = 0;
    this.flags = 0;
    this.opcode = 0;
    this.questionEnd = 0;
    this.qnameEnd = 0;
    this.qtype = 0;
    this.qclass = 0;
    this.labelCount = 0;
    this.edns = false;
    this.udpSize = 0;
    this.ednsVersion = 0;
    this.dnssecOk = false;
  }
}

/**
 * Parses `msg` (its first `len` bytes) into `q`. Requires exactly one question whose name is not
 * compressed; answer and authority records are skipped; one OPT at most in the additional section,
 * with the root as owner. Trailing bytes after the last record are ignored.
 */
export function parseQuery(msg: Uint8Array, len: number, q: Query): ParseStatus {
  q.reset();
  if (len < HEADER_LEN) return Parse.DROP;
  q.id = u16(msg, 0);
  q.flags = u16(msg, 2);
  if (q.flags & 0x8000) return Parse.DROP;
  q.opcode = (q.flags >>> 11) & 0xf;
  if (q.opcode !== 0) return Parse.NOTIMP;
  if (u16(msg, 4) !== 1) return Parse.FORMERR;
  const an = u16(msg, 6);
  const ns = u16(msg, 8);
  const ar = u16(msg, 10);

  // The question name: plain labels only, at most 255 bytes in all.
  let p = HEADER_LEN;
  let count = 0;
  for (;;) {
    if (p >= len) return Parse.FORMERR;
    const l = msg[p]!;
    if (l === 0) {
      p++;
      break;
    }
    if (l > 63 || count === MAX_LABELS) return Parse.FORMERR;
    q.labels[count++] = p;
    p += 1 + l;
    if (p - HEADER_LEN > 254) return Parse.FORMERR;
  }
  if (p + 4 > len) return Parse.FORMERR;
  q.labelCount = count;
  q.qnameEnd = p;
  q.qtype = u16(msg, p);
  q.qclass = u16(msg, p + 2);
  p += 4;
  q.questionEnd = p;

  // Answer and authority records of a query carry nothing for us; they must still be well formed.
  for (let i = 0; i < an + ns; i++) {
    p = skipRecord(msg, p, len);
    if (p < 0) return Parse.FORMERR;
  }
  let edns = false;
  for (let i = 0; i < ar; i++) {
    const owner = p;
    const afterName = skipName(msg, p, len);
    if (afterName < 0 || afterName + 10 > len) return Parse.FORMERR;
    const type = u16(msg, afterName);
    const rdlen = u16(msg, afterName + 8);
    const end = afterName + 10 + rdlen;
    if (end > len) return Parse.FORMERR;
    if (type === T.OPT) {
      if (edns || afterName !== owner + 1 || msg[owner] !== 0) return Parse.FORMERR;
      if (!optionsWellFormed(msg, afterName + 10, end)) return Parse.FORMERR;
      edns = true;
      q.udpSize = u16(msg, afterName + 2);
      q.ednsVersion = msg[afterName + 5]!;
      q.dnssecOk = (msg[afterName + 6]! & 0x80) !== 0;
    }
    p = end;
  }
  // Only a query whose OPT is valid gets one back (RFC 6891 §7).
  q.edns = edns;
  return Parse.OK;
}

function skipRecord(msg: Uint8Array, off: number, len: number): number {
  const p = skipName(msg, off, len);
  if (p < 0 || p + 10 > len) return -1;
  const end = p + 10 + u16(msg, p + 8);
  return end > len ? -1 : end;
}

/** EDNS options are {code, length, data} triples that must tile the RDATA exactly (RFC 6891 §6.1.2). */
function optionsWellFormed(msg: Uint8Array, start: number, end: number): boolean {
  let p = start;
  while (p < end) {
    if (p + 4 > end) return false;
    p += 4 + u16(msg, p + 2);
  }
  return p === end;
}

/** Is the question name inside `internal.` (the zone itself included)? */
export function isInternal(msg: Uint8Array, q: Query): boolean {
  if (q.labelCount === 0) return false;
  const off = q.labels[q.labelCount - 1]!;
  if (msg[off] !== 8) return false;
  // "internal", ASCII case-insensitive
  const w = INTERNAL;
  for (let i = 0; i < 8; i++) {
    const c = msg[off + 1 + i]!;
    if ((c >= 65 && c <= 90 ? c | 0x20 : c) !== w[i]) return false;
  }
  return true;
}

const INTERNAL = Uint8Array.from('internal', (c) => c.charCodeAt(0));
