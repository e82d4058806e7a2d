// Random and mutated DNS packets for the fuzz test and the abuse benchmark (bench/dns/abuse.ts), drawn from a
// seeded generator (src/core/seeded-random.ts): a corpus of valid queries, and the rule for which packets the
// server must answer.

import { encodeQuery } from '../../../src/core/dns/client-query.ts';

const NAMES = [
  'web.internal',
  'global.web.internal',
  'ord.web.internal',
  'top2.nearest.of.web.internal',
  'a0000001.vm.web.internal',
  'laptop._peer.internal',
  '_api.internal',
  'regions.web.internal',
  'all.vms.web.internal',
  '_instances.internal',
  'all._instances.internal',
  'internal',
  'nope.internal',
  'www.example.test',
];
const TYPES = ['AAAA', 'A', 'TXT', 'SOA', 'ANY', 'MX', 'TYPE65'];

/** Valid queries for every name of the fixture zone and a few types, with and without EDNS. */
export function corpus(rand: () => number): Buffer[] {
  const out: Buffer[] = [];
  for (const n of NAMES) {
    for (const t of TYPES) {
      out.push(encodeQuery(n, t, { id: Math.floor(rand() * 65536) }));
      out.push(
        encodeQuery(n, t, { id: 1, udpSize: 512 + Math.floor(rand() * 4000), dnssecOk: rand() < 0.5 }),
      );
    }
  }
  return out;
}

/** One packet: random bytes, or a valid query with bits flipped, bytes replaced, cut short or extended. */
export function packet(rand: () => number, seeds: Buffer[]): Buffer {
  const r = rand();
  if (r < 0.25) {
    const b = Buffer.alloc(Math.floor(rand() * 300));
    for (let i = 0; i < b.length; i++) b[i] = Math.floor(rand() * 256);
    if (b.length > 2 && rand() < 0.7) b[2] = b[2]! & 0x7f; // mostly not responses, so they reach the parser
    return b;
  }
  const base = seeds[Math.floor(rand() * seeds.length)]!;
  let b = Buffer.from(base);
  const ops = 1 + Math.floor(rand() * 4);
  for (let k = 0; k < ops; k++) {
    const op = rand();
    const at = Math.floor(rand() * b.length);
    if (op < 0.3) b[at] = b[at]! ^ (1 << Math.floor(rand() * 8));
    else if (op < 0.5) b[at] = [0, 0xc0, 0x3f, 0x40, 0xff, 0x0c, 0x29][Math.floor(rand() * 7)]!;
    else if (op < 0.65) b = b.subarray(0, at);
    else if (op < 0.8)
      b = Buffer.concat([
        b,
        Buffer.from(Array.from({ length: Math.floor(rand() * 40) }, () => Math.floor(rand() * 256))),
      ]);
    else if (b.length >= 12) b.writeUInt16BE(Math.floor(rand() * 4), 4 + 2 * Math.floor(rand() * 4)); // section counts
  }
  if (b.length >= 3 && rand() < 0.9) b[2] = b[2]! & 0x7f;
  return b;
}

/** The server drops only messages shorter than a header and responses; everything else gets an answer. */
export const expectsReply = (b: Buffer) => b.length >= 12 && (b[2]! & 0x80) === 0;
