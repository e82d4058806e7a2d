// Precomputed answers: resource records encoded once, whose owner is a pointer to the question name
// (RFC 1035 §4.1.4), so a response is the query's header and question plus these bytes copied as they are.

import dnsPacket from 'dns-packet';
import { CLASS_IN, HEADER_LEN, MAX_MESSAGE, PTR_QNAME_HI, PTR_QNAME_LO, putU16, putU32, T } from './wire.ts';

/** Every `.internal` record has this TTL (DESIGN.md). */
export const TTL = 5;

/**
 * An answer ready to copy: `count` records in `bytes[0, len)`. When `recLen` is not 0, every record has that
 * length, so the first k records are the first k × recLen bytes. With `order`, the records are not in place:
 * record i of the answer is record `order[i]` of `bytes` (the nearest-first view of an app's RRset shares
 * the bytes of the app's answer instead of copying them).
 */
export interface Answer {
  readonly rcode: number;
  readonly count: number;
  readonly bytes: Uint8Array;
  readonly len: number;
  readonly recLen: number;
  readonly order?: Uint32Array;
}

const EMPTY = new Uint8Array(0);
export const NXDOMAIN: Answer = { rcode: 3, count: 0, bytes: EMPTY, len: 0, recLen: 0 };
/** NOERROR with no records: the name exists but has nothing of the asked type (RFC 2308 §2.2). */
export const NODATA: Answer = { rcode: 0, count: 0, bytes: EMPTY, len: 0, recLen: 0 };

export const AAAA_RR_LEN = 28;
/**
 * Room left for records in the largest message once the header, the longest question and an OPT are
 * written: a list longer than this cannot be sent even over TCP, so it is cut at a record boundary.
 */
export const MAX_RECORDS_BYTES = MAX_MESSAGE - HEADER_LEN - (255 + 4) - 11 - 74 - 64;
export const MAX_AAAA_RECORDS = Math.floor(MAX_RECORDS_BYTES / AAAA_RR_LEN);
/** Longest TXT value carried: its 255-byte strings each cost one length byte, and the record 12 bytes. */
export const MAX_TXT_VALUE = Math.floor(((MAX_RECORDS_BYTES - 12) * 255) / 256);

function writeRrHeader(out: Uint8Array, off: number, type: number): void {
  out[off] = PTR_QNAME_HI;
  out[off + 1] = PTR_QNAME_LO;
  putU16(out, off + 2, type);
  putU16(out, off + 4, CLASS_IN);
  putU32(out, off + 6, TTL);
}

/** Writes one AAAA record (owner: the question) for a 16-byte address at `out[off]`. */
export function writeAaaa(out: Uint8Array, off: number, addr: Uint8Array, addrOff: number): void {
  writeRrHeader(out, off, T.AAAA);
  putU16(out, off + 10, 16);
  out.set(addr.subarray(addrOff, addrOff + 16), off + 12);
}

/** Splits a value into character-strings of at most 255 bytes (RFC 1035 §3.3.14), one record. */
export function txtStrings(value: string): Buffer[] {
  const all = Buffer.from(value, 'utf8');
  const out: Buffer[] = [];
  for (let i = 0; i < all.length; i += 255) out.push(all.subarray(i, i + 255));
  if (out.length === 0) out.push(Buffer.alloc(0));
  return out;
}

/** One TXT record holding `value` (split into 255-byte strings); NODATA when `value` is empty. */
export function txtAnswer(value: string): Answer {
  if (value === '') return NODATA;
  const rr = encodeWithLibrary({ name: '.', type: 'TXT', ttl: TTL, data: txtStrings(value) });
  return { rcode: 0, count: 1, bytes: rr, len: rr.length, recLen: 0 };
}

/**
 * Joins `items` with `sep`, stopping before the item that would make the value longer than `max` bytes
 * (a DNS message cannot carry more).
 */
export function joinCapped(items: Iterable<string>, sep: string, max = MAX_TXT_VALUE): string {
  const parts: string[] = [];
  let size = 0;
  const sepLen = Buffer.byteLength(sep);
  for (const it of items) {
    const add = Buffer.byteLength(it) + (parts.length > 0 ? sepLen : 0);
    if (size + add > max) break;
    parts.push(it);
    size += add;
  }
  return parts.join(sep);
}

/** The zone's SOA (RFC 1035 §3.3.13): negative answers are cached for min(TTL, minimum) = 5 s (RFC 2308). */
export function soaRdata(serial: number): dnsPacket.SoaData {
  return {
    mname: 'ns.internal',
    rname: 'hostmaster.internal',
    serial: serial >>> 0,
    refresh: 3600,
    retry: 600,
    expire: 86400,
    minimum: TTL,
  };
}

/**
 * Offsets, in the bytes of {@link soaRecord}, of its three pointers to the name `internal.`: the owner, and the
 * ends of MNAME `ns.internal.` and RNAME `hostmaster.internal.` (RFC 1035 §4.1.4).
 */
export const SOA_POINTERS: readonly number[] = [0, 15, 28];
const SOA_MNAME = [2, 0x6e, 0x73]; // "ns"
const SOA_RNAME = [10, ...Array.from('hostmaster', (c) => c.charCodeAt(0))];

/**
 * The SOA record of `internal.` with every name compressed: owner, MNAME and RNAME end in a pointer to
 * `internal.` at `at` (12, the question, for `internal.` itself). 50 bytes where the names written in full
 * take 74. A response for another name moves the pointers to that name's last label ({@link pointSoa}).
 */
export function soaRecord(serial: number, at = HEADER_LEN): Uint8Array {
  const rd = SOA_MNAME.length + 2 + SOA_RNAME.length + 2 + 20;
  const out = new Uint8Array(12 + rd);
  putU16(out, 2, T.SOA);
  putU16(out, 4, CLASS_IN);
  putU32(out, 6, TTL);
  putU16(out, 10, rd);
  out.set(SOA_MNAME, 12);
  out.set(SOA_RNAME, 17);
  const d = soaRdata(serial);
  const tail = [d.serial, d.refresh, d.retry, d.expire, d.minimum];
  for (let i = 0; i < tail.length; i++) putU32(out, 30 + 4 * i, tail[i] ?? 0);
  pointSoa(out, 0, at);
  return out;
}

/** Points the three names of the SOA record at `out[off]` to the name `internal.` at offset `at`. */
export function pointSoa(out: Uint8Array, off: number, at: number): void {
  for (const k of SOA_POINTERS) putU16(out, off + k, 0xc000 | at);
}

/** The SOA record as an answer to a question for `internal.` itself (every name points at the question). */
export function soaAnswer(serial: number): Answer {
  const rr = soaRecord(serial);
  return { rcode: 0, count: 1, bytes: rr, len: rr.length, recLen: 0 };
}

/**
 * Encodes one record with dns-packet and returns its bytes, the owner (which must be the root, one zero
 * byte) replaced by the pointer to the question name.
 */
function encodeWithLibrary(rr: dnsPacket.Answer): Uint8Array {
  const pkt = dnsPacket.encode({ type: 'response', id: 0, flags: 0, answers: [rr] });
  const body = pkt.subarray(HEADER_LEN);
  const out = new Uint8Array(body.length + 1);
  out[0] = PTR_QNAME_HI;
  out[1] = PTR_QNAME_LO;
  out.set(body.subarray(1), 2);
  return out;
}
