// Hand-made hostile DNS messages for the abuse test and benchmark: compression-pointer loops and chains in every
// place a name can be, oversized messages, overlong names and labels. Each says what rcode the server must give
// (undefined: any rcode, as long as the reply parses and echoes the id).

import { encodeQuery } from '../../../src/core/dns/client-query.ts';

export interface Abusive {
  name: string;
  msg: Buffer;
  rcode?: 'FORMERR' | 'NOERROR';
}

/** A header with the given id and section counts, RD set. */
function header(id: number, qd: number, an: number, ns: number, ar: number): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(0x0100, 2);
  h.writeUInt16BE(qd, 4);
  h.writeUInt16BE(an, 6);
  h.writeUInt16BE(ns, 8);
  h.writeUInt16BE(ar, 10);
  return h;
}

const typeClass = Buffer.from([0x00, 0x1c, 0x00, 0x01]); // AAAA IN
const labels = (...ls: string[]) =>
  Buffer.concat([
    ...ls.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])),
    Buffer.from([0]),
  ]);
const question = labels('web', 'internal');
/** A resource record with owner `owner`: AAAA IN, TTL 5, 16 bytes of rdata. */
const record = (owner: Buffer) =>
  Buffer.concat([owner, typeClass, Buffer.from([0, 0, 0, 5, 0, 16]), Buffer.alloc(16)]);

export function abusivePackets(): Abusive[] {
  const out: Abusive[] = [];
  let id = 0x4000;
  const add = (name: string, msg: Buffer, rcode?: Abusive['rcode']) => out.push({ name, msg, rcode });

  // Compression in the question name: a pointer to itself, to a later offset, a chain ending in a loop.
  add(
    'qname pointer to itself',
    Buffer.concat([header(++id, 1, 0, 0, 0), Buffer.from([0xc0, 12]), typeClass]),
    'FORMERR',
  );
  add(
    'qname pointer to a later offset',
    Buffer.concat([header(++id, 1, 0, 0, 0), Buffer.from([0xc0, 18]), typeClass, question]),
    'FORMERR',
  );
  add(
    'qname label then pointer back to its start',
    Buffer.concat([header(++id, 1, 0, 0, 0), Buffer.from([3, 0x77, 0x65, 0x62, 0xc0, 12]), typeClass]),
    'FORMERR',
  );
  const chain = Buffer.alloc(2 * 60);
  for (let i = 0; i < 60; i++) chain.writeUInt16BE(0xc000 | (12 + 2 * ((i + 1) % 60)), 2 * i);
  add(
    'qname chain of 60 pointers looping',
    Buffer.concat([header(++id, 1, 0, 0, 0), chain, typeClass]),
    'FORMERR',
  );
  add(
    'qname 0x40 label type',
    Buffer.concat([header(++id, 1, 0, 0, 0), Buffer.from([0x41, 0]), typeClass]),
    'FORMERR',
  );

  // Pointers in the other sections: names there are skipped, never followed, so loops cannot trap the parser.
  const q = Buffer.concat([question, typeClass]);
  const at = 12 + q.length; // offset of the first record's owner
  add(
    'answer owner pointer to itself',
    Buffer.concat([header(++id, 1, 1, 0, 0), q, record(Buffer.from([0xc0, at]))]),
    'NOERROR',
  );
  add(
    'authority owner pointer to a later offset',
    Buffer.concat([header(++id, 1, 0, 1, 0), q, record(Buffer.from([0xc0, at + 40]))]),
    'NOERROR',
  );
  add(
    'answer owner label then pointer loop',
    Buffer.concat([header(++id, 1, 1, 0, 0), q, record(Buffer.from([1, 0x61, 0xc0, at]))]),
    'NOERROR',
  );
  add(
    'OPT owner is a pointer loop',
    Buffer.concat([
      header(++id, 1, 0, 0, 1),
      q,
      Buffer.from([0xc0, at, 0x00, 0x29, 0x10, 0x00, 0, 0, 0, 0, 0, 0]),
    ]),
    'FORMERR',
  );
  add(
    'answer count 65535 of looping records',
    Buffer.concat([header(++id, 1, 0xffff, 0, 0), q, record(Buffer.from([0xc0, at]))]),
    'FORMERR',
  );

  // Overlong names and labels.
  add(
    'label of 64 bytes',
    Buffer.concat([header(++id, 1, 0, 0, 0), labels('a'.repeat(64)), typeClass]),
    'FORMERR',
  );
  add(
    'name of 256 bytes',
    Buffer.concat([header(++id, 1, 0, 0, 0), labels(...Array(4).fill('b'.repeat(63))), typeClass]),
    'FORMERR',
  );
  add(
    'name of 128 labels',
    Buffer.concat([header(++id, 1, 0, 0, 0), labels(...Array(128).fill('c')), typeClass]),
    'FORMERR',
  );
  add(
    'name without a root label, runs to the end',
    Buffer.concat([header(++id, 1, 0, 0, 0), Buffer.from([3, 0x77, 0x65, 0x62])]),
    'FORMERR',
  );

  // Oversized messages: a valid query followed by junk up to the largest UDP payload (trailing bytes are
  // ignored), and a message that is all question count.
  const big = Buffer.alloc(65_507, 0xc0);
  encodeQuery('web.internal', 'AAAA', { id: ++id }).copy(big);
  add('65,507-byte message: a query then 0xc0 bytes', big, 'NOERROR');
  const junk = Buffer.alloc(65_507, 0xff);
  header(++id, 0xffff, 0xffff, 0xffff, 0xffff).copy(junk);
  add('65,507-byte message: all counts 65535', junk, 'FORMERR');
  return out;
}
