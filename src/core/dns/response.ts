// Builds responses to a parsed query: header, the question echoed as asked, precomputed records, the SOA of
// negative answers (RFC 2308 §3), and the OPT record (RFC 6891 §6.1.1); TC when it does not fit (RFC 2181 §9).

import type { Query } from './query.ts';
import { type Answer, pointSoa } from './rdata.ts';
import { F, HEADER_LEN, MIN_UDP, putU16, RCODE, T } from './wire.ts';

const OPT_LEN = 11;
/** The largest UDP payload this server accepts and answers with, whatever a client advertises. */
export const MAX_UDP = 4096;
/** The payload size we advertise (DNS flag day 2020: no fragmentation). */
export const DEFAULT_ADVERTISED = 1232;

/** How big a response to `q` may be: 512 without EDNS, else the client's size, clamped to [512, 4096]. */
export function udpLimit(q: Query): number {
  if (!q.edns) return MIN_UDP;
  return Math.max(MIN_UDP, Math.min(q.udpSize, MAX_UDP));
}

function writeOpt(out: Uint8Array, off: number, q: Query, advertised: number, rcode: number): void {
  out[off] = 0;
  putU16(out, off + 1, T.OPT);
  putU16(out, off + 3, advertised);
  out[off + 5] = (rcode >>> 4) & 0xff;
  out[off + 6] = 0;
  out[off + 7] = q.dnssecOk ? 0x80 : 0;
  out[off + 8] = 0;
  putU16(out, off + 9, 0);
}

function writeHeader(
  out: Uint8Array,
  msg: Uint8Array,
  q: Query,
  flags: number,
  rcode: number,
  counts: [number, number, number, number],
): void {
  out[0] = msg[0]!;
  out[1] = msg[1]!;
  // QR, the opcode, RD and CD as asked (RFC 1035 §4.1.1, RFC 6840 §5.9), then ours.
  const f = F.QR | (q.flags & (0x7800 | F.RD | F.CD)) | flags | (rcode & 0xf);
  putU16(out, 2, f);
  putU16(out, 4, counts[0]);
  putU16(out, 6, counts[1]);
  putU16(out, 8, counts[2]);
  putU16(out, 10, counts[3]);
}

/**
 * The response carrying `ans` (at most `limit` of its records). With no records and a NOERROR or NXDOMAIN
 * rcode, `soa` (from `soaRecord`) goes in the authority section, its names compressed to the question's last
 * label (`internal.`). When the whole does not fit `maxSize`, returns the header and
 * question with TC set instead.
 */
export function answerResponse(
  msg: Uint8Array,
  q: Query,
  ans: Answer,
  limit: number,
  soa: Uint8Array,
  maxSize: number,
  advertised: number,
  flags: number,
): Buffer {
  let count = ans.count;
  let ansLen = ans.len;
  if (limit < count && ans.recLen > 0) {
    count = limit;
    ansLen = limit * ans.recLen;
  }
  const withSoa = count === 0 && (ans.rcode === RCODE.NOERROR || ans.rcode === RCODE.NXDOMAIN);
  const qEnd = q.questionEnd;
  const optLen = q.edns ? OPT_LEN : 0;
  const len = qEnd + ansLen + (withSoa ? soa.length : 0) + optLen;
  if (len > maxSize) return truncatedResponse(msg, q, ans.rcode, flags, advertised);
  const out = Buffer.allocUnsafe(len);
  writeHeader(out, msg, q, flags, ans.rcode, [1, count, withSoa ? 1 : 0, q.edns ? 1 : 0]);
  out.set(msg.subarray(HEADER_LEN, qEnd), HEADER_LEN);
  let p = qEnd;
  const order = ans.order;
  if (order !== undefined) {
    // gather records by index: 28-byte copies, cheaper in a loop than a view per record
    const src = ans.bytes;
    const rl = ans.recLen;
    for (let i = 0; i < count; i++) {
      const from = order[i]! * rl;
      for (let j = 0; j < rl; j++) out[p + j] = src[from + j]!;
      p += rl;
    }
  } else if (ansLen > 0) {
    out.set(ansLen === ans.bytes.length ? ans.bytes : ans.bytes.subarray(0, ansLen), p);
    p += ansLen;
  }
  if (withSoa) {
    out.set(soa, p);
    // its names end in `internal.`: the question's last label (`isInternal`), asked before any other name
    pointSoa(out, p, q.labels[q.labelCount - 1] ?? HEADER_LEN);
    p += soa.length;
  }
  if (q.edns) writeOpt(out, p, q, advertised, ans.rcode);
  return out;
}

/** Header and question with TC set: the client should ask again over TCP (RFC 7766 §5). */
export function truncatedResponse(
  msg: Uint8Array,
  q: Query,
  rcode: number,
  flags: number,
  advertised: number,
): Buffer {
  const qEnd = q.questionEnd;
  const out = Buffer.allocUnsafe(qEnd + (q.edns ? OPT_LEN : 0));
  writeHeader(out, msg, q, flags | F.TC, rcode, [1, 0, 0, q.edns ? 1 : 0]);
  out.set(msg.subarray(HEADER_LEN, qEnd), HEADER_LEN);
  if (q.edns) writeOpt(out, qEnd, q, advertised, rcode);
  return out;
}

/**
 * An error response (FORMERR, NOTIMP, REFUSED, SERVFAIL, BADVERS): the question when it parsed, and an OPT
 * when the query had a valid one. Extended rcodes (> 15) need that OPT.
 */
export function errorResponse(
  msg: Uint8Array,
  q: Query,
  rcode: number,
  advertised: number,
  flags = 0,
): Buffer {
  const qEnd = q.questionEnd;
  const withQ = qEnd > 0;
  const bodyEnd = withQ ? qEnd : HEADER_LEN;
  const out = Buffer.allocUnsafe(bodyEnd + (q.edns ? OPT_LEN : 0));
  writeHeader(out, msg, q, flags, rcode, [withQ ? 1 : 0, 0, 0, q.edns ? 1 : 0]);
  if (withQ) out.set(msg.subarray(HEADER_LEN, qEnd), HEADER_LEN);
  if (q.edns) writeOpt(out, bodyEnd, q, advertised, rcode);
  return out;
}
